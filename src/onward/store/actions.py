"""What onward did to each message (tag, draft, move: each recorded once, so nothing is done twice),
what the user undid of it on the server, and the steps that failed on a message."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

from onward.store.base import Queries, chunks, now
from onward.vocab import Verdict


class ActionQueries(Queries):
    # -- actions ----------------------------------------------------------------------------------
    def action_done(self, account: str, message_id: str, action: str) -> bool:
        return self._db.execute("SELECT 1 FROM actions WHERE account = ? AND message_id = ? AND action = ?",
                                (account, message_id, action)).fetchone() is not None

    def actions_done(self, account: str, action: str, message_ids: Sequence[str]) -> set[str]:
        """Which of these messages have had `action`."""
        return self._listed_in("actions WHERE account = ? AND action = ?", (account, action), message_ids)

    def record_actions(self, account: str, action: str, message_ids: Sequence[str]) -> None:
        done_at = now()
        self._db.executemany("INSERT OR IGNORE INTO actions (account, message_id, action, detail, done_at) "
                             "VALUES (?, ?, ?, NULL, ?)", [(account, m, action, done_at) for m in message_ids])

    def record_action(self, account: str, message_id: str, action: str, detail: str | None = None) -> None:
        self._db.execute("INSERT OR IGNORE INTO actions (account, message_id, action, detail, done_at) "
                         "VALUES (?, ?, ?, ?, ?)", (account, message_id, action, detail, now()))

    def saved_draft_id(self, account: str, message_id: str) -> str | None:
        """The Message-ID of the feedback-request draft onward saved for this message, if any."""
        row = self._db.execute("SELECT detail FROM actions WHERE account = ? AND message_id = ? AND action = 'draft'",
                               (account, message_id)).fetchone()
        return row[0] if row else None

    # -- what the user changed on the server ------------------------------------------------------
    def tagged_rejections(self, account: str, folder: str) -> list[sqlite3.Row]:
        """The rejections in a folder that onward tagged: (Message-ID, UID)."""
        return self._db.execute(
            """SELECT m.message_id, m.uid FROM actions a JOIN messages m ON m.account = a.account
                   AND m.message_id = a.message_id
               WHERE a.account = ? AND a.action = 'tag' AND m.folder = ? AND m.verdict = ?
                   AND m.uid IS NOT NULL""", (account, folder, Verdict.REJECTION)).fetchall()

    def tag_states(self, account: str, folder: str, uids: Sequence[int]) -> list[sqlite3.Row]:
        """The recorded messages at these UIDs of a folder: Message-ID, UID, verdict, and `tagged`,
        whether onward tagged it."""
        rows: list[sqlite3.Row] = []
        for chunk in chunks(uids):
            rows += self._db.execute(
                f"""SELECT m.message_id, m.uid, m.verdict, EXISTS(SELECT 1 FROM actions a WHERE a.account = m.account
                       AND a.message_id = m.message_id AND a.action = 'tag') AS tagged
                    FROM messages m WHERE m.account = ? AND m.folder = ? AND m.uid IN ({",".join("?" * len(chunk))})""",
                (account, folder, *chunk)).fetchall()
        return rows

    def moved_rejections(self, account: str) -> list[str]:
        """The Message-IDs of the rejections onward moved."""
        return [r["message_id"] for r in self._db.execute(
            "SELECT a.message_id FROM actions a JOIN messages m ON m.account = a.account "
            """AND m.message_id = a.message_id
               WHERE a.account = ? AND a.action = 'move' AND m.verdict = ?""", (account, Verdict.REJECTION))]

    # -- failures ---------------------------------------------------------------------------------
    def record_failure(self, account: str, folder: str, uid: int | None, message_id: str, step: str,
                       error_class: str, error: str) -> bool:
        """Once per message and step; False when it was recorded before."""
        cursor = self._db.execute(
            "INSERT OR IGNORE INTO failures (account, message_id, folder, uid, step, error_class, error, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (account, message_id, folder, uid, step, error_class, error[:500], now()))
        return cursor.rowcount > 0

    def failed(self, account: str, step: str, message_ids: Sequence[str]) -> set[str]:
        """Which of these messages failed at `step` before."""
        return self._listed_in("failures WHERE account = ? AND step = ?", (account, step), message_ids)

    def failures(self) -> list[dict[str, Any]]:
        """The messages a step failed on (each step of each message once), oldest first."""
        return [dict(r) for r in self._db.execute(
            "SELECT account, folder, uid, message_id, step, error_class, error, created_at FROM failures ORDER BY id")]
