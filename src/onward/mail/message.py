"""The message every part of onward reads: `ParsedMessage`, what `parse.parse_message` makes of
raw bytes (headers decoded, the new text apart from the quoted thread and the signature, the
defects found), with its `Address` type and the stable `synthetic_message_id` given to mail that
has no Message-ID. It holds no parsing, so what only reads messages need not import the parser.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

Address = tuple[str, str]


@dataclass(frozen=True)
class ParsedMessage:
    message_id: str
    synthetic_id: bool
    subject: str
    from_: Address
    reply_to: tuple[Address, ...]
    to: tuple[Address, ...]
    date: datetime | None
    in_reply_to: str | None
    references: tuple[str, ...]
    list_id: str | None
    list_unsubscribe: str | None
    auto_submitted: str | None
    precedence: str | None
    content_language: str | None
    body_format: str  # "plain" | "html" | "none"
    text: str  # the new text, without the quoted earlier message and signature
    quoted: str
    signature: str
    defects: tuple[str, ...] = field(default=())
    size: int = 0

    @property
    def from_address(self) -> str:
        return self.from_[1]

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["from"] = data.pop("from_")
        data["date"] = self.date.isoformat() if self.date else None
        return data


def synthetic_message_id(raw: bytes) -> str:
    """A stable id for a message without Message-ID: the same bytes always give the same id."""
    return f"<{hashlib.sha256(raw).hexdigest()[:32]}@onward.invalid>"
