"""Connections cut in the middle of a FETCH, and a slow server: onward reconnects, catches up,
misses nothing and duplicates nothing."""

from __future__ import annotations

import os
import sqlite3
import threading

from helpers import PATIENCE, REJECTION, message, wait_for, write_config
from onward.classifier.model import load_model
from onward.config import load_config
from onward.sync.watch import AccountWatcher
from tcp_proxy import FaultyProxy

PADDING = "This paragraph pads the message so that fetching it takes many packets. " * 300


def seed(dovecot, account, count=30):
    raws = []
    for i in range(count):
        if i % 5 == 0:
            raws.append(REJECTION.replace(b"<rej-1@kestrelbank.example>", f"<fault-rej-{i}@x.example>".encode()))
        else:
            raws.append(message(f"Newsletter {i}", f"Issue {i}.\n\n{PADDING}", sender="news@letters.example",
                                message_id=f"<fault-{i}@x.example>"))
    with dovecot.client(account) as client:
        client.multiappend("INBOX", raws)


def counts(db):
    with sqlite3.connect(db) as conn:
        return (conn.execute("SELECT count(*), count(DISTINCT message_id) FROM messages").fetchone(),
                conn.execute("SELECT count(*) FROM rejection_events").fetchone()[0])


def recorded(db) -> int:
    """Messages recorded so far; none while the watcher has not yet made the database."""
    try:
        return counts(db)[0][0] if db.exists() else 0
    except sqlite3.Error:
        return 0


def watch_through(tmp_path, monkeypatch, dovecot, account, proxy, expect_messages):
    monkeypatch.setenv("ONWARD_TEST_PASSWORD_MAIN", account.password)
    path = write_config(tmp_path / "c.toml", {"main": account}, tls="none", database=tmp_path / "db",
                        account_extra="poll_interval = 2")
    path.write_text(path.read_text().replace(f"port = {account.port}", f"port = {proxy.port}"))
    config = load_config(path, env=dict(os.environ))
    stop = threading.Event()
    watcher = AccountWatcher(config, load_model(), config.account("main"), stop, backoff=lambda: (lambda: 0.2))
    watcher.start()
    try:
        wait_for(lambda: recorded(tmp_path / "db") >= expect_messages)
    finally:
        stop.set()
        watcher.join(PATIENCE)
    return watcher, counts(tmp_path / "db")


def test_connection_cut_mid_fetch(tmp_path, monkeypatch, dovecot, imap_account):
    seed(dovecot, imap_account)
    proxy = FaultyProxy(dovecot.port, cut_after=[120_000, 250_000, 60_000])
    try:
        watcher, ((total, distinct), events) = watch_through(tmp_path, monkeypatch, dovecot, imap_account, proxy, 30)
    finally:
        proxy.close()
    assert proxy.cuts >= 2 and watcher.failures >= 2  # the cuts really hit, mid-transfer
    assert total == distinct == 30
    assert events == 6
    with dovecot.client(imap_account) as client:
        client.select_folder("INBOX", readonly=True)
        assert len(client.search(["KEYWORD", "$Rejection"])) == 6
        client.select_folder("Drafts", readonly=True)
        assert len(client.search("ALL")) == 6


def test_slow_server(tmp_path, monkeypatch, dovecot, imap_account):
    seed(dovecot, imap_account, count=10)
    proxy = FaultyProxy(dovecot.port, delay=0.01)
    try:
        watcher, ((total, distinct), events) = watch_through(tmp_path, monkeypatch, dovecot, imap_account, proxy, 10)
    finally:
        proxy.close()
    assert total == distinct == 10 and events == 2
