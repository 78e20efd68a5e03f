"""The verdict reads the text, not the sender, and job-board notices are never rejections.

A model is trained here with the shipped recipe on our own written mail, leaving out a few whole
writing batches (job-board notices in each language we claim, rejections from personal
addresses), and is judged only on what it did not see, at the shipped model's thresholds.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest

from onward.classifier.data import LabelledMessage, load_data
from onward.classifier.model import load_model
from onward.classifier.predictor import RejectionModel
from onward.classifier.sender_swap import SENDER_KINDS, sender_kind, sender_swap_scores, swap_sender
from onward.classifier.training import train
from onward.mail.message import ParsedMessage
from onward.mail.parse import parse_message

TRAINING_DATA = Path(str(resources.files("onward.training_data")))
HELD_OUT_BATCHES = {"en_boards_02", "fr_boards_04", "de_boards_02", "es_boards_02", "en_rej_personal_02"}


def _batch(message: LabelledMessage) -> str:
    return message.group.rpartition("/")[2]


@pytest.fixture(scope="module")
def split() -> tuple[RejectionModel, list[LabelledMessage]]:
    messages = load_data([str(TRAINING_DATA)])
    held_out = [m for m in messages if _batch(m) in HELD_OUT_BATCHES]
    seen = [m for m in messages if _batch(m) not in HELD_OUT_BATCHES]
    assert {_batch(m) for m in held_out} == HELD_OUT_BATCHES
    model = train(seen, folds=1).model
    shipped = load_model()
    model.reject_threshold, model.unsure_threshold = shipped.reject_threshold, shipped.unsure_threshold
    return model, held_out


def _is_rejection(model: RejectionModel) -> object:
    return lambda parsed: [p.is_rejection for p in model.predict(parsed, explain=False)]


def test_swapping_the_sender_flips_at_most_two_percent_of_held_out_rejections(split):
    model, held_out = split
    rejections = [m.raw for m in held_out if m.label == "rejection"]
    assert len(rejections) >= 30
    result = sender_swap_scores(rejections, _is_rejection(model))
    assert result["flip_rate"] <= 0.02, result


@pytest.mark.parametrize("lang", ["en", "fr", "de", "es"])
def test_held_out_job_board_notices_are_never_rejections(split, lang):
    model, held_out = split
    notices = [m for m in held_out if "_boards_" in _batch(m) and m.lang == lang and m.label != "rejection"]
    assert len(notices) >= 15
    predictions = model.predict([parse_message(m.raw) for m in notices], explain=False)
    flagged = [m.id for m, p in zip(notices, predictions, strict=True) if p.verdict == "rejection"]
    assert flagged == []


def test_swap_sender_replaces_only_the_sender():
    raw = (b"From: Talent <talent@acme.example>\r\nSender: x@acme.example\r\nReply-To: \r\n jo@acme.example\r\n"
           b"Subject: Your application\r\nMessage-ID: <1@acme.example>\r\n\r\nFrom: this body line stays\r\n")
    for kind in SENDER_KINDS:
        swapped: ParsedMessage = parse_message(swap_sender(raw, kind))
        assert sender_kind(swapped) == kind
        assert swapped.subject == "Your application" and swapped.message_id == "<1@acme.example>"
        assert swapped.reply_to == () and "this body line stays" in swapped.text
