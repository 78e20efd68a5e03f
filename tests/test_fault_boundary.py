"""One message, one folder or one account that fails never stops the rest (issue #13): the failure
is recorded once (`history --failed`), the folder state moves past it, later mail and other
accounts are read, and `watch` neither stalls nor restarts in a loop."""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading

import pytest
from click.testing import CliRunner

import onward.pipeline.act
import onward.sync.scan
from helpers import ACK, PATIENCE, PERSONAL, REJECTION, mailbox_counts, wait_for, write_config
from onward.classifier.model import load_model
from onward.cli import cli
from onward.config import load_config
from onward.sync.watch import AccountWatcher, backoff_delays

POISON = "<poison@kestrelbank.example>"


def rejection(message_id: str) -> bytes:
    return REJECTION.replace(b"<rej-1@kestrelbank.example>", message_id.encode())


@pytest.fixture
def poisoned_compose(monkeypatch):
    """Drafting fails on one message, as it did on a Reply-To whose local part is an encoded word
    (issue #13). The failure is injected, so that these tests keep testing the boundary once that
    input is handled; test_hostile_reply_to_never_stops_a_scan uses the real input."""
    real = onward.pipeline.act.compose

    def compose(message, *args, **kwargs):
        if message.message_id == POISON:
            raise ValueError("invalid arguments; address parts cannot contain CR or LF")
        return real(message, *args, **kwargs)

    monkeypatch.setattr(onward.pipeline.act, "compose", compose)


def configure(tmp_path, monkeypatch, accounts, **kwargs):
    for name, account in accounts.items():
        monkeypatch.setenv(f"ONWARD_TEST_PASSWORD_{name.upper()}", account.password)
    return write_config(tmp_path / "config.toml", accounts, database=tmp_path / "onward.db", **kwargs)


def scan(config, *args):
    result = CliRunner().invoke(cli, ["--config", str(config), "scan", "--format", "jsonl", *args])
    outcomes = [json.loads(line) for line in result.output.splitlines() if line.startswith("{")]
    return result, {o["message_id"]: o for o in outcomes}


def rows(db, sql, *params):
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, params).fetchall()


def test_a_poison_message_is_recorded_once_and_everything_else_goes_on(tmp_path, monkeypatch, dovecot,
                                                                      poisoned_compose):
    first, second = dovecot.new_account(), dovecot.new_account()
    with dovecot.client(first) as client:
        client.multiappend("INBOX", [rejection("<r0@x>"), rejection(POISON), rejection("<r2@x>"), ACK,
                                     rejection("<r4@x>"), PERSONAL])
    with dovecot.client(second) as client:
        client.append("INBOX", rejection("<r9@x>"))
    config = configure(tmp_path, monkeypatch, {"first": first, "second": second})
    db = tmp_path / "onward.db"

    result, outcomes = scan(config)
    assert result.exit_code == 0, result.output
    poison = outcomes[POISON]
    assert (poison["status"], poison["failed_at"], poison["error_class"], poison["draft"]) == (
        "failed", "draft", "ValueError", "failed")
    assert poison["verdict"] == "rejection"  # recorded and tagged before drafting failed
    for later in ("<r2@x>", "<r4@x>", "<r9@x>"):
        assert outcomes[later]["status"] == "new" and outcomes[later]["draft"] == "drafted"
    assert rows(db, "SELECT account, message_id, step, error_class FROM failures") == [
        ("first", POISON, "draft", "ValueError")]
    assert rows(db, "SELECT e.draft_status FROM rejection_events e JOIN messages m ON m.id = e.message "
                    "WHERE m.message_id = ?", POISON) == [("failed",)]
    assert rows(db, "SELECT account, last_uid FROM folder_state ORDER BY account") == [("first", 6), ("second", 1)]
    assert mailbox_counts(dovecot, first) == (4, 3, 0)
    assert mailbox_counts(dovecot, second) == (1, 1, 0)

    # the folder read again from the start (as after a UIDVALIDITY change): the poison message is
    # known, and neither drafted nor reported again
    rows(db, "DELETE FROM folder_state")
    again, outcomes = scan(config)
    assert again.exit_code == 0, again.output
    assert (outcomes[POISON]["status"], outcomes[POISON]["draft"]) == ("known", "failed")
    assert {o["status"] for o in outcomes.values()} == {"known"}
    assert rows(db, "SELECT count(*) FROM failures") == [(1,)]
    warnings = [line for line in (result.output + again.output).splitlines() if " WARNING " in line]
    assert sum("draft failed: ValueError" in line for line in warnings) == 1  # logged once, over both scans
    assert mailbox_counts(dovecot, first) == (4, 3, 0)

    listed = CliRunner().invoke(cli, ["--config", str(config), "history", "--failed"])
    assert listed.exit_code == 0, listed.output
    assert f"first:INBOX/2  {POISON}  draft failed: ValueError: invalid arguments" in listed.output
    assert listed.output.rstrip().endswith("1 failed message")
    as_json = CliRunner().invoke(cli, ["--config", str(config), "history", "--failed", "--format", "json"])
    assert [(f["message_id"], f["step"], f["error_class"], f["uid"]) for f in json.loads(as_json.output)] == [
        (POISON, "draft", "ValueError", 2)]


