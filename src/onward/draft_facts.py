"""The facts a draft states, vetted: what extraction found, kept only when it can be trusted."""

from __future__ import annotations

from dataclasses import dataclass

from onward.extract import Extraction
from onward.parsing import ParsedMessage

MIN_CONFIDENCE = 0.5
COMPANY_CONFIDENCE = 0.6  # one clue alone (a display name that may be a recruiter's) is not enough


@dataclass(frozen=True)
class DraftFacts:
    company: str | None
    role: str | None
    stage: str
    signer: str | None
    recipient: str | None
    lang: str | None


def vet(message: ParsedMessage, facts: Extraction) -> DraftFacts:
    return DraftFacts(
        company=facts.value("company", COMPANY_CONFIDENCE),
        role=facts.value("role", MIN_CONFIDENCE),
        stage=facts.value("stage") or "unknown",
        signer=facts.value("signer", MIN_CONFIDENCE),
        recipient=facts.value("reply_to"),
        lang=facts.value("lang"),
    )
