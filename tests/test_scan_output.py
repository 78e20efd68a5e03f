"""What a scan prints: a few lines by default, every message with -v, the summary alone with -q,
and on a terminal a live line with the total, the rate and the time left."""

from __future__ import annotations

import os
import pty
import subprocess
import sys

import pytest

from helpers import REJECTION, message, write_config

MESSAGES = 3000


@pytest.fixture(scope="module")
def big_inbox(dovecot, tmp_path_factory):
    """3,000 messages: personal mail and newsletters, with three rejections among them."""
    account = dovecot.new_account("big")
    mail = [message(f"weekly digest {n}: what's new", f"Hello,\n\nthis week's notes, number {n}.\n\nThe team\n",
                    sender="Digest <news@letters.example>", message_id=f"<d-{n}@letters.example>")
            for n in range(MESSAGES - 3)]
    for n in range(3):
        mail.insert(n * 1000, REJECTION.replace(b"<rej-1@kestrelbank.example>", f"<rej-{n}@kestrel.example>".encode()))
    with dovecot.client(account) as client:
        for start in range(0, len(mail), 250):
            client.multiappend("INBOX", mail[start:start + 250])
    tmp = tmp_path_factory.mktemp("big")
    return write_config(tmp / "config.toml", {"big": account}), tmp, account


def onward(config, *args: str, home) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ONWARD_TEST_PASSWORD_BIG": "correct-horse-battery-staple", "HOME": str(home)}
    return subprocess.run([sys.executable, "-m", "onward", "--config", str(config), *args], capture_output=True,
                          text=True, env=env, timeout=600)


def test_default_scan_prints_rejections_and_a_summary_only(big_inbox, isolated_env):
    config, tmp, _ = big_inbox
    default = onward(config, "--database", str(tmp / "default.db"), "scan", "--dry-run", home=isolated_env)
    assert default.returncode == 0, default.stderr
    lines = default.stdout.splitlines()
    assert len(lines) <= 20, lines
    assert sum(line.startswith("rejection") for line in lines) == 3
    assert "weekly digest" not in default.stdout  # nobody's personal subjects by default
    assert lines[-1].startswith("dry run, nothing written: big: 3,000 scanned (3,000 new")
    quiet = onward(config, "--database", str(tmp / "quiet.db"), "-q", "scan", "--dry-run", home=isolated_env)
    assert quiet.stdout.splitlines() == lines[-1:]
    verbose = onward(config, "--database", str(tmp / "verbose.db"), "-v", "scan", "--dry-run", home=isolated_env)
    assert len(verbose.stdout.splitlines()) == MESSAGES + 1


def test_a_terminal_shows_total_rate_and_eta(big_inbox, isolated_env):
    config, tmp, _ = big_inbox
    leader, follower = pty.openpty()
    env = {**os.environ, "ONWARD_TEST_PASSWORD_BIG": "correct-horse-battery-staple", "HOME": str(isolated_env),
           "COLUMNS": "120"}
    process = subprocess.Popen([sys.executable, "-m", "onward", "--config", str(config), "--database",
                                str(tmp / "tty.db"), "scan", "--jobs", "1"],
                               stdout=subprocess.PIPE, stderr=follower, env=env)
    os.close(follower)
    terminal = b""
    while True:  # read until the scan closes its end of the terminal
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        terminal += chunk
    stdout = process.communicate(timeout=600)[0].decode()
    os.close(leader)
    assert process.returncode == 0
    screen = terminal.decode()
    assert "/3,000 (" in screen and "msg/s" in screen and "ETA " in screen, screen[-2000:]
    assert "3,000 scanned" in stdout
