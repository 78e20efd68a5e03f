"""Rejection events: one per rejection, with its facts and where its feedback-request draft
stands; the rows `history` lists, the report counts and the look for sent drafts follows."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

from onward.store.base import Queries, db_value, now
from onward.vocab import DraftStatus


class EventQueries(Queries):
    def record_rejection(self, message_row: int, values: dict[str, Any], new_message: bool = False) -> int:
        """Once per message; `new_message`: its row was inserted just now, so it has no event yet."""
        if not new_message:
            existing = self._db.execute("SELECT id FROM rejection_events WHERE message = ?", (message_row,)).fetchone()
            if existing:
                return int(existing["id"])
        columns = ["message", "created_at", *values]
        row = [message_row, now(), *(db_value(v) for v in values.values())]
        cursor = self._db.execute(
            f"INSERT INTO rejection_events ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})", row
        )
        return int(cursor.lastrowid or 0)

    def set_draft_status(self, event_id: int, status: str, draft_message_id: str | None = None) -> None:
        self._db.execute("UPDATE rejection_events SET draft_status = ?, "
                         "draft_message_id = COALESCE(?, draft_message_id) "
                         "WHERE id = ?", (status, draft_message_id, event_id))

    def rejection_for(self, message_row: int) -> sqlite3.Row | None:
        return self._db.execute("SELECT * FROM rejection_events WHERE message = ?", (message_row,)).fetchone()

    def rejection_history(self, company: str | None = None) -> list[dict[str, Any]]:
        """Every rejection with its message and the application it answers, oldest first; `company`
        keeps those whose company contains it."""
        sql = ("SELECT e.id, m.id AS ref, e.received_at, e.company, e.role, e.stage, e.reason, e.reply_to, "
               """e.draft_status,
                        m.account, m.message_id, m.subject, m.from_addr, a.received_at AS applied_at
                 FROM rejection_events e JOIN messages m ON m.id = e.message
                 LEFT JOIN messages a ON a.id = e.application_message""")
        params: tuple[Any, ...] = ()
        if company:
            sql += " WHERE lower(e.company) LIKE lower(?)"
            params = (f"%{company}%",)
        return [dict(r) for r in self._db.execute(sql + " ORDER BY julianday(e.received_at)", params)]

    def report_rows(self, since: str | None = None,
                    account: str | None = None) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """What the report reads: the classified messages, and the rejection events with their
        message and application, both received since `since` in `account` (when given)."""
        where, params = "WHERE m.status = 'classified'", []
        if since:
            where += " AND m.received_at >= ?"
            params.append(since)
        if account:
            where += " AND m.account = ?"
            params.append(account)
        messages = self._rows(f"SELECT m.id, m.account, m.category, m.verdict, m.company, m.received_at, m.message_id, "
                              f"m.in_reply_to, m.thread_refs, m.from_addr FROM messages m {where}", tuple(params))
        events = self._rows(f"""SELECT e.*, m.message_id, m.subject, m.account, a.received_at AS applied_at
            FROM rejection_events e JOIN messages m ON m.id = e.message
            LEFT JOIN messages a ON a.id = e.application_message {where}
            ORDER BY julianday(e.received_at)""", tuple(params))
        return messages, events

    def _rows(self, sql: str, params: tuple[Any, ...]) -> list[dict[str, Any]]:
        return [dict(r) for r in self._db.execute(sql, params).fetchall()]

    def drafts_to_follow(self, account: str) -> list[sqlite3.Row]:
        """The account's saved drafts not yet seen sent: (event id, the draft's Message-ID)."""
        return self._db.execute(
            """SELECT e.id, e.draft_message_id FROM rejection_events e JOIN messages m ON m.id = e.message
               WHERE m.account = ? AND e.draft_status IN (?, ?) AND e.draft_message_id IS NOT NULL""",
            (account, DraftStatus.DRAFTED, DraftStatus.DRAFTED_NO_RECIPIENT)).fetchall()

    def set_drafts_sent(self, event_ids: Sequence[int]) -> None:
        self._db.executemany("UPDATE rejection_events SET draft_status = ? WHERE id = ?",
                             [(DraftStatus.SENT, event) for event in event_ids])
