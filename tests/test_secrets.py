"""A canary password must never show: not in logs (debug included), the database, error output,
`config check` or `--dry-run` output. The test server's password is the canary."""

from __future__ import annotations

import logging
import os
import subprocess
import sys

from helpers import REJECTION, write_config
from onward import logsafe


def run(config, env, *args):
    return subprocess.run([sys.executable, "-m", "onward", "--config", str(config), *args], env=env,
                          capture_output=True, text=True, timeout=120)


def test_canary_password_never_appears(tmp_path, dovecot, imap_account):
    canary = imap_account.password
    with dovecot.client(imap_account) as client:
        client.append("INBOX", REJECTION)
    db = tmp_path / "onward.db"
    plain = write_config(tmp_path / "plain.toml", {"main": imap_account}, tls="none", database=db)
    env = dict(os.environ, ONWARD_TEST_PASSWORD_MAIN=canary)
    outputs = []
    for args in (["--debug", "config", "check"], ["--debug", "scan", "--dry-run"], ["--debug", "scan"],
                 ["-vv", "scan", "--all"], ["--debug", "watch", "--account", "nope"]):
        done = run(plain, env, *args)
        outputs.append(done.stdout + done.stderr)
    assert "LOGIN" in outputs[2] or "login" in outputs[2].lower()  # debug logs really were on
    wrong = run(plain, dict(env, ONWARD_TEST_PASSWORD_MAIN=canary + "-wrong"), "--debug", "scan")
    assert wrong.returncode != 0
    outputs.append(wrong.stdout + wrong.stderr)
    command = write_config(tmp_path / "cmd.toml", {"main": imap_account}, tls="none", database=db)
    command.write_text(command.read_text().replace('password_env = "ONWARD_TEST_PASSWORD_MAIN"',
                                                   f'password_command = "echo {canary}"'))
    outputs.append(run(command, env, "config", "check").stdout)
    outputs.append((lambda d: d.stdout + d.stderr)(run(command, env, "--debug", "scan", "--dry-run")))
    for text in outputs:
        assert canary not in text
    for path in tmp_path.rglob("*"):
        if path.is_file() and path.suffix != ".toml":
            assert canary.encode() not in path.read_bytes(), path


def test_log_filter_masks_secrets_and_their_base64_forms(caplog):
    logsafe.register_secret("s3cret-token-value", "user=a\x01auth=Bearer s3cret-token-value\x01\x01")
    handler = logging.StreamHandler()
    logsafe.install(handler)
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "sent %s and %s", (
        "s3cret-token-value", "dXNlcj1hAWF1dGg9QmVhcmVyIHMzY3JldC10b2tlbi12YWx1ZQEB"), None)
    handler.filter(record)
    assert "s3cret" not in record.getMessage() and "dXNlcj1h" not in record.getMessage()
