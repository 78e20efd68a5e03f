"""`onward watch` against the real Dovecot: IDLE, reconnects, several accounts, signals."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from helpers import ACK, REJECTION, message, write_config
from onward.classifier.model import load_model
from onward.config import load_config
from onward.watch import AccountWatcher, Watcher


def wait_for(predicate, timeout=15.0, interval=0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False


def keyworded(dovecot, account, keyword=b"$Rejection"):
    try:
        with dovecot.client(account) as client:
            client.select_folder("INBOX", readonly=True)
            return client.search(["KEYWORD", keyword.decode()])
    except Exception:
        return []


def draft_count(dovecot, account):
    with dovecot.client(account) as client:
        client.select_folder("Drafts", readonly=True)
        return len(client.search("ALL"))


@pytest.fixture(scope="module")
def model():
    return load_model()


def make_config(tmp_path, monkeypatch, accounts, **kwargs):
    for name, acct in accounts.items():
        monkeypatch.setenv(f"ONWARD_TEST_PASSWORD_{name.upper()}", acct.password)
    path = write_config(tmp_path / "config.toml", accounts, database=tmp_path / "onward.db", **kwargs)
    return load_config(path, env=dict(os.environ))


def test_new_mail_is_handled_through_idle(tmp_path, monkeypatch, dovecot, imap_account, model):
    config = make_config(tmp_path, monkeypatch, {"main": imap_account}, account_extra="poll_interval = 600")
    stop = threading.Event()
    watcher = AccountWatcher(config, model, config.account("main"), stop)
    watcher.start()
    try:
        assert watcher.connected.wait(10)
        assert wait_for(lambda: watcher.scans >= 1)
        with dovecot.client(imap_account) as client:
            client.append("INBOX", ACK)
            client.append("INBOX", REJECTION)
        # poll_interval is 10 minutes: only IDLE can bring this in time
        assert wait_for(lambda: len(keyworded(dovecot, imap_account)) == 1, timeout=10)
        assert wait_for(lambda: draft_count(dovecot, imap_account) == 1, timeout=5)
        with dovecot.client(imap_account) as client:
            client.select_folder("INBOX", readonly=True)
            flags = client.fetch(client.search("ALL"), ["FLAGS"])
            assert all(b"\\Seen" not in d[b"FLAGS"] for d in flags.values())
    finally:
        stop.set()
        watcher.join(10)
    assert not watcher.is_alive()


def deliver_to_maildir(dovecot, account, raw: bytes, name: str) -> None:
    maildir = Path(dovecot.dir) / "home" / account.username / "Maildir"
    target = maildir / "new" / f"{int(time.time())}.{name}.onward-test"
    tmp = maildir / "tmp" / target.name
    tmp.write_bytes(raw)
    os.chmod(tmp, 0o666)
    tmp.rename(target)


def test_server_restart_reconnects_and_catches_up(tmp_path, monkeypatch, dovecot, imap_account, model):
    config = make_config(tmp_path, monkeypatch, {"main": imap_account}, account_extra="poll_interval = 2")
    stop = threading.Event()
    watcher = AccountWatcher(config, model, config.account("main"), stop, backoff=lambda: (lambda: 0.3))
    watcher.start()
    try:
        assert watcher.connected.wait(10) and wait_for(lambda: watcher.scans >= 1)
        dovecot.stop()
        assert wait_for(lambda: not watcher.connected.is_set(), timeout=10)
        deliver_to_maildir(dovecot, imap_account, REJECTION, "while-down")
        dovecot.start()
        assert wait_for(lambda: len(keyworded(dovecot, imap_account)) == 1, timeout=20)
        assert watcher.failures >= 1
        assert wait_for(lambda: draft_count(dovecot, imap_account) == 1, timeout=5)
    finally:
        stop.set()
        watcher.join(10)
        if dovecot.process is None:
            dovecot.start()


def test_two_accounts_one_failing(tmp_path, monkeypatch, dovecot, imap_account, model):
    good = dovecot.new_account()
    config = make_config(tmp_path, monkeypatch, {"bad": imap_account, "good": good},
                         account_extra="poll_interval = 600")
    monkeypatch.setenv("ONWARD_TEST_PASSWORD_BAD", "not-the-password")
    watcher = Watcher(lambda: (load_config(config.source, env=dict(os.environ)), model))
    runner = threading.Thread(target=watcher.run)
    runner.start()
    try:
        assert wait_for(lambda: len(watcher.threads) == 2)
        by_name = {t.account.name: t for t in watcher.threads}
        assert by_name["good"].connected.wait(10)
        with dovecot.client(good) as client:
            client.append("INBOX", REJECTION)
        assert wait_for(lambda: len(keyworded(dovecot, good)) == 1, timeout=10)
        # Dovecot may answer the bad login after the good account's message is done
        assert wait_for(lambda: by_name["bad"].failures >= 1, timeout=10) and by_name["bad"].is_alive()
    finally:
        watcher.stop.set()
        runner.join(20)
    assert not runner.is_alive()


def test_sigterm_stops_and_sighup_reloads(tmp_path, dovecot, imap_account):
    config = write_config(tmp_path / "config.toml", {"main": imap_account}, database=tmp_path / "onward.db")
    env = dict(os.environ, ONWARD_TEST_PASSWORD_MAIN=imap_account.password, HOME=str(tmp_path))
    process = subprocess.Popen([sys.executable, "-m", "onward", "--config", str(config), "watch"], env=env,
                               stderr=subprocess.PIPE, text=True)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(iter(process.stderr.readline, "")), daemon=True)
    reader.start()
    try:
        assert wait_for(lambda: any("connected to" in line for line in lines), timeout=30), lines
        process.send_signal(signal.SIGHUP)
        assert wait_for(lambda: any("reloading the configuration" in line for line in lines), timeout=10), lines
        assert wait_for(lambda: sum("connected to" in line for line in lines) >= 2, timeout=15), lines
        with dovecot.client(imap_account) as client:
            client.append("INBOX", message("Your application", "We have decided not to move forward with your "
                                           "application. We wish you the best in your search.",
                                           message_id="<sig@x.example>"))
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
    reader.join(5)
    assert any("onward watch: stopped" in line for line in lines)
    assert not any("Traceback" in line for line in lines)
