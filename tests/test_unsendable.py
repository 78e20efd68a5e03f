"""A message the server cannot send (its file damaged on the server's disk) drops the connection
at every FETCH of it (issue #13, last hole). Dovecot itself fails here: the test cuts the stored
file in half. The folder must not stall: the message is written off after MAX_FETCH_DEATHS lone
tries, recorded once as failed at "fetch", and every other message is read, once."""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading

import pytest
from click.testing import CliRunner

from helpers import ACK, PATIENCE, PERSONAL, REJECTION, mailbox_counts, message, wait_for, write_config
from onward.classifier.model import load_model
from onward.cli import cli
from onward.config import load_config
from onward.sync.scan import plan_batches
from onward.sync.suspects import MAX_FETCH_DEATHS
from onward.sync.watch import AccountWatcher

POISON_UID = 3


def rejection(message_id: str) -> bytes:
    return REJECTION.replace(b"<rej-1@kestrelbank.example>", message_id.encode())


def seed(dovecot, account) -> None:
    """Two messages before the damaged one and two after it (a rejection among them), in one batch."""
    with dovecot.client(account) as client:
        client.multiappend("INBOX", [ACK, message("Weekly digest", "Issue 1.", sender="news@letters.example",
                                                  message_id="<digest-1@x>"),
                                     message("Weekly digest", "Issue 2.", sender="news@letters.example",
                                             message_id="<poison@x>"),
                                     rejection("<after@x>"), PERSONAL])
    dovecot.damage_message(account, POISON_UID)


def rows(db, sql, *params):
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, params).fetchall()


def last_uid(db) -> int:
    """How far INBOX has been read; 0 while the watcher has not made the database yet."""
    try:
        found = rows(db, "SELECT last_uid FROM folder_state") if db.exists() else []
    except sqlite3.Error:  # created, not yet migrated
        return 0
    return found[0][0] if found else 0


@pytest.fixture
def configured(tmp_path, monkeypatch, dovecot, imap_account):
    monkeypatch.setenv("ONWARD_TEST_PASSWORD_MAIN", imap_account.password)
    return write_config(tmp_path / "config.toml", {"main": imap_account}, database=tmp_path / "onward.db",
                        account_extra="poll_interval = 600")


def scan(config):
    result = CliRunner().invoke(cli, ["--config", str(config), "scan", "--format", "jsonl"])
    outcomes = [json.loads(line) for line in result.output.splitlines() if line.startswith("{")]
    return result, {o["message_id"]: o for o in outcomes}


