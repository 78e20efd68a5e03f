"""Every message seen: recording it once, finding it again (by Message-ID, by the short id
`history` shows, by batch), the employer's earlier mail a rejection is linked to, and forgetting."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

from onward.store.base import Queries, chunks, db_value, now
from onward.vocab import Category


class MessageQueries(Queries):
    def message_row(self, account: str, message_id: str) -> sqlite3.Row | None:
        return self._db.execute("SELECT * FROM messages WHERE account = ? AND message_id = ?",
                                (account, message_id)).fetchone()

    def message_rows(self, account: str, message_ids: Sequence[str]) -> dict[str, sqlite3.Row]:
        """The recorded rows among these Message-IDs, in one query for a whole batch."""
        rows: dict[str, sqlite3.Row] = {}
        for chunk in chunks(message_ids):
            for row in self._db.execute(f"SELECT * FROM messages WHERE account = ? AND message_id IN "
                                        f"({', '.join('?' for _ in chunk)})", (account, *chunk)):
                rows[row["message_id"]] = row
        return rows

    def find_messages(self, key: int | str, account: str | None = None) -> list[sqlite3.Row]:
        """The recorded messages with this row id (an int) or Message-ID (a str), in one account or in all."""
        column = "id" if isinstance(key, int) else "message_id"
        sql, params = f"SELECT * FROM messages WHERE {column} = ?", [key]
        if account:
            sql += " AND account = ?"
            params.append(account)
        return self._db.execute(sql, params).fetchall()

    def record_message(self, account: str, folder: str, values: dict[str, Any]) -> tuple[int, bool]:
        """Insert a message once; a second sighting (rerun, resync) only refreshes its location.
        Returns (row id, whether it was new)."""
        existing = self.message_row(account, values["message_id"])
        if existing is not None:
            self._db.execute("UPDATE messages SET folder = ?, uid = ? WHERE id = ?",
                             (folder, values.get("uid"), existing["id"]))
            return existing["id"], False
        return self.insert_message(account, folder, values), True

    def insert_message(self, account: str, folder: str, values: dict[str, Any]) -> int:
        """Insert a message the caller knows is not recorded yet."""
        columns = ["account", "folder", "seen_at", *values]
        row = [account, folder, now(), *(db_value(v) for v in values.values())]
        cursor = self._db.execute(
            f"INSERT INTO messages ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})", row
        )
        return int(cursor.lastrowid or 0)

    def earlier_job_messages(self, account: str, company: str, before: str | None) -> list[sqlite3.Row]:
        """Acknowledgements and interviews from the same company before a date, newest first."""
        rows = self._db.execute(
            """SELECT id, category, received_at FROM messages WHERE account = ? AND lower(company) = lower(?)
               AND category IN (?, ?) AND (? IS NULL OR julianday(received_at) < julianday(?))
               ORDER BY julianday(received_at) DESC""",  # dates keep their UTC offsets: compare instants
            (account, company, Category.APPLICATION_ACK, Category.INTERVIEW, before, before)).fetchall()
        return list(rows)

    def earlier_senders(self, account: str, company: str | None, rejection_from: str,
                        before: str | None, names: Sequence[str] = ()) -> list[sqlite3.Row]:
        """Job mail received before a date from the employer: with the same company, or from its
        domain (the rejection's sender's, or one spelling the company's name). Newest first.
        `names`: the compact spellings of the company a domain may use (drafts.vetting.firm_keys);
        this only narrows what find_person then judges, so it may let through more than it keeps.
        Dates keep the sender's UTC offset, so they are compared as instants (julianday), not as
        text: a recruiter's 14:31-07:00 came after an ATS's 18:05+00:00."""
        key = "".join(c for c in (company or "").lower() if c.isalnum())
        domain = rejection_from.rpartition("@")[2].lower()
        spellings = sorted({n.lower() for n in names if len(n) >= 4} | ({key} if len(key) >= 3 else set()))
        # a hyphen in a domain is not in the name it spells ("bergmann-werke." for Bergmann Werke)
        address, like_address = "replace(lower(from_addr), '-', '')", "lower(from_addr) LIKE ?"
        patterns = [f"%@{domain}"] if domain else []
        clauses = [like_address] if domain else []
        for name in spellings:
            patterns += [f"%@{name}.%", f"%.{name}.%", f"%{name}%"]
            clauses += [f"{address} LIKE ?", f"{address} LIKE ?", "replace(lower(company), ' ', '') LIKE ?"]
        if not company and not patterns:
            return []
        like = " OR ".join(clauses) or "0"
        return self._db.execute(
            f"""SELECT from_addr, from_name, received_at, subject, company FROM messages
                WHERE account = ? AND category IS NOT NULL AND category != ?
                AND (? IS NULL OR julianday(received_at) < julianday(?)) AND (lower(company) = lower(?) OR {like})
                ORDER BY julianday(received_at) DESC LIMIT 50""",  # noqa: S608 - only placeholders are formatted in
            (account, Category.NOT_JOB, before, before, company, *patterns)).fetchall()

    def forget(self, company: str | None, message_id: str | None) -> int:
        """Delete every row about the messages of a company (by the message's company or its
        rejection's), or about one Message-ID, in every account; the mail itself is not touched.
        Inside the caller's transaction. Returns how many Message-IDs were forgotten."""
        if company:
            ids = [r[0] for r in self._db.execute(
                "SELECT message_id FROM messages WHERE lower(company) = lower(?) UNION "
                "SELECT m.message_id FROM rejection_events e JOIN messages m ON m.id = e.message "
                "WHERE lower(e.company) = lower(?)", (company, company))]
        else:
            ids = [r[0] for r in self._db.execute("SELECT message_id FROM messages WHERE message_id = ?",
                                                  (message_id,))]
        for mid in ids:
            self._db.execute("DELETE FROM messages WHERE message_id = ?", (mid,))  # events cascade
            self._db.execute("DELETE FROM actions WHERE message_id = ?", (mid,))
            self._db.execute("DELETE FROM corrections WHERE message_id = ?", (mid,))
            self._db.execute("DELETE FROM failures WHERE message_id = ?", (mid,))
        return len(ids)
