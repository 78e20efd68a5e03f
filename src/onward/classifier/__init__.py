"""The rejection classifier: features, training, evaluation and model persistence."""

CATEGORIES = ("rejection", "application_ack", "interview", "offer", "other_job", "not_job")
VERDICTS = ("rejection", "unsure", "not_rejection")
