"""The words onward's parts share: categories, verdicts, stages, reasons and draft states.

StrEnums compare equal to their strings, so the database, JSON output and templates keep the
plain words while the code names each one once, here.
"""

from __future__ import annotations

from enum import StrEnum


class Category(StrEnum):
    REJECTION = "rejection"
    APPLICATION_ACK = "application_ack"
    INTERVIEW = "interview"
    OFFER = "offer"
    OTHER_JOB = "other_job"
    NOT_JOB = "not_job"


class Verdict(StrEnum):
    """Three-way, as SpamBayes does it: acted on, flagged for a look, left alone."""

    REJECTION = "rejection"
    UNSURE = "unsure"
    NOT_REJECTION = "not_rejection"


class Stage(StrEnum):
    """Where in the funnel the candidacy stopped, in funnel order."""

    APPLICATION = "application"
    ASSESSMENT = "assessment"
    INTERVIEW = "interview"
    FINAL = "final"
    UNKNOWN = "unknown"


class Reason(StrEnum):
    EXPERIENCE = "experience"
    OVERQUALIFIED = "overqualified"
    POSITION_FILLED = "position_filled"
    ROLE_CLOSED = "role_closed"
    FIT = "fit"
    LOCATION_VISA = "location_visa"
    NONE = "none"


class DraftStatus(StrEnum):
    PENDING = "pending"
    DRAFTED = "drafted"
    DRAFTED_NO_RECIPIENT = "drafted_no_recipient"
    TONE_FAILED = "tone_failed"
    NOT_DRAFTED = "not_drafted"
    TOO_OLD = "too_old"  # the rejection is older than draft_max_age_days: recorded and tagged, not drafted
    FAILED = "failed"  # composing or writing the draft failed (the failure is in `history --failed`)
    SENT = "sent"  # the draft left Drafts (the user sent it, or it is in Sent)


class DraftOutcome(StrEnum):
    """What happened to one message's draft in this run (scan output and JSON), as opposed to the
    draft status stored with its rejection event."""

    DRAFTED = "drafted"
    NO_RECIPIENT = "no_recipient"  # saved without a To: no address a person reads was found
    WOULD_DRAFT = "would_draft"  # --dry-run
    EXISTS = "exists"  # saved by an earlier run
    TOO_OLD = "too_old"
    TONE_FAILED = "tone_failed"
    FAILED = "failed"
    OFF = "off"  # drafts are turned off for this account or run


# plain strings, for JSON keys, click choices and SQL parameters
CATEGORIES: tuple[str, ...] = tuple(c.value for c in Category)
STAGES: tuple[str, ...] = tuple(s.value for s in Stage)
REASONS: tuple[str, ...] = tuple(r.value for r in Reason)


def saved_draft(status: str | None) -> bool:
    """Whether a rejection event's draft status says a draft was saved."""
    return status in (DraftStatus.DRAFTED, DraftStatus.DRAFTED_NO_RECIPIENT, DraftStatus.SENT)
