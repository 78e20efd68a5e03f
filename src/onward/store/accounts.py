"""Per account and folder: how far each folder has been read (UIDVALIDITY, last UID, MODSEQ) and
what `onward status` shows of an account (its last scan, its last error, its counts)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from onward.store.base import Queries, now
from onward.vocab import DraftStatus


@dataclass(frozen=True)
class FolderState:
    uidvalidity: int
    last_uid: int
    flags_modseq: int | None = None  # CONDSTORE: flag changes up to here have been looked at


class AccountQueries(Queries):
    # -- folder state -----------------------------------------------------------------------
    def folder_state(self, account: str, folder: str) -> FolderState | None:
        row = self._db.execute("SELECT uidvalidity, last_uid, flags_modseq FROM folder_state "
                               "WHERE account = ? AND folder = ?",
                               (account, folder)).fetchone()
        return FolderState(row["uidvalidity"], row["last_uid"], row["flags_modseq"]) if row else None

    def set_flags_modseq(self, account: str, folder: str, modseq: int) -> None:
        self._db.execute("UPDATE folder_state SET flags_modseq = ? WHERE account = ? AND folder = ?",
                         (modseq, account, folder))

    def set_folder_state(self, account: str, folder: str, uidvalidity: int, last_uid: int) -> None:
        self._db.execute(
            """INSERT INTO folder_state (account, folder, uidvalidity, last_uid, updated_at) VALUES (?, ?, ?, ?, ?)
               ON CONFLICT (account, folder) DO UPDATE SET uidvalidity = excluded.uidvalidity,
               last_uid = excluded.last_uid, updated_at = excluded.updated_at""",
            (account, folder, uidvalidity, last_uid, now()),
        )

    # -- account status ---------------------------------------------------------------------------
    def note_scan(self, account: str) -> None:
        self._db.execute("INSERT INTO account_status (account, last_scan_at) VALUES (?, ?) ON CONFLICT (account) "
                         "DO UPDATE SET last_scan_at = excluded.last_scan_at", (account, now()))

    def note_error(self, account: str, error: str) -> None:
        self._db.execute("INSERT INTO account_status (account, last_error, last_error_at) VALUES (?, ?, ?) "
                         "ON CONFLICT (account) DO UPDATE SET last_error = excluded.last_error, "
                         "last_error_at = excluded.last_error_at", (account, error, now()))

    def account_notes(self) -> dict[str, dict[str, Any]]:
        """Each account's last scan and last error, by account."""
        return {r["account"]: dict(r) for r in self._db.execute("SELECT * FROM account_status")}

    def account_counts(self) -> dict[str, dict[str, Any]]:
        """Per account that has mail recorded: mail seen, rejections, drafts waiting to be sent and
        when a folder of it was last read."""
        return {r["account"]: dict(r) for r in self._db.execute(
            """SELECT m.account, count(*) AS mail_seen, count(e.id) AS rejections,
                      sum(e.draft_status IN (?, ?)) AS drafts_pending, max(f.updated_at) AS folder_updated
               FROM messages m LEFT JOIN rejection_events e ON e.message = m.id
               LEFT JOIN (SELECT account, max(updated_at) AS updated_at FROM folder_state GROUP BY account) f
                   ON f.account = m.account
               GROUP BY m.account""", (DraftStatus.DRAFTED, DraftStatus.DRAFTED_NO_RECIPIENT))}
