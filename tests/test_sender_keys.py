"""The earlier senders a draft may be addressed to are found by index (the parts of each address,
`sender_keys`) rather than by a LIKE over every address: the rows found, and their order, must be
those the LIKE query gives."""

from __future__ import annotations

import random
import sqlite3

from onward.facts.text import compact
from onward.store import Store
from onward.store.migrations import MIGRATIONS
from onward.vocab import Category

# the query without the index: every row of the account asked the same conditions (ties of one
# instant in the order the index query gives them)
FULL_QUERY = """SELECT from_addr, from_name, received_at, subject, company FROM messages
    WHERE account = ? AND category IS NOT NULL AND category != ?
    AND (? IS NULL OR julianday(received_at) < julianday(?))
    AND (lower(company) = lower(?) OR {by_company} OR {like})
    ORDER BY julianday(received_at) DESC, lower(company), id LIMIT 50"""

COMPANIES = ["Acme", "acme", "ACME Inc", "Acme Freight", "Zeta", "Ünïcode GmbH", "a_b", "50%", None, ""]
DOMAINS = ["acme.com", "ACME.com", "mail.acme.io", "acme", "gmail.com", "x.acme.co.uk", "zeta.org", "a_b.com",
           "aXb.com", "50%.net", "ünïcode.de", "ÜNÏCODE.de", "acme.com.evil", "sub.zeta.org", "acme-freight.com"]
LOCALS = ["dana", "Dana.Ruiz", "jobs", "first.acme.x", "no-reply", "a@b", ""]
NAMES = [(), ("acme",), ("acmefreight", "acme"), ("zeta",), ("unicode",)]


def _address(rnd: random.Random) -> str | None:
    if rnd.random() < 0.05:
        return None
    return f"{rnd.choice(LOCALS)}@{rnd.choice(DOMAINS)}" if rnd.random() < 0.95 else rnd.choice(DOMAINS)


def _company_starts(company: str | None, spelling: str) -> bool:
    words = [compact(w) for w in (company or "").split()[:8]]
    words = [w for w in words if w]
    return any("".join(words[:n]) == spelling for n in range(1, len(words) + 1))


def _like_query(store: Store, account: str, company: str | None, rejection_from: str,
                before: str | None, names: tuple[str, ...] = ()) -> list[tuple]:
    key = "".join(c for c in (company or "").lower() if c.isalnum())
    domain = rejection_from.rpartition("@")[2].lower()
    spellings = sorted({n.lower() for n in names if len(n) >= 4} | ({key} if len(key) >= 3 else set()))
    if not company and not domain and not spellings:
        return []
    clauses, patterns = (["lower(from_addr) LIKE ?"], [f"%@{domain}"]) if domain else ([], [])
    for name in spellings:
        clauses += ["replace(lower(from_addr), '-', '') LIKE ?"] * 2
        patterns += [f"%@{name}.%", f"%.{name}.%"]
    # the company's leading words, read from the row itself and not from the sender_keys table under test
    store._db.create_function("company_starts", 2, _company_starts, deterministic=True)
    by_company = " OR ".join(["company_starts(company, ?)"] * len(spellings)) or "0"
    sql = FULL_QUERY.format(by_company=by_company, like=" OR ".join(clauses) or "0")
    return [tuple(r) for r in store._db.execute(sql, (account, Category.NOT_JOB, before, before, company,
                                                      *spellings, *patterns))]


def _fill(store: Store, rnd: random.Random, count: int) -> None:
    with store.transaction():
        for i in range(count):
            store.insert_message(rnd.choice(["a", "b"]), "INBOX", {
                "message_id": f"<{i}@x>", "from_addr": _address(rnd), "from_name": f"N{i}",
                "company": rnd.choice(COMPANIES), "status": "classified",
                "category": rnd.choice([Category.REJECTION, Category.NOT_JOB, Category.INTERVIEW, None]),
                "received_at": f"2025-01-0{rnd.randint(1, 4)}"})


def test_earlier_senders_finds_what_the_query_without_the_index_finds_in_its_order(tmp_path):
    for trial in range(40):
        rnd = random.Random(trial)
        with Store(tmp_path / f"{trial}.db") as store:
            _fill(store, rnd, rnd.randint(1, 300))
            for _ in range(40):
                args = (rnd.choice(["a", "b"]), rnd.choice(COMPANIES), _address(rnd) or "",
                        rnd.choice([None, "2025-01-02", "2025-01-04", "2025-01-09"]), rnd.choice(NAMES))
                assert [tuple(r) for r in store.earlier_senders(*args)] == _like_query(store, *args), args


def test_the_migration_indexes_the_addresses_already_recorded(tmp_path):
    path = tmp_path / "old.db"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
    for name, sql in MIGRATIONS[:-1]:
        db.executescript(sql)
        db.execute("INSERT INTO schema_migrations VALUES (?, 'then')", (name,))
    rnd = random.Random(7)
    for i in range(200):
        db.execute("INSERT INTO messages (account, folder, message_id, from_addr, company, category, received_at, "
                   "status, seen_at) VALUES ('a', 'INBOX', ?, ?, ?, ?, '2025-01-01', 'classified', 'then')",
                   (f"<{i}@x>", _address(rnd), rnd.choice(COMPANIES), Category.INTERVIEW))
    db.commit()
    db.close()
    with Store(path) as store:
        assert store.applied_migrations() == [name for name, _ in MIGRATIONS]
        for _ in range(100):
            args = ("a", rnd.choice(COMPANIES), _address(rnd) or "", None)
            assert [tuple(r) for r in store.earlier_senders(*args)] == _like_query(store, *args), args
        assert store.earlier_senders("a", None, "x@acme.com", None)  # the index is not simply empty


def test_forgetting_a_message_forgets_its_keys(tmp_path):
    with Store(tmp_path / "h.db") as store:
        with store.transaction():
            store.insert_message("a", "INBOX", {"message_id": "<1@x>", "from_addr": "dana@acme.com",
                                                "company": "Acme", "status": "classified"})
            store.forget(None, "<1@x>")
        assert store._db.execute("SELECT COUNT(*) FROM sender_keys").fetchone()[0] == 0
