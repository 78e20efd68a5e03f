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

from helpers import ACK, PATIENCE, REJECTION, message, wait_for, write_config
from onward.classifier.model import load_model
from onward.config import load_config
from onward.sync.watch import AccountWatcher, Watcher


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
        assert watcher.connected.wait(PATIENCE)
        assert wait_for(lambda: watcher.scans >= 1)
        with dovecot.client(imap_account) as client:
            client.append("INBOX", ACK)
            client.append("INBOX", REJECTION)
        # poll_interval is 10 minutes, longer than this wait: only IDLE can bring the mail in
        assert wait_for(lambda: len(keyworded(dovecot, imap_account)) == 1)
        assert wait_for(lambda: draft_count(dovecot, imap_account) == 1)
        with dovecot.client(imap_account) as client:
            client.select_folder("INBOX", readonly=True)
            flags = client.fetch(client.search("ALL"), ["FLAGS"])
            assert all(b"\\Seen" not in d[b"FLAGS"] for d in flags.values())
    finally:
        stop.set()
        watcher.join(PATIENCE)
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
        assert watcher.connected.wait(PATIENCE) and wait_for(lambda: watcher.scans >= 1)
        dovecot.stop()
        assert wait_for(lambda: not watcher.connected.is_set())
        deliver_to_maildir(dovecot, imap_account, REJECTION, "while-down")
        dovecot.start()
        assert wait_for(lambda: len(keyworded(dovecot, imap_account)) == 1)
        assert watcher.failures >= 1
        assert wait_for(lambda: draft_count(dovecot, imap_account) == 1)
    finally:
        stop.set()
        watcher.join(PATIENCE)
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
        assert by_name["good"].connected.wait(PATIENCE)
        with dovecot.client(good) as client:
            client.append("INBOX", REJECTION)
        assert wait_for(lambda: len(keyworded(dovecot, good)) == 1)
        # the server answers a wrong password only after a delay of its own: wait for the refusal
        assert wait_for(lambda: by_name["bad"].failures >= 1)
        assert by_name["bad"].is_alive() or by_name["bad"].gave_up  # it may have given up by now
    finally:
        watcher.stop.set()
        runner.join(PATIENCE)
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
        assert wait_for(lambda: any("connected to" in line for line in lines)), lines
        process.send_signal(signal.SIGHUP)
        assert wait_for(lambda: any("reloading the configuration" in line for line in lines)), lines
        assert wait_for(lambda: sum("connected to" in line for line in lines) >= 2), lines
        with dovecot.client(imap_account) as client:
            client.append("INBOX", message("Your application", "We have decided not to move forward with your "
                                           "application. We wish you the best in your search.",
                                           message_id="<sig@x.example>"))
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=PATIENCE) == 0
    finally:
        if process.poll() is None:
            process.kill()
    reader.join(5)
    assert any("onward watch: stopped" in line for line in lines)
    assert not any("Traceback" in line for line in lines)


def test_refused_login_gives_up_with_one_line_and_exit_2(tmp_path, imap_account):
    config = write_config(tmp_path / "config.toml", {"main": imap_account}, database=tmp_path / "onward.db")
    env = dict(os.environ, ONWARD_TEST_PASSWORD_MAIN="not-the-password", HOME=str(tmp_path), JOURNAL_STREAM="8:123")
    log_file = tmp_path / "onward.log"
    done = subprocess.run([sys.executable, "-m", "onward", "--config", str(config), "--log-file", str(log_file),
                           "watch"], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stderr  # RestartPreventExitStatus=2: systemd leaves it stopped
    lines = done.stderr.splitlines()
    assert sum("reconnecting in" in line for line in lines) == 2
    gave_up = [line for line in lines if "gave up" in line]
    assert len(gave_up) == 1 and gave_up[0].startswith("ERROR onward.sync.watch: account 'main': login refused")
    assert lines[-1] == "onward: error: every account's login was refused (see above); fix the secrets and start again"
    assert all(line.startswith(("INFO", "WARNING", "ERROR", "onward:")) for line in lines)  # journald adds the time
    logged = log_file.read_text().splitlines()
    assert any("gave up after 3 refused logins" in line for line in logged)
    assert logged[0][:4].isdigit()  # the file has its own timestamps


def woke_at_once(mailbox) -> bool:
    """What wait_for_change answers, waited for on a condition (at once in practice)."""
    woke: list[bool] = []
    waiter = threading.Thread(target=lambda: woke.append(mailbox.wait_for_change("INBOX", PATIENCE, lambda: False)))
    waiter.start()
    assert wait_for(lambda: not waiter.is_alive())
    return woke == [True]


def test_mail_that_arrives_before_idle_wakes_the_watch_at_once(tmp_path, monkeypatch, dovecot, imap_account):
    """The race behind a flaky watch: mail delivered between the catch-up's SEARCH and IDLE is
    announced with IDLE's continuation and must end the wait at once, not at the next poll."""
    from onward.mailbox.imap import ImapMailbox

    monkeypatch.setenv("ONWARD_TEST_PASSWORD_MAIN", imap_account.password)
    config = load_config(write_config(tmp_path / "config.toml", {"main": imap_account}), env=dict(os.environ))
    with ImapMailbox(config.account("main")).connect() as mailbox:
        mailbox.select("INBOX")
        for i in range(3):
            with dovecot.client(imap_account) as other:  # delivered while this connection is not idling
                other.append("INBOX", message("Hello", "Just saying hello.",
                                              message_id=f"<before-idle-{i}@example.org>"))
            assert woke_at_once(mailbox)
            assert mailbox.new_uids(i, None) == [i + 1]  # the connection is usable after IDLE
        stopped = mailbox.wait_for_change("INBOX", PATIENCE, lambda: True)  # nothing new, a stop asked for
        assert stopped is False
