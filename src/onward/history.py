"""The user's view of the store: the list of rejections, corrections, forgetting, export."""

from __future__ import annotations

import logging
import sqlite3
from typing import Any

from onward.classifier import CATEGORIES
from onward.errors import OnwardError
from onward.store import Store, now

log = logging.getLogger(__name__)

CORRECTION_LABELS = (*CATEGORIES, "not_rejection")


def rejection_history(store: Store, company: str | None = None) -> list[dict[str, Any]]:
    sql = """SELECT e.id, m.id AS ref, e.received_at, e.company, e.role, e.stage, e.reason, e.reply_to, e.draft_status,
                    m.account, m.message_id, m.subject, m.from_addr, a.received_at AS applied_at
             FROM rejection_events e JOIN messages m ON m.id = e.message
             LEFT JOIN messages a ON a.id = e.application_message"""
    params: tuple[Any, ...] = ()
    if company:
        sql += " WHERE lower(e.company) LIKE lower(?)"
        params = (f"%{company}%",)
    return [dict(r) for r in store.db.execute(sql + " ORDER BY e.received_at", params)]


def failures(store: Store) -> list[dict[str, Any]]:
    """The messages a step failed on (each step of each message once), oldest first."""
    return [dict(r) for r in store.db.execute(
        "SELECT account, folder, uid, message_id, step, error_class, error, created_at FROM failures ORDER BY id")]


def find_messages(store: Store, ref: str, account: str | None = None) -> list[sqlite3.Row]:
    """The recorded messages a user means: the short id `history` shows, or a Message-ID (with or
    without its angle brackets)."""
    if ref.isdigit():
        sql, params = "SELECT * FROM messages WHERE id = ?", [int(ref)]
        shown = f"id {ref}"
    else:
        message_id = ref if ref.startswith("<") else f"<{ref}>"
        sql, params, shown = "SELECT * FROM messages WHERE message_id = ?", [message_id], message_id
    if account:
        sql += " AND account = ?"
        params.append(account)
    rows = store.db.execute(sql, params).fetchall()
    if not rows:
        raise OnwardError(f"no message {shown} in the history (`onward history` shows the ids)")
    return rows


def saved_draft_id(store: Store, account: str, message_id: str) -> str | None:
    """The Message-ID of the feedback-request draft onward saved for this message, if any."""
    row = store.db.execute("SELECT detail FROM actions WHERE account = ? AND message_id = ? AND action = 'draft'",
                           (account, message_id)).fetchone()
    return row[0] if row else None


def mark(store: Store, ref: str, label: str, account: str | None = None, origin: str = "command") -> int:
    """Record a correction and make the history follow it. Returns how many messages it touched."""
    if label not in CORRECTION_LABELS:
        raise OnwardError(f"--as must be one of {', '.join(CORRECTION_LABELS)}")
    rows = find_messages(store, ref, account)
    with store.transaction() as db:
        for row in rows:
            message_id = row["message_id"]
            if label == "not_rejection":  # not a rejection, but job mail of some kind: the closest category
                category = "other_job" if row["category"] == "rejection" else row["category"]
            else:
                category = label
            verdict = "rejection" if label == "rejection" else "not_rejection"
            db.execute("INSERT INTO corrections (account, message_id, label, origin, created_at) VALUES (?, ?, ?, ?, ?)",
                       (row["account"], message_id, label, origin, now()))
            db.execute("UPDATE messages SET category = ?, verdict = ? WHERE id = ?", (category, verdict, row["id"]))
            if verdict == "rejection":
                store.record_rejection(row["id"], {"company": row["company"], "role": row["role"],
                                                   "received_at": row["received_at"], "draft_status": "not_drafted"})
            else:
                db.execute("DELETE FROM rejection_events WHERE message = ?", (row["id"],))
    return len(rows)


def corrections(store: Store) -> list[dict[str, Any]]:
    return [dict(r) for r in store.db.execute("SELECT * FROM corrections ORDER BY id")]


def forget(store: Store, company: str | None = None, message_id: str | None = None) -> int:
    if not company and not message_id:
        raise OnwardError("say what to forget: --company or --message-id")
    with store.transaction() as db:
        if company:
            ids = [r[0] for r in db.execute("SELECT message_id FROM messages WHERE lower(company) = lower(?) UNION "
                                            "SELECT m.message_id FROM rejection_events e JOIN messages m ON m.id = e.message "
                                            "WHERE lower(e.company) = lower(?)", (company, company))]
        else:
            mid = message_id if message_id and message_id.startswith("<") else f"<{message_id}>"
            ids = [r[0] for r in db.execute("SELECT message_id FROM messages WHERE message_id = ?", (mid,))]
        for mid in ids:
            db.execute("DELETE FROM messages WHERE message_id = ?", (mid,))  # events cascade
            db.execute("DELETE FROM actions WHERE message_id = ?", (mid,))
            db.execute("DELETE FROM corrections WHERE message_id = ?", (mid,))
            db.execute("DELETE FROM failures WHERE message_id = ?", (mid,))
    log.info("forgot %d message(s)", len(ids))
    return len(ids)


def export(store: Store) -> dict[str, Any]:
    tables = ("folder_state", "messages", "rejection_events", "actions", "corrections", "failures", "schema_migrations")
    return {table: [dict(r) for r in store.db.execute(f"SELECT * FROM {table}")] for table in tables}  # noqa: S608
