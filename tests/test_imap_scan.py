"""`onward scan` against the real Dovecot of the test suite."""

from __future__ import annotations

import json
import sqlite3
import time

import pytest
from click.testing import CliRunner

from helpers import ACK, PERSONAL, REJECTION, message, write_config
from onward.cli import cli


@pytest.fixture
def setup(tmp_path, dovecot, imap_account, monkeypatch):
    monkeypatch.setenv("ONWARD_TEST_PASSWORD_MAIN", imap_account.password)
    db = tmp_path / "onward.db"
    config = write_config(tmp_path / "config.toml", {"main": imap_account}, database=db)
    return dovecot, imap_account, config, db


def run(config, *args):
    result = CliRunner().invoke(cli, ["--config", str(config), "scan", *args])
    return result


def rows(db, sql):
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


def flags_of(client, folder="INBOX"):
    client.select_folder(folder, readonly=True)
    return {uid: set(data[b"FLAGS"]) for uid, data in client.fetch(client.search("ALL"), ["FLAGS"]).items()}


def test_first_scan_tags_records_and_drafts_without_marking_read(setup):
    dovecot, account, config, db = setup
    with dovecot.client(account) as client:
        for raw in (ACK, REJECTION, PERSONAL):
            client.append("INBOX", raw)
    result = run(config)
    assert result.exit_code == 0, result.output
    assert "1 rejection," in result.output and "1 draft saved" in result.output
    with dovecot.client(account) as client:
        flags = flags_of(client)
        assert all(b"\\Seen" not in f for f in flags.values())
        tagged = [uid for uid, f in flags.items() if b"$Rejection" in f]
        assert len(tagged) == 1
        client.select_folder("Drafts", readonly=True)
        drafts = client.fetch(client.search("ALL"), ["BODY.PEEK[]", "FLAGS"])
        assert len(drafts) == 1
        draft = next(iter(drafts.values()))
        assert b"\\Draft" in draft[b"FLAGS"]
        assert b"In-Reply-To: <rej-1@kestrelbank.example>" in draft[b"BODY[]"]
        assert b"To: dana.ruiz@kestrelbank.example" in draft[b"BODY[]"]
    events = rows(db, "SELECT company, stage, reason, draft_status FROM rejection_events")
    assert events == [("Kestrel Bank", "application", "experience", "drafted")]
    assert rows(db, "SELECT count(*) FROM messages") == [(3,)]


def test_incremental_scan_reads_only_new_mail_and_rerun_changes_nothing(setup):
    dovecot, account, config, db = setup
    with dovecot.client(account) as client:
        client.append("INBOX", ACK)
    assert run(config).exit_code == 0
    second = run(config, "--format", "jsonl")
    assert second.exit_code == 0 and second.output.strip() == ""
    with dovecot.client(account) as client:
        client.append("INBOX", REJECTION)
    third = run(config, "--format", "jsonl")
    records = [json.loads(line) for line in third.output.splitlines()]
    assert [r["message_id"] for r in records] == ["<rej-1@kestrelbank.example>"]
    assert run(config).exit_code == 0
    assert rows(db, "SELECT count(*) FROM rejection_events") == [(1,)]
    with dovecot.client(account) as client:
        client.select_folder("Drafts", readonly=True)
        assert len(client.search("ALL")) == 1


def test_since_limits_the_first_scan(setup):
    dovecot, account, config, db = setup
    old = message("Old news", "An old newsletter about gardening and compost.", message_id="<old@x.example>",
                  days_ago=200)
    with dovecot.client(account) as client:
        client.append("INBOX", old, msg_time=None)
        client.append("INBOX", PERSONAL)
    # INTERNALDATE decides SEARCH SINCE: both were appended now, so --since today keeps both,
    # while a future date keeps none
    assert "2 scanned" in run(config, "--since", time.strftime("%Y-%m-%d")).output


