"""Kill `onward scan` with SIGKILL at random moments; one final complete run must leave exactly
what a single clean run leaves: no event, draft or message twice, and nothing lost."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time

from helpers import ACK, PERSONAL, REJECTION, write_config

KILLS = 20


def mailbox_messages() -> list[bytes]:
    out = []
    for i in range(40):
        out.append(REJECTION.replace(b"<rej-1@kestrelbank.example>", f"<rej-{i}@kestrelbank.example>".encode()))
    for i in range(260):
        base = (ACK, PERSONAL)[i % 2]
        out.append(base.replace(b"Message-ID: <", f"Message-ID: <n{i}.".encode(), 1))
    random.Random(7).shuffle(out)
    return out


def scan(config, env, kill_after: float | None = None) -> tuple[int | None, float]:
    process = subprocess.Popen([sys.executable, "-m", "onward", "--config", str(config), "scan", "--all"],
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if kill_after is None:
        _, err = process.communicate(timeout=300)
        assert process.returncode == 0, err.decode()
        return 0, 0.0
    started = time.monotonic()
    try:
        process.wait(timeout=kill_after)
        return process.returncode, time.monotonic() - started  # finished before the moment came
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        return process.returncode, kill_after


def state(dovecot, account, db):
    with sqlite3.connect(db) as conn:
        events = conn.execute("SELECT m.message_id, e.draft_status, e.draft_message_id FROM rejection_events e "
                              "JOIN messages m ON m.id = e.message").fetchall()
        messages = conn.execute("SELECT count(*), count(DISTINCT message_id) FROM messages").fetchone()
        folder = conn.execute("SELECT last_uid FROM folder_state WHERE folder = 'INBOX'").fetchone()
    with dovecot.client(account) as client:
        client.select_folder("Drafts", readonly=True)
        drafts = [d[b"BODY[HEADER.FIELDS (MESSAGE-ID)]"].decode().split(":", 1)[1].strip()
                  for d in client.fetch(client.search("ALL"), ["BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]"]).values()]
        client.select_folder("INBOX", readonly=True)
        uids = client.search("ALL")
        tagged = set(client.search(["KEYWORD", "$Rejection"]))
        seen = client.search(["SEEN"])
    return events, messages, folder, drafts, max(uids), tagged, seen


def test_sigkill_at_random_moments_loses_nothing_and_duplicates_nothing(tmp_path, dovecot, monkeypatch):
    crashed, clean = dovecot.new_account("crash"), dovecot.new_account("clean")
    raws = mailbox_messages()
    with dovecot.client(clean) as client:
        for start in range(0, len(raws), 100):
            client.multiappend("INBOX", raws[start:start + 100])
    env = dict(os.environ, ONWARD_TEST_PASSWORD_MAIN=crashed.password)
    configs = {}
    for name, account in (("crashed", crashed), ("clean", clean)):
        configs[name] = write_config(tmp_path / f"{name}.toml", {"main": account}, database=tmp_path / f"{name}.db")

    scan(configs["clean"], env)
    rng = random.Random(2026)
    killed, run_length = 0, 2.5
    per_round = len(raws) // KILLS
    for round_ in range(KILLS):
        # new mail keeps arriving, so every run has work when it is killed (start-up, fetching,
        # classifying, recording, tagging or saving a draft: wherever the random moment falls)
        with dovecot.client(crashed) as client:
            client.multiappend("INBOX", raws[round_ * per_round:(round_ + 1) * per_round])
        code, elapsed = scan(configs["crashed"], env, kill_after=rng.uniform(0.1, 1.0) * run_length)
        if code == -signal.SIGKILL:
            killed += 1
        else:  # the run was shorter than we guessed: aim inside it next time
            run_length = elapsed
    scan(configs["crashed"], env)
    assert killed >= KILLS * 3 // 4  # most runs really were interrupted

    events, messages, folder, drafts, max_uid, tagged, seen = state(dovecot, crashed, tmp_path / "crashed.db")
    ref_events, ref_messages, _, ref_drafts, _, ref_tagged, _ = state(dovecot, clean, tmp_path / "clean.db")
    assert len(ref_events) == 40
    assert sorted(e[0] for e in events) == sorted(e[0] for e in ref_events)
    assert messages == ref_messages == (300, 300)
    assert folder == (max_uid,)
    assert len(drafts) == len(set(drafts)) == len(ref_drafts)
    with_address = [e for e in events if e[1] == "drafted"]
    assert sorted(drafts) == sorted(e[2] for e in events if e[2])
    assert len(with_address) == 40  # these rejections name a recruiter, so every draft has a recipient
    assert len(tagged) == len(ref_tagged) == 40
    assert seen == []
