"""Counterfactual senders: the same message as if another kind of address had sent it.

Real rejections come from ATS relays, company mailboxes, a recruiter's gmail or a forward with
no sender at all, and the words say the same thing each time. The verdict must not depend on
which: the flip rate counts the rejections whose verdict changes when only the From header is
swapped, on the raw message, so that any way the sender leaks into what the model reads counts.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from onward.mail.message import ParsedMessage
from onward.mail.parse import parse_message
from onward.mail.senders import ATS, FREEMAIL, JOB_BOARDS, domain_suffixes

# one From header per kind; None drops the header (a forward that lost its sender)
SENDERS: dict[str, bytes | None] = {
    "company": b"From: Recruiting <recruiting@northwind-components.example>",
    "ats": b"From: Hiring Team <no-reply@greenhouse.io>",
    "freemail": b"From: Jordan Reyes <jordan.reyes.recruits@gmail.com>",
    "none": None,
}
SENDER_KINDS = tuple(SENDERS)

_HEAD_END = re.compile(rb"\r?\n\r?\n")


def sender_kind(message: ParsedMessage) -> str:
    """Which of SENDER_KINDS sent the message (job boards count as ATS relays)."""
    domain = message.from_address.lower().rpartition("@")[2]
    if not domain:
        return "none"
    suffixes = domain_suffixes(domain)
    if not suffixes.isdisjoint(ATS) or not suffixes.isdisjoint(JOB_BOARDS):
        return "ats"
    return "freemail" if domain in FREEMAIL else "company"


def swap_sender(raw: bytes, kind: str) -> bytes:
    """The raw message with its From header (and Sender, Reply-To) replaced by one of `kind`."""
    end = _HEAD_END.search(raw)
    head, body = (raw[: end.start()], raw[end.start():]) if end else (raw, b"")
    kept: list[bytes] = []
    dropping = False
    for line in head.splitlines():
        if line[:1] in (b" ", b"\t"):  # a folded continuation belongs to the header above it
            if not dropping:
                kept.append(line)
            continue
        name = line.split(b":", 1)[0].strip().lower()
        dropping = name in (b"from", b"sender", b"reply-to")
        if not dropping:
            kept.append(line)
    new = SENDERS[kind]
    if new is not None:
        kept.insert(0, new)
    return b"\r\n".join(kept) + body


def sender_swap_scores(raw_rejections: Sequence[bytes],
                       verdicts_of: Callable[[list[ParsedMessage]], Sequence[bool]]) -> dict[str, Any]:
    """Verdicts of each rejection under every sender kind: recall per kind and the flip rate.

    `verdicts_of(messages)` returns, for parsed messages, whether each is a `rejection`."""
    if not raw_rejections:
        return {"rejections": 0, "flip_rate": None, "recall": {}}
    flagged = {kind: [bool(v) for v in verdicts_of([parse_message(swap_sender(raw, kind)) for raw in raw_rejections])]
               for kind in SENDER_KINDS}
    rows = list(zip(*flagged.values(), strict=True))
    flips = sum(1 for row in rows if any(row) and not all(row))
    return {"rejections": len(rows), "flip_rate": round(flips / len(rows), 4),
            "recall": {kind: round(sum(v) / len(v), 4) for kind, v in flagged.items()}}
