"""`onward filter`: add verdict headers to a message the way spam filters do, changing nothing else."""

from __future__ import annotations

import re

from onward.classifier.predictor import RejectionModel
from onward.mail.parse import parse_message

_HEADER_END = re.compile(rb"\r?\n\r?\n")


def add_verdict_headers(raw: bytes, model: RejectionModel, max_text_bytes: int) -> tuple[bytes, str | None]:
    """The message with X-Onward-* headers at the end of its header block, and the verdict.

    A message without a header/body boundary is returned unchanged (verdict None): we do not
    guess where its headers end.
    """
    boundary = _HEADER_END.search(raw)
    if boundary is None or boundary.start() == 0:
        return raw, None
    message = parse_message(raw, max_text_bytes)
    prediction = model.predict([message], explain=False)[0]
    newline = b"\r\n" if raw[boundary.start():boundary.start() + 2] == b"\r\n" else b"\n"
    added = newline.join([
        b"X-Onward-Category: " + prediction.category.encode(),
        b"X-Onward-Verdict: " + prediction.verdict.encode(),
        b"X-Onward-Score: " + f"{prediction.score:.4f}".encode(),
    ])
    at = boundary.start()
    return raw[:at] + newline + added + raw[at:], prediction.verdict
