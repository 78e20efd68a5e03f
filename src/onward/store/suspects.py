"""Messages whose FETCH killed the connection: suspected of being unsendable, kept across
connections until they are fetched or written off (see `sync/scan.py`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from onward.store.base import Queries, now


@dataclass(frozen=True)
class Suspect:
    deaths: int  # connections that died while this message was fetched alone
    error_class: str | None
    error: str | None  # the last death's error


class SuspectQueries(Queries):
    def fetch_suspects(self, account: str, folder: str, uidvalidity: int) -> dict[int, Suspect]:
        """The suspects of a folder, by UID."""
        return {r["uid"]: Suspect(r["deaths"], r["error_class"], r["error"]) for r in self._db.execute(
            "SELECT uid, deaths, error_class, error FROM fetch_suspects "
            "WHERE account = ? AND folder = ? AND uidvalidity = ?", (account, folder, uidvalidity))}

    def suspect_fetch(self, account: str, folder: str, uidvalidity: int, uids: Sequence[int]) -> None:
        """The UIDs of a batch whose FETCH died: one of them may be at fault (deaths counted so far stay)."""
        stamp = now()
        self._db.executemany(
            "INSERT OR IGNORE INTO fetch_suspects (account, folder, uidvalidity, uid, updated_at) "
            "VALUES (?, ?, ?, ?, ?)", [(account, folder, uidvalidity, uid, stamp) for uid in uids])

    def count_fetch_death(self, account: str, folder: str, uidvalidity: int, uid: int, error_class: str,
                          error: str) -> int:
        """One more connection that died fetching this UID alone; the deaths so far."""
        key = (account, folder, uidvalidity, uid)
        # no RETURNING: SQLite before 3.35 (still in some distributions) lacks it
        self._db.execute(
            """INSERT INTO fetch_suspects (account, folder, uidvalidity, uid, deaths, error_class, error, updated_at)
               VALUES (?, ?, ?, ?, 1, ?, ?, ?)
               ON CONFLICT (account, folder, uidvalidity, uid) DO UPDATE SET deaths = deaths + 1,
               error_class = excluded.error_class, error = excluded.error, updated_at = excluded.updated_at""",
            (*key, error_class, error[:500], now()))
        return int(self._db.execute("SELECT deaths FROM fetch_suspects WHERE account = ? AND folder = ? "
                                    "AND uidvalidity = ? AND uid = ?", key).fetchone()[0])

    def clear_fetch_suspects(self, account: str, folder: str, uidvalidity: int, through_uid: int) -> None:
        """Nothing is suspect up to `through_uid` once the folder state has moved there (fetched, or
        written off), nor under an older UIDVALIDITY."""
        self._db.execute("DELETE FROM fetch_suspects WHERE account = ? AND folder = ? "
                         "AND (uidvalidity != ? OR uid <= ?)", (account, folder, uidvalidity, through_uid))
