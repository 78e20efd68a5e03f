"""A new user's first hour with a real server: config init and check (--connect), accounts, the
first scan, status, shell completion of account names."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from helpers import ACK, PERSONAL, REJECTION, write_config
from onward.cli import cli


@pytest.fixture
def setup(tmp_path, dovecot, imap_account, monkeypatch):
    monkeypatch.setenv("ONWARD_TEST_PASSWORD_MAIN", imap_account.password)
    db = tmp_path / "data" / "onward.db"
    config = write_config(tmp_path / "config.toml", {"main": imap_account}, database=db)
    return dovecot, imap_account, config, db


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_config_check_is_not_ok_without_an_account_or_with_an_unset_variable(tmp_path, monkeypatch):
    path = tmp_path / "config.toml"
    assert invoke("--config", str(path), "config", "init").output.splitlines()[-1].startswith(
        f"next: add your account to {path}")
    empty = invoke("--config", str(path), "config", "check")
    assert empty.exit_code == 1 and "not ok: no accounts configured" in empty.output
    path.write_text('[accounts.work]\nhost = "imap.example.com"\nusername = "me"\npassword_env = "WORK_PW"\n')
    unset = invoke("--config", str(path), "config", "check")
    assert unset.exit_code == 1
    assert "not ok: account 'work': environment variable WORK_PW is not set" in unset.output
    monkeypatch.setenv("WORK_PW", "x")
    good = invoke("--config", str(path), "config", "check")
    assert good.exit_code == 0 and good.output.splitlines()[-2:] == [
        "ok", "next: onward config check --connect (logs in and shows what a scan would read)"]


def test_check_connect_then_scan_then_status(setup, monkeypatch):
    dovecot, account, config, db = setup
    with dovecot.client(account) as client:
        for raw in (ACK, REJECTION, PERSONAL):
            client.append("INBOX", raw)
    config.write_text(config.read_text().replace('tls = "ssl"', 'tls = "ssl"\nfolders = ["INBOX", "Archive"]'))
    check = invoke("--config", str(config), "config", "check", "--connect")
    assert check.exit_code == 1, check.output  # Archive does not exist
    assert "[accounts.main] logged in to 127.0.0.1:" in check.output
    assert "INBOX: 3 messages; the first scan reads 3 received since" in check.output
    assert "Archive: no such folder on the server" in check.output
    assert "drafts are saved to: Drafts" in check.output
    config.write_text(config.read_text().replace('folders = ["INBOX", "Archive"]', 'folders = ["INBOX"]'))
    ok = invoke("--config", str(config), "config", "check", "--connect")
    assert ok.exit_code == 0 and ok.output.splitlines()[-1].startswith("next: onward scan --dry-run")
    assert not db.exists()  # checking writes nothing

    listing = invoke("--config", str(config), "accounts")
    assert listing.output == (f"main: {account.username} at 127.0.0.1:{account.tls_port} (ssl), folders INBOX; "
                              "password_env = ONWARD_TEST_PASSWORD_MAIN\n")

    first = invoke("--config", str(config), "scan")
    assert first.exit_code == 0 and first.output.splitlines()[-1].startswith("next: onward history")
    again = invoke("--config", str(config), "scan")
    assert "next:" not in again.output  # only after the first scan
    with dovecot.client(account) as client:
        client.append("INBOX", REJECTION.replace(b"rej-1@", b"rej-9@"))
    connect = invoke("--config", str(config), "config", "check", "--connect")
    assert "INBOX: 4 messages; the next scan reads 1 new since the last one" in connect.output

    status = json.loads(invoke("--config", str(config), "status", "--format", "json").output)
    assert [(s["account"], s["mail_seen"], s["rejections"], s["drafts_pending"], s["last_error"]) for s in status] == [
        ("main", 3, 1, 1, None)]
    assert status[0]["last_scan_at"]
    monkeypatch.setenv("ONWARD_TEST_PASSWORD_MAIN", "wrong")
    refused = invoke("--config", str(config), "scan")
    assert refused.exit_code == 1
    text = invoke("--config", str(config), "status").output.splitlines()
    assert text[0].startswith("main: last scan 2") and text[0].endswith(
        "3 messages seen, 1 rejection, 1 draft waiting in Drafts")
    assert text[1].startswith("  last error, ") and "login refused" in text[1]


def test_account_names_complete_in_the_shell(setup):
    _, _, config, _ = setup
    env = {**os.environ, "_ONWARD_COMPLETE": "bash_complete",
           "COMP_WORDS": f"onward --config {config} scan --account m", "COMP_CWORD": "5"}
    done = subprocess.run([sys.executable, "-c", "from onward.cli import main; main()"], env=env, capture_output=True,
                          text=True)
    assert done.stdout.split() == ["plain,main"]


def test_a_draft_that_left_drafts_counts_as_a_sent_request(setup):
    dovecot, account, config, db = setup
    with dovecot.client(account) as client:
        client.append("INBOX", REJECTION)
        client.append("INBOX", REJECTION.replace(b"rej-1@", b"rej-2@"))
    assert invoke("--config", str(config), "scan").exit_code == 0
    with dovecot.client(account) as client:  # the user sends one draft; their client files it in Sent
        client.select_folder("Drafts")
        first = sorted(client.search("ALL"))[0]
        client.copy([first], "Sent")
        client.delete_messages([first])
        client.expunge()
    assert invoke("--config", str(config), "scan").exit_code == 0
    report = json.loads(invoke("--config", str(config), "report", "--format", "json").output)
    assert report["feedback"] == {"drafted": 2, "sent": 1, "replied": 0, "reply_rate": 0.0}
    status = json.loads(invoke("--config", str(config), "status", "--format", "json").output)
    assert status[0]["drafts_pending"] == 1


def test_keys_set_stores_the_password_that_then_logs_in(setup, monkeypatch):
    dovecot, account, config, db = setup
    # a real keyring backend that needs no desktop session: keyrings.alt's file keyring, under the test's HOME
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyrings.alt.file.PlaintextKeyring")
    monkeypatch.delenv("ONWARD_TEST_PASSWORD_MAIN")
    config.write_text(config.read_text().replace('password_env = "ONWARD_TEST_PASSWORD_MAIN"',
                                                 "password_keyring = true"))
    before = invoke("--config", str(config), "config", "check", "--connect")
    assert before.exit_code == 1 and "no password in the keyring under service 'onward' (onward keys set main)" in (
        before.output)
    stored = CliRunner().invoke(cli, ["--config", str(config), "keys", "set", "main"],
                                input=f"{account.password}\n{account.password}\n")
    assert stored.exit_code == 0, stored.output
    assert "stored the password of account 'main' in the keyring (PlaintextKeyring)" in stored.output
    assert account.password not in stored.output
    after = invoke("--config", str(config), "config", "check", "--connect")
    assert after.exit_code == 0, after.output
    unknown = invoke("--config", str(config), "keys", "set", "nope", "--password-stdin")
    assert unknown.exit_code == 2 and "no account named 'nope'" in unknown.output
