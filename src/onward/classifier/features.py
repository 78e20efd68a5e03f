"""What the model sees of a message: subject, opening text, quoted text and a few format facts.

Kept deliberately free of anything that dates a message (header names, mailers, encodings),
so the model learns what a mail says rather than which decade it was sent in.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from onward.mail.message import ParsedMessage

BODY_CHARS = 4000  # decisions come early; footers and quoted threads go on for pages
QUOTED_CHARS = 1500
OPENING_CHARS = 700

_URL = re.compile(r"https?://\S+|www\.\S+", re.I)
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_APOSTROPHE = re.compile(r"['’`´]")
_COMBINING = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def normalise(text: str) -> str:
    """Lower case, no accents, no apostrophes, URLs and addresses folded into tokens (runs of
    digits are folded later, with the n-grams).

    Real mail reaches us in many states (punctuation stripped by a forwarder, curly or no
    apostrophes, accents dropped); folding them here makes "we've", "we’ve" and "weve" one word.
    """
    if not text.isascii():
        text = _COMBINING.sub("", unicodedata.normalize("NFKD", text))
    text = text.lower()
    # the patterns are costly to run over every position; most texts have neither
    if "http" in text or "www." in text:
        text = _URL.sub(" urltoken ", text)
    if "@" in text:
        text = _EMAIL.sub(" emailtoken ", text)
    return _APOSTROPHE.sub("", text)


@dataclass(frozen=True)
class Document:
    """The parts of a message the model reads, already normalised (see `normalise`)."""

    subject: str
    body: str
    quoted: str
    facts: str

    @property
    def opening(self) -> str:
        """Subject and the first lines: where the decision usually sits, and cheap to read closely."""
        return f"{self.subject}\n{self.body[:OPENING_CHARS]}"


def to_document(message: ParsedMessage) -> Document:
    body = "\n".join(p for p in (message.text, message.signature) if p)[:BODY_CHARS]
    # No fact about the sender: the same refusal comes from an ATS relay, a company mailbox, a
    # recruiter's gmail or a forward, and a model that weighed the sender flipped 61 % of real
    # rejections when their From became a gmail address (see models/README.md).
    facts: list[str] = []
    subject = message.subject.lower()
    if re.match(r"^\s*(re|aw|sv|rv|ref)\s*:", subject):
        facts.append("subject_reply")
    if re.match(r"^\s*(fwd?|wg|tr|rv)\s*:", subject):
        facts.append("subject_forward")
    if message.quoted:
        facts.append("has_quote")
    if message.list_unsubscribe or message.list_id:
        facts.append("bulk_list")
    if message.body_format == "html":
        facts.append("html_body")
    if any(addr != message.from_address for _, addr in message.reply_to):
        facts.append("has_reply_to")
    if len(body) < 400:
        facts.append("short_body")
    # normalised once here rather than once per vectorizer: it is the costliest step per message
    return Document(subject=normalise(message.subject), body=normalise(body),
                    quoted=normalise(message.quoted[:QUOTED_CHARS]), facts=" ".join(facts))


def field_text(document: Document, field: str) -> str:
    # an empty field becomes a token of its own: the vectorizer always has a vocabulary,
    # and "there is no quote" is a fact the model may use
    return getattr(document, field) or f"empty{field}"


def as_array(documents: Sequence[Document]) -> np.ndarray:
    out = np.empty(len(documents), dtype=object)
    out[:] = list(documents)
    return out


def __getattr__(name: str) -> Any:
    # Models saved before the scikit-learn transformer moved name it here (see hashed.__getattr__).
    if name == "FieldPicker":
        from onward.classifier.estimators import FieldPicker

        return FieldPicker
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
