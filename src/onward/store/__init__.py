"""The SQLite history: folder state, every message seen, rejection events, actions, corrections.

One file, WAL mode so `report` can read while `watch` writes, a busy timeout so two writers
wait instead of failing. Mail bodies are not stored (only an optional short excerpt).
"""

from __future__ import annotations

import contextlib
import json
import logging
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from onward.errors import OnwardError
from onward.private_files import create_private
from onward.store.migrations import MIGRATIONS

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 10_000


class StoreError(OnwardError):
    pass


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class FolderState:
    uidvalidity: int
    last_uid: int
    flags_modseq: int | None = None  # CONDSTORE: flag changes up to here have been looked at


def _create_database_file(path: Path) -> None:
    """An empty file of mode 0600 for SQLite to fill: it creates its -wal and -shm files with
    the database's mode, so what the history says about your mail stays yours alone."""
    with contextlib.suppress(FileExistsError):  # another onward process created it first
        create_private(path).close()


class Store:
    def __init__(self, path: Path | str, readonly: bool = False) -> None:
        self.path = Path(path)
        try:
            if readonly:
                uri = f"file:{self.path}?mode=ro"
                self.db = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
            else:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                if not self.path.exists():
                    _create_database_file(self.path)
                self.db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        except (sqlite3.Error, OSError) as exc:
            raise StoreError(f"{self.path}: cannot open database: {exc}") from None
        self.db.row_factory = sqlite3.Row
        self.db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        self.db.execute("PRAGMA foreign_keys = ON")
        if not readonly:
            try:
                self.db.execute("PRAGMA journal_mode = WAL")
                self.db.execute("PRAGMA synchronous = NORMAL")
            except sqlite3.DatabaseError as exc:
                raise StoreError(f"{self.path}: not an onward database ({exc})") from None
            self.migrate()
        else:
            self._check_not_newer()

    @classmethod
    def dry_run_copy(cls, path: Path | str) -> Store:
        """An in-memory copy of the database (or an empty one): a dry run uses the same code
        path as a real run and still writes nothing to disk."""
        store = cls.__new__(cls)
        store.path = Path(path)
        store.db = sqlite3.connect(":memory:", isolation_level=None)
        if store.path.exists():
            try:
                source = sqlite3.connect(f"file:{store.path}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
                source.backup(store.db)
                source.close()
            except sqlite3.Error as exc:
                raise StoreError(f"{store.path}: cannot read database: {exc}") from None
        store.db.row_factory = sqlite3.Row
        store.db.execute("PRAGMA foreign_keys = ON")
        store.migrate()
        return store

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        else:
            self.db.execute("COMMIT")

    @contextmanager
    def savepoint(self, name: str = "one") -> Iterator[sqlite3.Connection]:
        """A nested unit inside a transaction: a failure undoes this part only."""
        self.db.execute(f"SAVEPOINT {name}")
        try:
            yield self.db
        except BaseException:
            self.db.execute(f"ROLLBACK TO {name}")
            self.db.execute(f"RELEASE {name}")
            raise
        else:
            self.db.execute(f"RELEASE {name}")

    # -- schema -----------------------------------------------------------------------------
    def applied_migrations(self) -> list[str]:
        self.db.execute("CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
        return [r["name"] for r in self.db.execute("SELECT name FROM schema_migrations ORDER BY name")]

    def _check_not_newer(self) -> None:
        try:
            names = {r[0] for r in self.db.execute("SELECT name FROM schema_migrations")}
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: not an onward database ({exc})") from None
        unknown = names - {name for name, _ in MIGRATIONS}
        if unknown:
            raise StoreError(
                f"{self.path}: made by a newer onward (schema {max(unknown)}); upgrade onward to use it"
            )

    def migrate(self) -> list[str]:
        try:
            applied = set(self.applied_migrations())
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: not an onward database ({exc})") from None
        self._check_not_newer()
        done = []
        for name, sql in MIGRATIONS:
            if name in applied:
                continue
            with self.transaction() as db:
                # executescript would commit on its own; run statement by statement instead
                for statement in (s.strip() for s in sql.split(";")):
                    if statement:
                        db.execute(statement)
                db.execute("INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)", (name, now()))
            log.debug("database %s: applied migration %s", self.path, name)
            done.append(name)
        return done

    # -- folder state -----------------------------------------------------------------------
    def folder_state(self, account: str, folder: str) -> FolderState | None:
        row = self.db.execute("SELECT uidvalidity, last_uid, flags_modseq FROM folder_state WHERE account = ? AND folder = ?",
                              (account, folder)).fetchone()
        return FolderState(row["uidvalidity"], row["last_uid"], row["flags_modseq"]) if row else None

    def set_flags_modseq(self, account: str, folder: str, modseq: int) -> None:
        self.db.execute("UPDATE folder_state SET flags_modseq = ? WHERE account = ? AND folder = ?",
                        (modseq, account, folder))

    def set_folder_state(self, account: str, folder: str, uidvalidity: int, last_uid: int) -> None:
        self.db.execute(
            """INSERT INTO folder_state (account, folder, uidvalidity, last_uid, updated_at) VALUES (?, ?, ?, ?, ?)
               ON CONFLICT (account, folder) DO UPDATE SET uidvalidity = excluded.uidvalidity,
               last_uid = excluded.last_uid, updated_at = excluded.updated_at""",
            (account, folder, uidvalidity, last_uid, now()),
        )

    # -- messages -----------------------------------------------------------------------------
    def message_row(self, account: str, message_id: str) -> sqlite3.Row | None:
        return self.db.execute("SELECT * FROM messages WHERE account = ? AND message_id = ?",
                               (account, message_id)).fetchone()

    def message_rows(self, account: str, message_ids: Sequence[str]) -> dict[str, sqlite3.Row]:
        """The recorded rows among these Message-IDs, in one query for a whole batch."""
        rows: dict[str, sqlite3.Row] = {}
        for chunk in _chunks(message_ids):
            for row in self.db.execute(f"SELECT * FROM messages WHERE account = ? AND message_id IN "
                                       f"({', '.join('?' for _ in chunk)})", (account, *chunk)):
                rows[row["message_id"]] = row
        return rows

    def record_message(self, account: str, folder: str, values: dict[str, Any]) -> tuple[int, bool]:
        """Insert a message once; a second sighting (rerun, resync) only refreshes its location.
        Returns (row id, whether it was new)."""
        existing = self.message_row(account, values["message_id"])
        if existing is not None:
            self.db.execute("UPDATE messages SET folder = ?, uid = ? WHERE id = ?",
                            (folder, values.get("uid"), existing["id"]))
            return existing["id"], False
        return self.insert_message(account, folder, values), True

    def insert_message(self, account: str, folder: str, values: dict[str, Any]) -> int:
        """Insert a message the caller knows is not recorded yet."""
        columns = ["account", "folder", "seen_at", *values]
        row = [account, folder, now(), *(_db_value(v) for v in values.values())]
        cursor = self.db.execute(
            f"INSERT INTO messages ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})", row
        )
        return int(cursor.lastrowid or 0)

    def earlier_job_messages(self, account: str, company: str, before: str | None) -> list[sqlite3.Row]:
        """Acknowledgements and interviews from the same company before a date, newest first."""
        rows = self.db.execute(
            """SELECT id, category, received_at FROM messages WHERE account = ? AND lower(company) = lower(?)
               AND category IN ('application_ack', 'interview') AND (? IS NULL OR received_at < ?)
               ORDER BY received_at DESC""", (account, company, before, before)).fetchall()
        return list(rows)

    def earlier_senders(self, account: str, company: str | None, rejection_from: str,
                        before: str | None) -> list[sqlite3.Row]:
        """Job mail received before a date from the employer: with the same company, or from its
        domain (the rejection's sender's, or one spelling the company's name). Newest first."""
        key = "".join(c for c in (company or "").lower() if c.isalnum())
        domain = rejection_from.rpartition("@")[2].lower()
        patterns = [f"%@{domain}"] if domain else []
        if len(key) >= 3:
            patterns += [f"%@{key}.%", f"%.{key}.%"]
        if not company and not patterns:
            return []
        like = " OR ".join("lower(from_addr) LIKE ?" for _ in patterns) or "0"
        return self.db.execute(
            f"""SELECT from_addr, from_name, received_at, subject, company FROM messages
                WHERE account = ? AND category IS NOT NULL AND category != 'not_job'
                AND (? IS NULL OR received_at < ?) AND (lower(company) = lower(?) OR {like})
                ORDER BY received_at DESC LIMIT 50""",  # noqa: S608 - only placeholders are formatted in
            (account, before, before, company, *patterns)).fetchall()

    # -- rejection events -----------------------------------------------------------------------
    def record_rejection(self, message_row: int, values: dict[str, Any], new_message: bool = False) -> int:
        """Once per message; `new_message`: its row was inserted just now, so it has no event yet."""
        if not new_message:
            existing = self.db.execute("SELECT id FROM rejection_events WHERE message = ?", (message_row,)).fetchone()
            if existing:
                return int(existing["id"])
        columns = ["message", "created_at", *values]
        row = [message_row, now(), *(_db_value(v) for v in values.values())]
        cursor = self.db.execute(
            f"INSERT INTO rejection_events ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})", row
        )
        return int(cursor.lastrowid or 0)

    def set_draft_status(self, event_id: int, status: str, draft_message_id: str | None = None) -> None:
        self.db.execute("UPDATE rejection_events SET draft_status = ?, draft_message_id = COALESCE(?, draft_message_id) "
                        "WHERE id = ?", (status, draft_message_id, event_id))

    def rejection_for(self, message_row: int) -> sqlite3.Row | None:
        return self.db.execute("SELECT * FROM rejection_events WHERE message = ?", (message_row,)).fetchone()

    # -- actions ----------------------------------------------------------------------------------
    def action_done(self, account: str, message_id: str, action: str) -> bool:
        return self.db.execute("SELECT 1 FROM actions WHERE account = ? AND message_id = ? AND action = ?",
                               (account, message_id, action)).fetchone() is not None

    def actions_done(self, account: str, action: str, message_ids: Sequence[str]) -> set[str]:
        """Which of these messages have had `action`."""
        return self._listed_in("actions WHERE account = ? AND action = ?", (account, action), message_ids)

    def _listed_in(self, where: str, params: tuple[Any, ...], message_ids: Sequence[str]) -> set[str]:
        """The Message-IDs among `message_ids` that `SELECT message_id FROM {where}` finds."""
        found: set[str] = set()
        for chunk in _chunks(message_ids):
            found.update(row[0] for row in self.db.execute(
                f"SELECT message_id FROM {where} AND message_id IN ({', '.join('?' for _ in chunk)})",
                (*params, *chunk)))
        return found

    def record_actions(self, account: str, action: str, message_ids: Sequence[str]) -> None:
        done_at = now()
        self.db.executemany("INSERT OR IGNORE INTO actions (account, message_id, action, detail, done_at) "
                            "VALUES (?, ?, ?, NULL, ?)", [(account, m, action, done_at) for m in message_ids])

    def record_action(self, account: str, message_id: str, action: str, detail: str | None = None) -> None:
        self.db.execute("INSERT OR IGNORE INTO actions (account, message_id, action, detail, done_at) "
                        "VALUES (?, ?, ?, ?, ?)", (account, message_id, action, detail, now()))

    # -- failures ---------------------------------------------------------------------------------
    def record_failure(self, account: str, folder: str, uid: int | None, message_id: str, step: str,
                       error_class: str, error: str) -> bool:
        """Once per message and step; False when it was recorded before."""
        cursor = self.db.execute(
            "INSERT OR IGNORE INTO failures (account, message_id, folder, uid, step, error_class, error, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", (account, message_id, folder, uid, step, error_class, error[:500], now()))
        return cursor.rowcount > 0

    def failed(self, account: str, step: str, message_ids: Sequence[str]) -> set[str]:
        """Which of these messages failed at `step` before."""
        return self._listed_in("failures WHERE account = ? AND step = ?", (account, step), message_ids)


    # -- account status ---------------------------------------------------------------------------
    def note_scan(self, account: str) -> None:
        self.db.execute("INSERT INTO account_status (account, last_scan_at) VALUES (?, ?) ON CONFLICT (account) "
                        "DO UPDATE SET last_scan_at = excluded.last_scan_at", (account, now()))

    def note_error(self, account: str, error: str) -> None:
        self.db.execute("INSERT INTO account_status (account, last_error, last_error_at) VALUES (?, ?, ?) "
                        "ON CONFLICT (account) DO UPDATE SET last_error = excluded.last_error, "
                        "last_error_at = excluded.last_error_at", (account, error, now()))


def _chunks(values: Sequence[str], size: int = 500) -> Iterator[list[str]]:
    """Distinct values in lists short enough for one IN (...): SQLite caps the number of parameters."""
    unique = list(dict.fromkeys(values))
    for start in range(0, len(unique), size):
        yield unique[start:start + size]


def _db_value(value: Any) -> Any:
    if isinstance(value, (list, tuple, dict)):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, datetime):
        return value.isoformat()
    return value
