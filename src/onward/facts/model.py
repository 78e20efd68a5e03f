"""What extraction returns: a `Field` (a value and a confidence in [0, 1]; `None` is a valid
answer) per fact, and the `Extraction` holding one per fact."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Field:
    value: str | None
    confidence: float = 0.0

    @classmethod
    def unknown(cls) -> Field:
        return cls(None, 0.0)


@dataclass(frozen=True)
class Extraction:
    company: Field
    role: Field
    signer: Field
    stage: Field
    reason: Field
    lang: Field
    reply_to: Field

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def value(self, name: str, min_confidence: float = 0.0) -> str | None:
        f: Field = getattr(self, name)
        return f.value if f.confidence >= min_confidence else None
