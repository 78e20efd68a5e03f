"""The user's view of the store: the list of rejections, corrections, forgetting, export."""

from __future__ import annotations

import logging
import sqlite3
from typing import Any

from onward.classifier import CATEGORIES
from onward.errors import OnwardError
from onward.store import Store
from onward.vocab import Verdict

log = logging.getLogger(__name__)

CORRECTION_LABELS = (*CATEGORIES, Verdict.NOT_REJECTION)


def rejection_history(store: Store, company: str | None = None) -> list[dict[str, Any]]:
    return store.rejection_history(company)


def failures(store: Store) -> list[dict[str, Any]]:
    """The messages a step failed on (each step of each message once), oldest first."""
    return store.failures()


def find_messages(store: Store, ref: str, account: str | None = None) -> list[sqlite3.Row]:
    """The recorded messages a user means: the short id `history` shows, or a Message-ID (with or
    without its angle brackets)."""
    if ref.isdigit():
        key: int | str = int(ref)
        shown = f"id {ref}"
    else:
        key = shown = ref if ref.startswith("<") else f"<{ref}>"
    rows = store.find_messages(key, account)
    if not rows:
        raise OnwardError(f"no message {shown} in the history (`onward history` shows the ids)")
    return rows


def saved_draft_id(store: Store, account: str, message_id: str) -> str | None:
    """The Message-ID of the feedback-request draft onward saved for this message, if any."""
    return store.saved_draft_id(account, message_id)


def mark(store: Store, ref: str, label: str, account: str | None = None, origin: str = "command") -> int:
    """Record a correction and make the history follow it. Returns how many messages it touched."""
    if label not in CORRECTION_LABELS:
        raise OnwardError(f"--as must be one of {', '.join(CORRECTION_LABELS)}")
    rows = find_messages(store, ref, account)
    with store.transaction():
        for row in rows:
            store.apply_correction(row, label, origin)
    return len(rows)


def forget(store: Store, company: str | None = None, message_id: str | None = None) -> int:
    if not company and not message_id:
        raise OnwardError("say what to forget: --company or --message-id")
    if message_id and not message_id.startswith("<"):
        message_id = f"<{message_id}>"
    with store.transaction():
        count = store.forget(company, message_id)
    log.info("forgot %d message(s)", count)
    return count


def export(store: Store) -> dict[str, Any]:
    return store.export()
