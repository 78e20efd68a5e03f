"""Counterfactual senders: the same message as if it came from another kind of address.

Real rejections come from ATS relays, company mailboxes, a recruiter's gmail or a forward with
no sender at all, and the words say the same thing each time. Training on every message under
a second sender kind teaches the model that the sender is not the decision; the flip rate
measures whether it learned it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from onward.classifier.features import Document

# the sender facts a message gets from each kind of From address (see features._domain_kind)
SENDER_KINDS: dict[str, tuple[str, ...]] = {
    "company": ("sender_org", "sender_hiring_box"),
    "ats": ("sender_ats", "sender_noreply"),
    "freemail": ("sender_freemail",),
    "none": ("sender_none",),
}


def sender_kind(document: Document) -> str:
    facts = set(document.facts.split())
    if "sender_none" in facts:
        return "none"
    if "sender_freemail" in facts:
        return "freemail"
    if facts & {"sender_ats", "sender_jobboard"}:
        return "ats"
    return "company"


def with_sender(document: Document, kind: str) -> Document:
    kept = [f for f in document.facts.split() if not f.startswith("sender_")]
    return replace(document, facts=" ".join((*SENDER_KINDS[kind], *kept)))


def augment(documents: np.ndarray, labels: np.ndarray, keys: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Each document once more under another sender kind, chosen by a hash of its key (repeatable)."""
    kinds = list(SENDER_KINDS)
    extra = []
    for document, key in zip(documents, keys, strict=True):
        own = sender_kind(document)
        others = [k for k in kinds if k != own]
        pick = int(hashlib.sha256(key.encode()).hexdigest()[:8], 16) % len(others)
        extra.append(with_sender(document, others[pick]))
    out = np.empty(len(documents) * 2, dtype=object)
    out[: len(documents)] = list(documents)
    out[len(documents):] = extra
    return out, np.concatenate([labels, labels])


def variants(documents: Sequence[Document]) -> dict[str, np.ndarray]:
    """Every document under each sender kind, for the flip rate."""
    out = {}
    for kind in SENDER_KINDS:
        array = np.empty(len(documents), dtype=object)
        array[:] = [with_sender(d, kind) for d in documents]
        out[kind] = array
    return out
