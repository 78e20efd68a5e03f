"""A draft as mail: its headers and text, written as the stdlib's EmailMessage writes them.

The stdlib parses every header it is given and folds it again when it writes the message; for a
scan that drafts a reply to each rejection that was most of the time a draft cost. A draft whose
headers are all plain (ASCII words, plain addresses and Message-IDs, each line short enough that
nothing is folded or encoded) is written here directly; any other goes through the stdlib. Both
give the same bytes: tests/test_draft_bytes.py compares them on drafts made to stress the
difference.
"""

from __future__ import annotations

import email.policy
import re
from collections.abc import Sequence
from dataclasses import dataclass
from email import quoprimime
from email.headerregistry import HeaderRegistry
from email.message import EmailMessage

MAX_LINE = 78  # the policy's max_line_length: a longer header line is folded


class _HeaderClasses(HeaderRegistry):
    """The stdlib's header classes, each made once: its registry makes a new class for every header
    it is asked for, about a tenth of composing a draft."""

    def __init__(self) -> None:
        super().__init__()
        self._made: dict[str, type] = {}

    def __getitem__(self, name: str) -> type:
        key = name.lower()
        if key not in self._made:
            self._made[key] = super().__getitem__(name)
        return self._made[key]


POLICY = email.policy.default.clone(header_factory=_HeaderClasses())

# What the stdlib writes unchanged (no quoting, encoding or folding), by header
_ADDRESS = r"[A-Za-z0-9._+-]+@[A-Za-z0-9.-]+"
_PLAIN = {
    "From": re.compile(rf"(?:[A-Za-z0-9]+(?: [A-Za-z0-9]+)* <{_ADDRESS}>|{_ADDRESS})"),
    "To": re.compile(_ADDRESS),
    "Subject": re.compile(r"[\x21-\x7e]+(?: [\x21-\x7e]+)*"),  # and no "=?", which starts an encoded word
    "Date": re.compile(r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
                       r"\d{4} \d\d:\d\d:\d\d [+-]\d{4}"),
    "Message-ID": re.compile(rf"<{_ADDRESS}>"),
    "In-Reply-To": re.compile(rf"<{_ADDRESS}>"),
    "References": re.compile(rf"<{_ADDRESS}>(?: <{_ADDRESS}>)*"),
    "X-Onward-Draft": re.compile(r"feedback-request"),
}
_LINE_END = re.compile(r"\r\n|\r|\n")  # where the stdlib's generator breaks a text's lines


@dataclass(frozen=True)
class Draft:
    headers: tuple[tuple[str, str], ...]  # in the order they are written
    body: str
    cte: str  # 7bit or quoted-printable
    message_id: str
    to: str | None
    template: str

    @property
    def message(self) -> EmailMessage:
        """The draft as the stdlib's EmailMessage, made when first asked for."""
        made: EmailMessage | None = self.__dict__.get("_message")
        if made is None:
            made = EmailMessage(policy=POLICY)
            for name, value in self.headers:
                made[name] = value
            made.set_content(self.body, charset="utf-8", cte=self.cte)
            object.__setattr__(self, "_message", made)
        return made

    def as_bytes(self) -> bytes:
        """The draft as it is saved (CRLF line ends), written once: a scan checks that it can be
        written, then APPENDs it."""
        written: bytes | None = self.__dict__.get("_bytes")
        if written is None:
            written = _plain_bytes(self) if _is_plain(self.headers) else self.message.as_bytes()
            written = written.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
            object.__setattr__(self, "_bytes", written)
        return written


def _is_plain(headers: Sequence[tuple[str, str]]) -> bool:
    for name, value in headers:
        pattern = _PLAIN.get(name)
        if pattern is None or len(name) + 2 + len(value) > MAX_LINE or not pattern.fullmatch(value) or "=?" in value:
            return False
    return True


def _plain_bytes(draft: Draft) -> bytes:
    """What EmailMessage.as_bytes gives for a draft of plain headers: each header as it was set,
    the content headers set_content adds, a blank line, and the text encoded as set_content
    encodes it (its lines as bytes.splitlines cuts them, one line end after each)."""
    lines = draft.body.encode("utf-8").splitlines()
    text = b"\n".join(lines) + b"\n"
    payload = text.decode("ascii") if draft.cte == "7bit" else quoprimime.body_encode(text.decode("latin-1"), MAX_LINE)
    head = "".join(f"{name}: {value}\n" for name, value in draft.headers)
    return (head + _content_headers(draft.cte) + "\n" + _LINE_END.sub("\n", payload)).encode("ascii")


_CONTENT_HEADERS: dict[str, str] = {}


def _content_headers(cte: str) -> str:
    """The headers set_content adds for a UTF-8 text in this encoding, as the stdlib writes them
    (asked of it once)."""
    if cte not in _CONTENT_HEADERS:
        probe = EmailMessage(policy=POLICY)
        probe.set_content("x\n", charset="utf-8", cte=cte)
        _CONTENT_HEADERS[cte] = probe.as_bytes().decode("ascii").split("\n\n", 1)[0] + "\n"
    return _CONTENT_HEADERS[cte]
