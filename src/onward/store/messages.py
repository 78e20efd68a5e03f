"""Every message seen: recording it once, finding it again (by Message-ID, by the short id
`history` shows, by batch), the employer's earlier mail a rejection is linked to, and forgetting."""

from __future__ import annotations

import json
import re
import sqlite3
import string
from collections.abc import Sequence
from typing import Any

from onward.facts.text import compact
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
        row_id = int(cursor.lastrowid or 0)
        if keys := sender_keys(values.get("from_addr"), values.get("company")):
            self._db.executemany("INSERT OR IGNORE INTO sender_keys (key, message) VALUES (?, ?)",
                                 [(key, row_id) for key in keys])
        return row_id

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
        """Job mail received before a date from the employer, newest first (of one instant, by
        company and then as recorded): with the same company or one that begins with a spelling of
        it, or from its domain (the rejection's sender's, or one spelling the company's name).
        `names`: the compact spellings of the company a domain may use (drafts.vetting.firm_keys);
        they only narrow what find_person then judges, so they may let through more than it keeps.
        Dates keep the sender's UTC offset, so they are compared as instants (julianday), not as
        text: a recruiter's 14:31-07:00 came after an ATS's 18:05+00:00."""
        key = "".join(c for c in (company or "").lower() if c.isalnum())
        domain = rejection_from.rpartition("@")[2].lower()
        spellings = sorted({n.lower() for n in names if len(n) >= 4} | ({key} if len(key) >= 3 else set()))
        if not company and not domain and not spellings:
            return []
        # a hyphen in a domain is not in the name it spells ("bergmann-werke." for Bergmann Werke)
        address = "replace(lower(from_addr), '-', '')"
        clauses, patterns = (["lower(from_addr) LIKE ?"], [f"%@{domain}"]) if domain else ([], [])
        for name in spellings:
            clauses += [f"{address} LIKE ?", f"{address} LIKE ?"]
            patterns += [f"%@{name}.%", f"%.{name}.%"]
        keys = ([f"d:{domain}"] if domain else []) + [f"k:{n}" for n in spellings]
        company_keys = [f"c:{n}" for n in spellings]
        # a company recorded under a longer name ("Halvorsen Freight" for a Workday sender's "Halvorsen")
        by_company = (f"EXISTS (SELECT 1 FROM sender_keys s WHERE s.message = messages.id AND s.key IN "
                      f"({', '.join('?' * len(company_keys))}))") if company_keys else "0"
        like = " OR ".join(clauses) or "0"
        # The rows that can match, found by index: those of the company and those whose address or
        # company has the parts asked for (see `sender_keys`), read by rowid (NOT INDEXED: not every
        # row of the account by an index, each then asked whether it is one); the conditions below
        # then decide. A domain with a LIKE wildcard in it (hostile mail) has every row read.
        source, candidates = "messages", ""
        candidate_params: tuple[str | None, ...] = ()
        if not _LIKE_WILDCARD.search(domain):
            source = "messages NOT INDEXED"
            found_by = keys + company_keys
            candidates = ("id IN (SELECT id FROM messages WHERE account = ? AND lower(company) = lower(?) UNION "
                          f"SELECT message FROM sender_keys WHERE key IN ({', '.join('?' * len(found_by)) or 'NULL'})) "
                          "AND")
            candidate_params = (account, company, *found_by)
        return self._db.execute(
            f"""SELECT from_addr, from_name, received_at, subject, company FROM {source}
                WHERE {candidates} account = ? AND category IS NOT NULL AND category != ?
                AND (? IS NULL OR julianday(received_at) < julianday(?))
                AND (lower(company) = lower(?) OR {by_company} OR {like})
                ORDER BY julianday(received_at) DESC, lower(company), id LIMIT 50""",  # noqa: S608 - placeholders
            (*candidate_params, account, Category.NOT_JOB, before, before, company, *company_keys,
             *patterns)).fetchall()

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


_LIKE_WILDCARD = re.compile(r"[%_]")
# SQLite's lower() (without ICU) lowers ASCII letters only: keys are made the same way, so that a
# key is found exactly where `lower(from_addr) LIKE` finds the address
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
_ADDRESS_PARTS = re.compile(r"(?<=[@.])[^@.]{3,}(?=\.)")


def sender_keys(address: str | None, company: str | None = None) -> list[str]:
    """What `earlier_senders` finds a message by: "d:" and the domain of its sender's address (what
    follows the last "@"), for `LIKE '%@domain'`; "k:" and each part of three or more characters
    between an "@" or a "." and a ".", with and without its hyphens, for `LIKE '%@key.%'` and
    `LIKE '%.key.%'`; and "c:" and the compact form of each leading run of its company's words
    ("Halvorsen Freight AS": halvorsen, halvorsenfreight, halvorsenfreightas)."""
    keys: list[str] = []
    if address:
        lowered = address.translate(_ASCII_LOWER)
        keys += [f"d:{lowered.rpartition('@')[2]}"] if "@" in lowered else []
        parts = _ADDRESS_PARTS.findall(lowered) + _ADDRESS_PARTS.findall(lowered.replace("-", ""))
        keys += [f"k:{part}" for part in parts]
    words = [w for w in (compact(w) for w in (company or "").split()[:8]) if w]
    keys += [f"c:{''.join(words[:n])}" for n in range(1, len(words) + 1)]
    return list(dict.fromkeys(keys))


def sender_keys_json(address: str | None, company: str | None = None) -> str:
    """`sender_keys` as SQL reads it (json_each), for the migration that fills the table."""
    return json.dumps(sender_keys(address, company))
