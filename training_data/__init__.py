"""Our own training emails: packaged as onward.training_data so retraining works after pip install."""
