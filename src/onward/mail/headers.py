"""Values taken from mail that we write into draft headers or show on a terminal.

A draft's headers are built only from parts checked here. The stdlib's header classes decode
encoded words (`=?utf-8?q?...?=`) in whatever they are given, also inside an address or a
Message-ID, so a value that still holds one after our own decoding could smuggle a comma (a
second recipient) or CR LF (a new header) into the draft. Whatever these functions pass holds
no `=?`, no CR or LF, and is short, so the stdlib's (quadratic) folding stays cheap.
"""

from __future__ import annotations

import json
import re
from typing import Any

MAX_SUBJECT = 200
MAX_ADDRESS = 254  # RFC 5321's limit for a path
MAX_MESSAGE_ID = 250
MAX_REFERENCES = 20  # the newest ids of a thread are enough to place the draft in it

# A dot-atom local part and a domain of letters, digits and hyphens: no quoted local part, no comment.
_ADDR_SPEC = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]++(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]++)*+"
                        r"@[A-Za-z0-9-]++(?:\.[A-Za-z0-9-]++)*+")
_MESSAGE_ID = re.compile(r"<[\x21-\x3b\x3d\x3f-\x7e]++>")  # printable ASCII except < and >, in angle brackets
# the marks a mail client puts before a forwarded mail's subject (English, German, French, Spanish,
# Portuguese, Dutch, Italian): one list for finding a forward and for replying to what was forwarded
_FORWARD_WORDS = r"(?:fwd?|fw|wg|tr|rv|enc|doorst|i)[ \t]*:"
FORWARD_SUBJECT = re.compile(r"^[ \t]*" + _FORWARD_WORDS, re.I)
FORWARD_MARKS = re.compile(r"^(?:[ \t]*" + _FORWARD_WORDS + r")+[ \t]*", re.I)  # all of them, as in "Fwd: TR: ..."
# C0, DEL and C1 controls, the bidi embeddings, overrides, isolates and marks, line and
# paragraph separators and lone surrogates: none of them belongs in a one-line value
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff]")
# the same on a terminal, where line ends and tabs of multi-line text stay as they are
_TERMINAL_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff]")
_JSON_CONTROL = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff]")  # json escapes C0


def safe_addr_spec(value: str | None) -> str | None:
    """`value` when it is a plain ASCII address (local@domain) that no header parser reads as
    anything else, else None."""
    if not value or len(value) > MAX_ADDRESS or "=?" in value or not _ADDR_SPEC.fullmatch(value):
        return None
    return value


def safe_message_id(value: str | None) -> str | None:
    if not value or len(value) > MAX_MESSAGE_ID or "=?" in value or not _MESSAGE_ID.fullmatch(value):
        return None
    return value


def safe_references(references: tuple[str, ...] | list[str]) -> list[str]:
    """The newest valid ids of a References list, oldest first, at most MAX_REFERENCES - 1 (room for the parent)."""
    return [ref for ref in references[-(MAX_REFERENCES - 1):] if safe_message_id(ref)]


def clean_text(value: str, limit: int) -> str:
    """One line of at most `limit` characters: control and bidi characters removed, blanks collapsed.
    Only a bounded prefix is read, so the cost is the same for a 10 MB value as for a short one."""
    head = _CONTROL.sub(" ", value[: limit * 4])
    return " ".join(head.split())[:limit].rstrip()


def clean_subject(value: str) -> str:
    """A subject for a header: decoded text (the parser decoded it once), one line, capped, and
    with any `=?` left in it broken up, so that it is not decoded a second time."""
    return clean_text(value, MAX_SUBJECT).replace("=?", "= ?")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(value: object) -> str:
    """Text for a terminal: control characters (C0 but line ends and tabs, C1, bidi) shown as
    escapes, so mail cannot move the cursor, retitle the window or reorder what is shown."""
    text = str(value)
    return _TERMINAL_CONTROL.sub(_escape, text) if _TERMINAL_CONTROL.search(text) else text


def json_text(record: Any, indent: int | None = None) -> str:
    """JSON for a terminal: the same value as json.dumps, with the control characters json leaves raw escaped."""
    text = json.dumps(record, indent=indent, ensure_ascii=False)
    return _JSON_CONTROL.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)