@pytest.mark.parametrize("reply_to", ["=?utf-8?q?=0D=0A?=@kestrelbank.example", "=?utf-8?q??=@kestrelbank.example"])
def test_hostile_reply_to_never_stops_a_scan(tmp_path, monkeypatch, dovecot, imap_account, reply_to):
    """The input of issue #13 itself: whether the draft is written or the message is recorded as
    failed, the scan goes on and the folder state moves past it."""
    hostile = rejection(POISON).replace(b"Subject:", f"Reply-To: {reply_to}\r\nSubject:".encode(), 1)
    with dovecot.client(imap_account) as client:
        client.multiappend("INBOX", [hostile, rejection("<after@x>")])
    config = configure(tmp_path, monkeypatch, {"main": imap_account})
    result, outcomes = scan(config)
    assert result.exit_code == 0, result.output
    assert outcomes[POISON]["draft"] in ("drafted", "failed")
    assert outcomes["<after@x>"]["draft"] == "drafted"
    assert rows(tmp_path / "onward.db", "SELECT last_uid FROM folder_state") == [(2,)]


def test_a_folder_that_fails_is_reported_and_the_others_are_scanned(tmp_path, monkeypatch, dovecot):
    first, second = dovecot.new_account(), dovecot.new_account()
    for account in (first, second):
        with dovecot.client(account) as client:
            client.append("INBOX", REJECTION)
    config = configure(tmp_path, monkeypatch, {"first": first, "second": second},
                       account_extra='folders = ["No such folder", "INBOX"]')
    result, outcomes = scan(config)
    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if line.startswith("onward: error:")]
    assert len(errors) == 2 and all("cannot open folder 'No such folder'" in line for line in errors)
    assert rows(tmp_path / "onward.db", "SELECT account, last_uid FROM folder_state WHERE folder = 'INBOX' "
                                        "ORDER BY account") == [("first", 1), ("second", 1)]


def test_an_account_that_fails_unexpectedly_does_not_skip_the_next(tmp_path, monkeypatch, dovecot):
    first, second = dovecot.new_account(), dovecot.new_account()
    for account in (first, second):
        with dovecot.client(account) as client:
            client.append("INBOX", REJECTION)
    config = configure(tmp_path, monkeypatch, {"first": first, "second": second})
    real = onward.sync.scan.reconcile_moves

    def broken_for_first(mailbox, store):  # a bug that only one account's state runs into
        if mailbox.account.name == "first":
            raise KeyError("flags")
        return real(mailbox, store)

    monkeypatch.setattr(onward.sync.scan, "reconcile_moves", broken_for_first)
    result, outcomes = scan(config)
    assert result.exit_code == 1
    assert "onward: error: account 'first': KeyError: 'flags'" in result.output
    assert "Traceback" not in result.output
    assert rows(tmp_path / "onward.db", "SELECT account FROM folder_state") == [("second",)]


@pytest.fixture(scope="module")
def model():
    return load_model()


def test_watch_reports_a_poison_message_once_and_goes_on(tmp_path, monkeypatch, dovecot, imap_account, model,
                                                        poisoned_compose, caplog):
    config = load_config(configure(tmp_path, monkeypatch, {"main": imap_account}, account_extra="poll_interval = 600"),
                         env=dict(os.environ))
    with dovecot.client(imap_account) as client:
        client.multiappend("INBOX", [rejection(POISON), rejection("<r1@x>")])
    stop = threading.Event()
    watcher = AccountWatcher(config, model, config.account("main"), stop)
    with caplog.at_level(logging.WARNING, logger="onward"):
        watcher.start()
        try:
            assert wait_for(lambda: mailbox_counts(dovecot, imap_account)[1] == 1)
            with dovecot.client(imap_account) as client:  # new mail after the poison message: IDLE brings it in
                client.append("INBOX", rejection("<r2@x>"))
            assert wait_for(lambda: mailbox_counts(dovecot, imap_account)[1] == 2)
        finally:
            stop.set()
            watcher.join(PATIENCE)
    assert watcher.failures == 0 and watcher.scans >= 2  # it never restarted
    assert mailbox_counts(dovecot, imap_account) == (3, 2, 0)
    assert rows(tmp_path / "onward.db", "SELECT message_id, step FROM failures") == [(POISON, "draft")]
    assert rows(tmp_path / "onward.db", "SELECT last_uid FROM folder_state") == [(3,)]
    assert sum("draft failed" in r.getMessage() for r in caplog.records) == 1


def test_watch_backs_off_on_a_failure_that_follows_every_connect(tmp_path, monkeypatch, dovecot, imap_account,
                                                                 model):
    """The server is fine but the database cannot be opened: each connect succeeds and each
    catch-up fails. The wait before the next try must grow, not start over at every connect."""
    config = load_config(configure(tmp_path, monkeypatch, {"main": imap_account}), env=dict(os.environ))
    config.database.mkdir()  # a folder where the database should be: every open fails
    waits: list[float] = []

    def recorded_backoff():
        delays = backoff_delays(start=0.05, cap=10.0)

        def delay() -> float:
            waits.append(delays())
            return waits[-1]

        return delay

    stop = threading.Event()
    watcher = AccountWatcher(config, model, config.account("main"), stop, backoff=recorded_backoff)
    watcher.start()
    try:
        assert wait_for(lambda: len(waits) >= 5)
    finally:
        stop.set()
        watcher.join(PATIENCE)
    # full jitter draws the n-th wait from [start * 2**(n-1), start * 2**n]: the fifth is at least
    # 8 times the first only if the backoff kept growing across connects
    assert waits[4] >= 8 * waits[0]
    assert watcher.failures >= 5
