"""Corrections: what the user said a message really is (by `onward mark`, or by a keyword or a
move in a mail client), applied to the history the same way whatever their origin, and read
back for `train --with-corrections`."""

from __future__ import annotations

import sqlite3

from onward.store.base import now
from onward.store.events import EventQueries
from onward.vocab import Category, DraftStatus, Verdict


class CorrectionQueries(EventQueries):
    def apply_correction(self, row: sqlite3.Row, label: str, origin: str) -> None:
        """Record that the message of `row` (a `messages` row) is `label` (a category, or
        not_rejection) and make the history follow: its category and verdict, and its rejection
        event made or dropped. Inside the caller's transaction."""
        message_id = row["message_id"]
        if label == Verdict.NOT_REJECTION:  # not a rejection, but job mail of some kind: the closest category
            category = Category.OTHER_JOB if row["category"] == Category.REJECTION else row["category"]
        else:
            category = label
        verdict = Verdict.REJECTION if label == Category.REJECTION else Verdict.NOT_REJECTION
        self._db.execute("INSERT INTO corrections (account, message_id, label, origin, created_at) "
                         "VALUES (?, ?, ?, ?, ?)",
                         (row["account"], message_id, label, origin, now()))
        self._db.execute("UPDATE messages SET category = ?, verdict = ? WHERE id = ?", (category, verdict, row["id"]))
        if verdict == Verdict.REJECTION:
            self.record_rejection(row["id"], {"company": row["company"], "role": row["role"],
                                              "received_at": row["received_at"],
                                              "draft_status": DraftStatus.NOT_DRAFTED})
        else:
            self._db.execute("DELETE FROM rejection_events WHERE message = ?", (row["id"],))

    def corrected_messages(self) -> list[sqlite3.Row]:
        """Every message that has a correction, as recorded now: account, folder, Message-ID, category."""
        return self._db.execute(
            """SELECT m.account, m.folder, m.message_id, m.category FROM messages m
               WHERE EXISTS (SELECT 1 FROM corrections c WHERE c.message_id = m.message_id)""").fetchall()
