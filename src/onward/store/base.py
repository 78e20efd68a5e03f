"""What the store's query modules share: the connection they run on, the clock rows are stamped
with, IN lists cut to SQLite's parameter limit, and how Python values are written to a column.

Each query module (`accounts`, `messages`, `events`, `corrections`, `actions`) is a mixin of
`Queries`; `Store` (in `store/__init__.py`) is all of them on one connection.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

T = TypeVar("T")


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Queries:
    """The base of the query mixins: the connection `Store` opens."""

    _db: sqlite3.Connection

    def _listed_in(self, where: str, params: tuple[Any, ...], message_ids: Sequence[str]) -> set[str]:
        """The Message-IDs among `message_ids` that `SELECT message_id FROM {where}` finds."""
        found: set[str] = set()
        for chunk in chunks(message_ids):
            found.update(row[0] for row in self._db.execute(
                f"SELECT message_id FROM {where} AND message_id IN ({', '.join('?' for _ in chunk)})",
                (*params, *chunk)))
        return found


def chunks(values: Sequence[T], size: int = 500) -> Iterator[list[T]]:
    """Distinct values in lists short enough for one IN (...): SQLite caps the number of parameters."""
    unique = list(dict.fromkeys(values))
    for start in range(0, len(unique), size):
        yield unique[start:start + size]


def db_value(value: Any) -> Any:
    if isinstance(value, (list, tuple, dict)):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, datetime):
        return value.isoformat()
    return value