def test_scans_write_off_a_message_the_server_cannot_send_and_read_the_rest(tmp_path, dovecot, imap_account,
                                                                              configured):
    seed(dovecot, imap_account)
    db = tmp_path / "onward.db"
    # one run (cron's) gets past it: the batch dies once, then the damaged message alone MAX_FETCH_DEATHS
    # times, each time reconnecting at once; the next connection writes it off and reads the rest
    runs = [scan(configured)]
    assert runs[0][0].exit_code == 0, runs[0][0].output
    assert "connection lost" not in runs[0][0].output
    uidvalidity = rows(db, "SELECT uidvalidity FROM folder_state")[0][0]
    unfetched = f"unfetched:INBOX:{uidvalidity}:{POISON_UID}"
    written_off = runs[-1][1][unfetched]
    assert (written_off["status"], written_off["failed_at"]) == ("failed", "fetch")
    assert "the server could not send this message" in written_off["error"]
    # every other message read exactly once, over all the runs
    seen = [mid for _, outcomes in runs for mid, o in outcomes.items() if o["status"] == "new"]
    assert sorted(seen) == sorted(["<ack-1@kestrelbank.example>", "<digest-1@x>", "<after@x>", "<p-1@example.org>"])
    assert runs[-1][1]["<after@x>"]["draft"] == "drafted"
    assert rows(db, "SELECT count(*), count(DISTINCT message_id) FROM messages") == [(5, 5)]
    assert rows(db, "SELECT m.message_id FROM rejection_events e JOIN messages m ON m.id = e.message") == [
        ("<after@x>",)]
    assert rows(db, "SELECT account, folder, uid, message_id, step FROM failures") == [
        ("main", "INBOX", POISON_UID, unfetched, "fetch")]
    assert rows(db, "SELECT last_uid FROM folder_state") == [(5,)]
    assert rows(db, "SELECT count(*) FROM fetch_suspects") == [(0,)]
    assert mailbox_counts(dovecot, imap_account) == (1, 1, 0)

    listed = CliRunner().invoke(cli, ["--config", str(configured), "history", "--failed"])
    assert f"main:INBOX/{POISON_UID}  {unfetched}  fetch failed: abort: the server could not send" in listed.output
    assert listed.output.rstrip().endswith("1 failed message")

    quiet, outcomes = scan(configured)  # reported once: nothing is fetched, failed or drafted again
    assert quiet.exit_code == 0 and outcomes == {}, quiet.output

    # a crash after the write-off was recorded but before the folder state moved: it is written off
    # again, which records nothing twice, and the messages after it are known
    rows(db, "UPDATE folder_state SET last_uid = ?", POISON_UID - 1)
    rows(db, "INSERT INTO fetch_suspects (account, folder, uidvalidity, uid, deaths, error_class, error, updated_at) "
             "VALUES ('main', 'INBOX', ?, ?, ?, 'abort', 'EOF', 'now')", uidvalidity, POISON_UID, MAX_FETCH_DEATHS)
    again, outcomes = scan(configured)
    assert again.exit_code == 0, again.output
    assert {o["status"] for mid, o in outcomes.items() if mid != unfetched} == {"known"}
    assert rows(db, "SELECT count(*) FROM failures") == [(1,)]
    assert rows(db, "SELECT count(*) FROM rejection_events") == [(1,)]
    assert rows(db, "SELECT last_uid FROM folder_state") == [(5,)]
    assert mailbox_counts(dovecot, imap_account) == (1, 1, 0)


def test_watch_gets_past_a_message_the_server_cannot_send(tmp_path, dovecot, imap_account, configured, caplog):
    seed(dovecot, imap_account)
    db = tmp_path / "onward.db"
    config = load_config(configured, env=dict(os.environ))
    stop = threading.Event()
    watcher = AccountWatcher(config, load_model(), config.account("main"), stop, backoff=lambda: (lambda: 0.05))
    with caplog.at_level(logging.WARNING, logger="onward"):
        watcher.start()
        try:
            assert wait_for(lambda: last_uid(db) == 5)
            failures = watcher.failures
            with dovecot.client(imap_account) as client:  # new mail after it: IDLE brings it in, no reconnect
                client.append("INBOX", rejection("<later@x>"))
            assert wait_for(lambda: mailbox_counts(dovecot, imap_account)[1] == 2)
        finally:
            stop.set()
            watcher.join(PATIENCE)
    # one batch death, then the lone deaths (a reconnect refused by a busy server may add to these)
    assert failures >= MAX_FETCH_DEATHS + 1
    lone = [r for r in caplog.records if f"fetching UID {POISON_UID} of INBOX alone failed" in r.getMessage()]
    assert len(lone) == MAX_FETCH_DEATHS
    assert watcher.failures == failures and watcher.scans >= 2  # and none after it: no reconnect loop
    assert rows(db, "SELECT uid, step FROM failures") == [(POISON_UID, "fetch")]
    assert rows(db, "SELECT count(*), count(DISTINCT message_id) FROM messages") == [(6, 6)]
    assert rows(db, "SELECT count(*) FROM rejection_events") == [(2,)]
    assert rows(db, "SELECT last_uid FROM folder_state") == [(6,)]
    assert mailbox_counts(dovecot, imap_account) == (2, 2, 0)


def test_suspects_are_batches_of_their_own():
    batches = list(plan_batches([1, 2, 3, 4, 5, 6, 7], {}, max_messages=3, max_bytes=1 << 20, limit=1 << 20,
                                alone={3, 4}))
    assert batches == [[1, 2], [3], [4], [5, 6, 7]]