def test_since_in_the_future_scans_nothing(setup):
    dovecot, account, config, db = setup
    with dovecot.client(account) as client:
        client.append("INBOX", PERSONAL)
    result = run(config, "--since", "2099-01-01")
    assert result.exit_code == 0 and "0 scanned" in result.output


def test_dry_run_writes_nothing_anywhere(setup):
    dovecot, account, config, db = setup
    with dovecot.client(account) as client:
        client.append("INBOX", REJECTION)
    result = run(config, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "dry run, nothing written" in result.output and "1 rejection," in result.output
    assert not db.exists()
    with dovecot.client(account) as client:
        assert all(f == set() or f == {b"\\Recent"} for f in flags_of(client).values())
        client.select_folder("Drafts", readonly=True)
        assert client.search("ALL") == []


def test_uidvalidity_change_creates_no_duplicates(setup):
    dovecot, account, config, db = setup
    with dovecot.client(account) as client:
        client.create_folder("Jobs")
        client.append("Jobs", REJECTION)
        client.append("Jobs", ACK)
    config.write_text(config.read_text().replace('password_env', 'folders = ["Jobs"]\npassword_env'))
    assert run(config).exit_code == 0
    with dovecot.client(account) as client:
        client.delete_folder("Jobs")  # the test recreates the folder, not onward
        client.create_folder("Jobs")
        client.append("Jobs", ACK)
        client.append("Jobs", REJECTION)
    result = run(config)
    assert result.exit_code == 0, result.output
    assert "2 seen before" in result.output
    assert rows(db, "SELECT count(*) FROM messages") == [(2,)]
    assert rows(db, "SELECT count(*) FROM rejection_events") == [(1,)]
    with dovecot.client(account) as client:
        client.select_folder("Drafts", readonly=True)
        assert len(client.search("ALL")) == 1


def test_wrong_password_is_one_clear_line(setup, monkeypatch):
    dovecot, account, config, db = setup
    monkeypatch.setenv("ONWARD_TEST_PASSWORD_MAIN", "wrong-password")
    result = run(config)
    assert result.exit_code == 1
    assert result.output.strip() == (f"onward: error: account 'main': login refused for {account.username} at "
                                     f"127.0.0.1:{account.tls_port} (check the password)")
    assert "wrong-password" not in result.output


def test_tls_without_the_test_ca_is_refused_clearly(tmp_path, dovecot, imap_account, monkeypatch):
    monkeypatch.setenv("ONWARD_TEST_PASSWORD_MAIN", imap_account.password)
    config = write_config(tmp_path / "c.toml", {"main": imap_account}, database=tmp_path / "db", ca=False)
    result = run(config)
    assert result.exit_code == 1
    assert "TLS certificate of 127.0.0.1" in result.output and "refused" in result.output
    assert "Traceback" not in result.output


def test_starttls_and_plaintext_to_loopback(tmp_path, dovecot, imap_account, monkeypatch):
    monkeypatch.setenv("ONWARD_TEST_PASSWORD_MAIN", imap_account.password)
    with dovecot.client(imap_account) as client:
        client.append("INBOX", PERSONAL)
    for tls in ("starttls", "none"):
        config = write_config(tmp_path / f"{tls}.toml", {"main": imap_account}, tls=tls,
                              database=tmp_path / f"{tls}.db")
        result = run(config)
        assert result.exit_code == 0, result.output
        assert "1 scanned" in result.output


def test_one_failing_account_does_not_stop_the_others(tmp_path, dovecot, imap_account, monkeypatch):
    other = dovecot.new_account()
    monkeypatch.setenv("ONWARD_TEST_PASSWORD_GOOD", other.password)
    monkeypatch.setenv("ONWARD_TEST_PASSWORD_BAD", "nope")
    with dovecot.client(other) as client:
        client.append("INBOX", REJECTION)
    config = write_config(tmp_path / "c.toml", {"bad": imap_account, "good": other}, database=tmp_path / "db")
    result = run(config)
    assert result.exit_code == 1
    assert "good: 1 scanned" in result.output
    assert "account 'bad': login refused" in result.output


def test_draft_saved_before_a_crash_is_not_saved_again(setup):
    """A run that appended the draft and died before recording it: the rerun finds it in Drafts."""
    from onward.drafts.compose import compose
    from onward.facts.extract import extract
    from onward.mail.parse import parse_message

    dovecot, account, config, db = setup
    rejection = parse_message(REJECTION)
    draft = compose(rejection, extract(rejection), f"{account.username}@example.net")
    with dovecot.client(account) as client:
        client.append("INBOX", REJECTION)
        client.append("Drafts", draft.as_bytes(), flags=[b"\\Draft"])
    result = run(config)
    assert result.exit_code == 0, result.output
    assert "draft: exists" in result.output
    with dovecot.client(account) as client:
        client.select_folder("Drafts", readonly=True)
        assert len(client.search("ALL")) == 1
    assert rows(db, "SELECT draft_status FROM rejection_events") == [("drafted",)]


def test_keyword_changes_in_a_mail_client_are_corrections(setup):
    dovecot, account, config, db = setup
    with dovecot.client(account) as client:
        client.append("INBOX", REJECTION)
        client.append("INBOX", PERSONAL)
    assert run(config).exit_code == 0
    with dovecot.client(account) as client:
        client.select_folder("INBOX")
        rejection_uid = client.search(["KEYWORD", "$Rejection"])[0]
        personal_uid = [u for u in client.search("ALL") if u != rejection_uid][0]
        client.remove_flags([rejection_uid], [b"$Rejection"])  # the user says: not a rejection
        client.add_flags([personal_uid], [b"$Rejection"])  # the user says: onward missed this one
    assert run(config).exit_code == 0
    corrections = rows(db, "SELECT message_id, label, origin FROM corrections ORDER BY message_id")
    assert corrections == [("<p-1@example.org>", "rejection", "keyword"),
                           ("<rej-1@kestrelbank.example>", "not_rejection", "keyword")]
    assert rows(db, "SELECT m.message_id FROM rejection_events e JOIN messages m ON m.id = e.message") == [
        ("<p-1@example.org>",)]
    assert run(config).exit_code == 0  # a third scan changes nothing more
    assert len(rows(db, "SELECT * FROM corrections")) == 2
    with dovecot.client(account) as client:
        client.select_folder("INBOX", readonly=True)
        assert client.search(["KEYWORD", "$Rejection"]) == [personal_uid]


def test_mark_command_by_message_id(setup):
    dovecot, account, config, db = setup
    with dovecot.client(account) as client:
        client.append("INBOX", REJECTION)
    assert run(config).exit_code == 0
    result = CliRunner().invoke(cli, ["--config", str(config), "mark", "rej-1@kestrelbank.example",
                                      "--as", "not_rejection"])
    assert result.exit_code == 0, result.output
    assert rows(db, "SELECT count(*) FROM rejection_events") == [(0,)]
    assert rows(db, "SELECT label, origin FROM corrections") == [("not_rejection", "command")]
    assert "$Rejection removed; unsent draft removed from Drafts" in result.output


def test_history_ids_and_a_correction_that_reaches_the_server(setup):
    dovecot, account, config, db = setup
    other = REJECTION.replace(b"<rej-1@kestrelbank.example>", b"<rej-2@kestrelbank.example>")
    with dovecot.client(account) as client:
        client.append("INBOX", REJECTION)
        client.append("INBOX", other)
        client.append("INBOX", PERSONAL)
        client.append("Drafts", PERSONAL, flags=[b"\\Draft", b"\\Deleted"])  # the user's, marked deleted
    assert run(config).exit_code == 0
    listing = CliRunner().invoke(cli, ["--config", str(config), "history"])
    header, first, second, total = listing.output.splitlines()
    assert header.split() == ["id", "date", "company", "role", "stage", "reason", "draft"]
    assert total == "2 rejections"
    first_id, second_id = first.split()[0], second.split()[0]
    kept = CliRunner().invoke(cli, ["--config", str(config), "mark", second_id, "--as", "not_rejection",
                                    "--keep-server"])
    assert kept.exit_code == 0 and kept.output == "marked 1 message as not_rejection\n"
    result = CliRunner().invoke(cli, ["--config", str(config), "mark", first_id, "--as", "not_rejection"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[1] == ("<rej-1@kestrelbank.example>: $Rejection removed; "
                                             "unsent draft removed from Drafts")
    with dovecot.client(account) as client:
        client.select_folder("INBOX", readonly=True)
        tagged = client.search(["KEYWORD", "$Rejection"])
        assert [client.fetch(tagged, ["ENVELOPE"])[uid][b"ENVELOPE"].message_id for uid in tagged] == [
            b"<rej-2@kestrelbank.example>"]  # --keep-server left this one as it was
        assert len(client.search("ALL")) == 3  # the mail itself is never touched
        client.select_folder("Drafts", readonly=True)
        bodies = [d[b"BODY[]"] for d in client.fetch(client.search("ALL"), ["BODY.PEEK[]"]).values()]
        assert len(bodies) == 2  # the other rejection's draft and the user's own message marked deleted
        assert not any(b"In-Reply-To: <rej-1@kestrelbank.example>" in b for b in bodies)
    assert run(config).exit_code == 0  # the next scan neither tags it again nor takes it for a new correction
    assert rows(db, "SELECT label, origin FROM corrections") == [("not_rejection", "command")] * 2
    again = CliRunner().invoke(cli, ["--config", str(config), "mark", first_id, "--as", "not_rejection"])
    assert again.exit_code == 0 and "no unsent draft left in Drafts" in again.output
    unknown = CliRunner().invoke(cli, ["--config", str(config), "mark", "999", "--as", "not_rejection"])
    assert unknown.exit_code == 1 and "no message id 999 in the history" in unknown.output


def test_moving_a_rejection_out_of_move_to_is_a_correction(setup):
    dovecot, account, config, db = setup
    config.write_text(config.read_text().replace("password_env", 'move_to = "Job search/Rejections"\npassword_env'))
    with dovecot.client(account) as client:
        client.append("INBOX", REJECTION)
        client.append("INBOX", ACK)
    assert run(config).exit_code == 0
    with dovecot.client(account) as client:
        client.select_folder("Job search/Rejections")
        uids = client.search("ALL")
        assert len(uids) == 1  # onward moved it there (and never deleted anything)
        client.move(uids, "INBOX")  # the user disagrees
        client.select_folder("INBOX", readonly=True)
        assert len(client.search("ALL")) == 2
    assert run(config).exit_code == 0
    assert rows(db, "SELECT label, origin FROM corrections") == [("not_rejection", "moved_out")]
    assert rows(db, "SELECT count(*) FROM rejection_events") == [(0,)]
    assert run(config).exit_code == 0  # and it is not moved back, nor "corrected" back
    assert run(config).exit_code == 0
    assert rows(db, "SELECT label, origin FROM corrections") == [("not_rejection", "moved_out")]
    with dovecot.client(account) as client:
        client.select_folder("Job search/Rejections", readonly=True)
        assert client.search("ALL") == []


def test_scan_with_worker_processes_records_what_one_process_records(tmp_path, dovecot, monkeypatch):
    """Workers parse, classify and extract; the parent records and acts. The result must not depend on it."""
    import onward.sync.scan

    monkeypatch.setattr(onward.sync.scan, "PARALLEL_MIN_MESSAGES", 1)
    mail = [REJECTION, ACK, PERSONAL] + [
        message(f"Weekly notes {i}", "Minutes of the meeting are attached.", message_id=f"<n{i}@example.org>",
                sender="Chris <chris@example.org>")
        for i in range(20)]
    results = {}
    for jobs in (1, 2):
        account = dovecot.new_account()
        monkeypatch.setenv("ONWARD_TEST_PASSWORD_MAIN", account.password)
        db = tmp_path / f"jobs{jobs}.db"
        config = write_config(tmp_path / f"config{jobs}.toml", {"main": account}, database=db)
        with dovecot.client(account) as client:
            client.multiappend("INBOX", mail)
        result = run(config, "--jobs", str(jobs))
        assert result.exit_code == 0, result.output
        with dovecot.client(account) as client:
            tagged = sorted(uid for uid, f in flags_of(client).items() if b"$Rejection" in f)
        results[jobs] = (rows(db, "SELECT message_id, category, verdict, company FROM messages ORDER BY message_id"),
                         rows(db, "SELECT company, stage, reason, draft_status FROM rejection_events"), tagged)
    assert results[1] == results[2]
    assert len(results[2][0]) == len(mail) and results[2][1]


def test_rescan_without_changes_asks_status_and_never_selects(setup, monkeypatch):
    """SELECT costs the server time that grows with the folder; with nothing new and no flag changed
    since the last scan, STATUS alone says so."""
    from onward.mailbox.imap import ImapMailbox

    dovecot, account, config, db = setup
    with dovecot.client(account) as client:
        client.append("INBOX", REJECTION)
    assert run(config).exit_code == 0
    assert run(config).exit_code == 0  # reads back the keyword the first scan set
    selected = []
    original = ImapMailbox.select
    monkeypatch.setattr(ImapMailbox, "select", lambda self, folder, readonly=False: (
        selected.append(folder), original(self, folder, readonly))[1])
    assert run(config).exit_code == 0
    assert selected == []
    with dovecot.client(account) as client:
        client.append("INBOX", ACK)
    result = run(config, "--format", "jsonl")
    assert result.exit_code == 0 and selected == ["INBOX"]
    assert [json.loads(line)["category"] for line in result.output.splitlines()] == ["application_ack"]


def test_scan_goes_on_in_one_process_when_a_worker_dies(setup, monkeypatch):
    import os

    import onward.sync.scan

    dovecot, account, config, db = setup
    parent = os.getpid()

    def die_in_worker(*args, **kwargs):
        if os.getpid() != parent:
            os._exit(1)  # as if the OOM killer took it
        raise AssertionError("the parent reads through service.analyse, not this")

    monkeypatch.setattr(onward.sync.scan, "PARALLEL_MIN_MESSAGES", 1)
    monkeypatch.setattr(onward.sync.scan, "read_in_worker", die_in_worker)
    mail = [REJECTION, ACK] + [message(f"Notes {i}", "Minutes attached.", message_id=f"<d{i}@example.org>",
                                       sender="Chris <chris@example.org>") for i in range(150)]
    with dovecot.client(account) as client:
        client.multiappend("INBOX", mail)
    result = CliRunner().invoke(cli, ["--config", str(config), "scan", "--jobs", "2", "--format", "jsonl"])
    assert result.exit_code == 0, result.output
    assert rows(db, "SELECT count(*) FROM messages") == [(len(mail),)]
    assert rows(db, "SELECT count(*) FROM rejection_events") == [(1,)]


def test_a_server_refusing_the_drafts_does_not_stop_the_scan(setup, monkeypatch):
    from imapclient import IMAPClient
    from imapclient.exceptions import IMAPClientError

    def over_quota(self, folder, msgs):
        raise IMAPClientError("APPEND command error: NO [OVERQUOTA] Quota exceeded")

    monkeypatch.setattr(IMAPClient, "multiappend", over_quota)  # Dovecot here has no quota to fill
    dovecot, account, config, db = setup
    with dovecot.client(account) as client:
        client.append("INBOX", REJECTION)
        client.append("INBOX", ACK)
    result = run(config, "--format", "jsonl")
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.output.splitlines() if line.startswith("{")]
    rejection = next(r for r in records if r["verdict"] == "rejection")
    assert "cannot save drafts" in rejection["error"] and "tag $Rejection" in rejection["actions"]
    assert rows(db, "SELECT draft_status FROM rejection_events") == [("pending",)]
    assert rows(db, "SELECT count(*) FROM messages") == [(2,)]
