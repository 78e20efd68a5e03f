"""Where mail comes from. Every source yields `SourceMessage`s: a stable key and the raw bytes.

Local sources (.eml files, folders of them, mbox, Maildir) live in `local`; IMAP in `imap`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class SourceMessage:
    key: str  # stable within its source: a path, an mbox index, a Maildir key, an IMAP UID
    raw: bytes = field(repr=False)
    location: str  # for people: where to find it
    error: str | None = None  # set when the bytes could not be read; raw is then empty
    size: int | None = None  # set when raw is only the headers and the start of a message this large


def fetch_limit(max_text_bytes: int) -> int:
    """Bytes of a message's body read at most: base64 and quoted-printable inflate the text
    (base64 with its line ends by 1.37), and the text read is capped at `max_text_bytes`."""
    return 2 * max_text_bytes


class MessageSource(Protocol):
    name: str

    def __iter__(self) -> Iterator[SourceMessage]: ...
