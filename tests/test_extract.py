"""What onward reads out of a rejection: measured on the rejections we wrote (with ground truth
in labels.jsonl), plus the ATS conventions one by one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import message
from onward.facts.extract import extract
from onward.facts.names import _key
from onward.facts.people import is_noreply, reply_address
from onward.mail.parse import parse_message

TRAINING = Path(__file__).parent.parent / "training_data"


@pytest.fixture(scope="module")
def written_rejections():
    rows = [json.loads(line) for line in (TRAINING / "labels.jsonl").read_text().splitlines()]
    out = []
    for row in rows:
        if row["label"] == "rejection":
            out.append((row, extract(parse_message((TRAINING / row["file"]).read_bytes()))))
    assert len(out) >= 600
    return out


def same(a: str | None, b: str | None) -> bool:
    return bool(a and b and (_key(a) == _key(b) or _key(a) in _key(b) or _key(b) in _key(a)))


def test_company_is_usually_right_when_confident_and_rarely_wrong(written_rejections):
    confident = [(row, facts) for row, facts in written_rejections if facts.value("company", 0.5)]
    right = sum(same(facts.value("company", 0.5), row["company"]) for row, facts in confident)
    # 0.85, right 0.99, on 2026-12-06; board relays and agency mail often name no employer
    assert len(confident) / len(written_rejections) >= 0.82
    assert right / len(confident) >= 0.97


def test_stage_and_reason(written_rejections):
    stage_right = sum(facts.value("stage") == row["stage"] for row, facts in written_rejections)
    assert stage_right / len(written_rejections) >= 0.68
    stated = [(row, facts) for row, facts in written_rejections if facts.value("reason") != "none"]
    reason_right = sum(facts.value("reason") == row["reason"] for row, facts in stated)
    assert reason_right / len(stated) >= 0.75  # when we name a reason, it is usually the stated one


def test_reply_address_is_right_and_never_a_no_reply(written_rejections):
    found = [(row, facts) for row, facts in written_rejections if facts.value("reply_to")]
    assert all(not is_noreply(facts.value("reply_to")) for _, facts in found)
    right = sum(facts.value("reply_to") == (row["reply_to"] or "").lower() for row, facts in found)
    assert right / len(found) >= 0.9


@pytest.mark.parametrize(("sender", "subject", "body", "company"), [
    ("Northwind Labs Hiring Team <no-reply@greenhouse.io>", "Your application", "We will not move forward.",
     "Northwind Labs"),
    ("Talent at Mossgiel <no-reply@ashbyhq.com>", "Update", "We will not move forward.", "Mossgiel"),
    ("Ana Ruiz <no-reply@hire.lever.co>", "Brindle Pay | Growth Marketer", "Hi,\n\nWe decided to pass.\n\nAna",
     "Brindle Pay"),
    ("Recruiting <jobs@fjordline.example>", "Thank you for your interest in Fjordline Analytics",
     "We have decided not to proceed.", "Fjordline Analytics"),
    ("HR <hr@staffing.example>", "Your candidacy", "I am writing on behalf of Quarry Bank to let you know...",
     "Quarry Bank"),
    ("Steinbach Medien GmbH <jobs@steinbach.example>", "Ihre Bewerbung bei Steinbach Medien", "leider...",
     "Steinbach Medien"),
])
def test_ats_conventions_for_company(sender, subject, body, company):
    facts = extract(parse_message(message(subject, body + "\n\nThis text is long enough to be a message.",
                                          sender=sender)))
    assert same(facts.value("company", 0.5), company), facts.company


def test_no_reply_relay_and_signature_addresses():
    assert is_noreply("no-reply@greenhouse.io") and is_noreply("donotreply@kestrel.example")
    assert is_noreply("kestrel@myworkday.com") and is_noreply("notifications@lever.co")
    assert not is_noreply("dana.ruiz@kestrel.example")
    relayed = parse_message(message("Your application", "Hi Sam,\n\nWe will not be moving forward.\n\nBest regards,\n"
                                     "Dana Ruiz\nRecruiter, Kestrel\ndana.ruiz@kestrel.example\n",
                                     sender="Kestrel <no-reply@greenhouse.io>"))
    assert reply_address(relayed).value == "dana.ruiz@kestrel.example"
    reply_to = parse_message(message("x", "We decided to pass.", sender="no-reply@hire.lever.co",
                                     reply_to="Priya <priya@brightwater.example>"))
    assert reply_address(reply_to).value == "priya@brightwater.example"
    nobody = parse_message(message("Your application", "Unfortunately we will not proceed. "
                                   "Questions? Write to support@greenhouse.io", sender="no-reply@greenhouse.io"))
    assert reply_address(nobody).value is None


def test_forwarded_rejection_replies_to_the_original_sender_not_the_forwarder():
    body = ("FYI, sadly.\n\n---------- Forwarded message ---------\nFrom: Dana Ruiz <dana@kestrel.example>\n"
            "Date: Mon, 3 Jun 2024\nSubject: Your application\n\nHi Sam, we have decided not to move forward.\n")
    fwd = parse_message(message("Fwd: Your application", body, sender="Sam <sam.rivera@gmail.com>"))
    assert reply_address(fwd).value == "dana@kestrel.example"
    from_noreply = body.replace("Dana Ruiz <dana@kestrel.example>", "Kestrel <no-reply@greenhouse.io>")
    assert reply_address(parse_message(message("Fwd: x", from_noreply, sender="sam.rivera@gmail.com"))).value is None


def test_an_address_in_the_body_is_never_a_recipient():
    """Only From, Reply-To and the signature may supply a recipient: never the middle of the text."""
    body = ("Hi Sam,\n\nWe have decided not to move forward. If you have questions about your data, write to "
            "privacy.officer@kestrel.example or visit our site.\n\nThis is an automated message.\n\n"
            "Kestrel Talent\nKestrel Bank plc, 1 Quay Street, Bristol")
    message_ = parse_message(message("Your application", body, sender="Kestrel <no-reply@greenhouse.io>"))
    assert reply_address(message_).value is None
    signed = parse_message(message("Your application", body.replace("This is an automated message.\n\n", "") +
                                   "\n\nBest regards,\nDana Ruiz\ndana.ruiz@kestrel.example",
                                   sender="Kestrel <no-reply@greenhouse.io>"))
    assert reply_address(signed).value == "dana.ruiz@kestrel.example"


def test_anchor_gates_never_skip_a_pattern_that_matches():
    """The anchor words only skip patterns that cannot match: gated and ungated agree on all our mail."""
    from pathlib import Path

    from onward.facts.company import _BODY_RULES
    from onward.facts.people import _INVITES_REPLY, _INVITES_REPLY_ANCHORS, INVITATION_CHARS
    from onward.facts.role import _ROLE_RULES
    from onward.facts.rules import _NOT_YET_INTERVIEWED, _REASON_RULES, _STAGE_RULES
    from onward.facts.text import _may_match
    from onward.mail.parse import parse_message

    root = Path(__file__).resolve().parent.parent
    paths = sorted((root / "training_data" / "eml").glob("*.eml")) + sorted(
        (root / "src" / "onward" / "data" / "sample_inbox").rglob("*.eml"))
    assert len(paths) > 2000
    checked = 0
    for path in paths:
        message = parse_message(path.read_bytes())
        raw_stage_text = f"{message.subject}\n{message.text[:3000]}".lower()
        stage_text = _NOT_YET_INTERVIEWED.sub(" ", raw_stage_text)
        reason_text = f"{message.subject}\n{message.text[:1500]}".lower()
        for name, pattern, anchors in _STAGE_RULES:
            for text in (stage_text, raw_stage_text):  # the final and interview rules read the raw text
                if pattern.search(text):
                    assert _may_match(anchors, text), (path.name, name)
        invitation_text = f"{message.text[:INVITATION_CHARS]}\n{message.signature}".lower()
        if _INVITES_REPLY.search(invitation_text):
            assert _may_match(_INVITES_REPLY_ANCHORS, invitation_text), path.name
        for name, pattern, anchors in _REASON_RULES:
            if pattern.search(reason_text):
                assert _may_match(anchors, reason_text), (path.name, name)
                checked += 1
        head, body = message.text[:2000], message.text[:3000]
        for name, pattern, anchors in _ROLE_RULES:
            if pattern.search(head):
                assert _may_match(anchors, head.lower()), (path.name, name)
        for name, pattern, anchors in _BODY_RULES:
            if pattern.search(body):
                assert _may_match(anchors, body.lower()), (path.name, name)
    assert checked > 300
