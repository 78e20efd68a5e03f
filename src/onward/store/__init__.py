"""The SQLite history: folder state, every message seen, rejection events, actions, corrections.

One file, WAL mode so `report` can read while `watch` writes, a busy timeout so two writers
wait instead of failing. Mail bodies are not stored (only an optional short excerpt).

This module opens the connection, runs the migrations and scopes transactions; the queries live
in the modules beside it, one mixin each, and `Store` is all of them. No SQL runs outside this
package.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from onward.errors import OnwardError
from onward.private_files import create_private
from onward.store.accounts import AccountQueries
from onward.store.actions import ActionQueries
from onward.store.base import now
from onward.store.corrections import CorrectionQueries
from onward.store.messages import MessageQueries, sender_keys_json
from onward.store.migrations import MIGRATIONS
from onward.store.suspects import SuspectQueries

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 10_000


class StoreError(OnwardError):
    pass


def _create_database_file(path: Path) -> None:
    """An empty file of mode 0600 for SQLite to fill: it creates its -wal and -shm files with
    the database's mode, so what the history says about your mail stays yours alone."""
    with contextlib.suppress(FileExistsError):  # another onward process created it first
        create_private(path).close()


def _add_functions(db: sqlite3.Connection) -> None:
    """The functions of ours that migrations call."""
    db.create_function("onward_sender_keys", 2, sender_keys_json, deterministic=True)


class Store(AccountQueries, MessageQueries, CorrectionQueries, ActionQueries, SuspectQueries):
    def __init__(self, path: Path | str, readonly: bool = False) -> None:
        self.path = Path(path)
        try:
            if readonly:
                uri = f"file:{self.path}?mode=ro"
                self._db = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
            else:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                if not self.path.exists():
                    _create_database_file(self.path)
                self._db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        except (sqlite3.Error, OSError) as exc:
            raise StoreError(f"{self.path}: cannot open database: {exc}") from None
        self._db.row_factory = sqlite3.Row
        _add_functions(self._db)
        self._db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        self._db.execute("PRAGMA foreign_keys = ON")
        if not readonly:
            try:
                self._db.execute("PRAGMA journal_mode = WAL")
                self._db.execute("PRAGMA synchronous = NORMAL")
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
        store._db = sqlite3.connect(":memory:", isolation_level=None)
        if store.path.exists():
            try:
                source = sqlite3.connect(f"file:{store.path}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
                source.backup(store._db)
                source.close()
            except sqlite3.Error as exc:
                raise StoreError(f"{store.path}: cannot read database: {exc}") from None
        store._db.row_factory = sqlite3.Row
        _add_functions(store._db)
        store._db.execute("PRAGMA foreign_keys = ON")
        store.migrate()
        return store

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        else:
            self._db.execute("COMMIT")

    @contextmanager
    def savepoint(self, name: str = "one") -> Iterator[None]:
        """A nested unit inside a transaction: a failure undoes this part only."""
        self._db.execute(f"SAVEPOINT {name}")
        try:
            yield
        except BaseException:
            self._db.execute(f"ROLLBACK TO {name}")
            self._db.execute(f"RELEASE {name}")
            raise
        else:
            self._db.execute(f"RELEASE {name}")

    # -- schema -----------------------------------------------------------------------------
    def applied_migrations(self) -> list[str]:
        self._db.execute("CREATE TABLE IF NOT EXISTS schema_migrations "
                         "(name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
        return [r["name"] for r in self._db.execute("SELECT name FROM schema_migrations ORDER BY name")]

    def _check_not_newer(self) -> None:
        try:
            names = {r[0] for r in self._db.execute("SELECT name FROM schema_migrations")}
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
            with self.transaction():
                # executescript would commit on its own; run statement by statement instead
                for statement in (s.strip() for s in sql.split(";")):
                    if statement:
                        self._db.execute(statement)
                self._db.execute("INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)", (name, now()))
            log.debug("database %s: applied migration %s", self.path, name)
            done.append(name)
        return done

    def export(self) -> dict[str, Any]:
        """Every table, row by row."""
        tables = ("folder_state", "messages", "rejection_events", "actions", "corrections", "failures",
                  "schema_migrations")
        return {table: [dict(r) for r in self._db.execute(f"SELECT * FROM {table}")] for table in tables}  # noqa: S608
