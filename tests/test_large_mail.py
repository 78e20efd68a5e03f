"""Large messages over IMAP (issue #13): a scan fetches the whole header and only the start of the
body, sized by `max_text_bytes`, and cuts batches by RFC822.SIZE, so memory does not follow the
attachments. What a scan reads is the same as before. Local files are read the same way."""

from __future__ import annotations

import base64
import json
import mailbox
import os
import sqlite3

import pytest
from click.testing import CliRunner

from helpers import ACK, write_config
from onward.classifier.model import load_model
from onward.classifier.retrain import load_imap_folders, parse_imap_spec
from onward.cli import cli
from onward.config import load_config
from onward.mailbox.imap import ImapMailbox
from onward.mailbox.local import open_local_source
from onward.sync.scan import ScanRequest, fetch_limit, plan_batches, scan_account

MAX_TEXT_BYTES = 64 * 1024
TEXT = ("Hi Sam,\r\n\r\nThank you for your interest in the Data Engineer position at Kestrel Bank and for the time "
        "you invested in applying.\r\n\r\nAfter careful review, we have decided to move forward with other "
        "candidates whose experience more closely matches our needs for this role.\r\n\r\nBest regards,\r\n"
        "Dana Ruiz\r\nTalent Acquisition, Kestrel Bank\r\ndana.ruiz@kestrelbank.example\r\n")


def header_of(message_id: str, filler_lines: int = 0) -> bytes:
    """The Message-ID comes last, after any filler: it must be read however long the header is."""
    filler = b"".join(f"X-Filler-{n}: {'v' * 40}\r\n".encode() for n in range(filler_lines))
    return (b"From: Kestrel Bank Hiring Team <no-reply@greenhouse.io>\r\nTo: Sam Rivera <sam@example.net>\r\n"
            b"Subject: Update on your application to Kestrel Bank\r\nDate: Mon, 3 Mar 2025 10:00:00 +0000\r\n"
            b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=cut\r\n" + filler
            + f"Message-ID: {message_id}\r\n\r\n".encode())


def large_rejection(message_id: str, attachment_bytes: int, filler_lines: int = 0) -> tuple[bytes, bytes]:
    """(the message, its header): a rejection with a CV attached, as job mail often has."""
    head = header_of(message_id, filler_lines)
    attachment = base64.encodebytes(bytes(range(256)) * (attachment_bytes // 256)).replace(b"\n", b"\r\n")
    body = (b"--cut\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + TEXT.encode() + b"\r\n--cut\r\n"
            b"Content-Type: application/pdf\r\nContent-Disposition: attachment; filename=cv.pdf\r\n"
            b"Content-Transfer-Encoding: base64\r\n\r\n" + attachment + b"\r\n--cut--\r\n")
    return head + body, head


def test_batches_are_cut_by_count_and_by_bytes():
    uids = list(range(1, 12))
    sizes = {1: 10, 2: 10, 3: 500, 4: 10, 5: 90, 6: 5000, 7: 10, 8: 10, 9: 10, 10: 10, 11: 10}
    batches = list(plan_batches(uids, sizes, max_messages=4, max_bytes=100, limit=1000))
    assert [uid for batch in batches for uid in batch] == uids  # all of them, in order
    # a message counts up to what is fetched of it (1000 here); one larger than a batch is alone
    assert batches == [[1, 2], [3], [4, 5], [6], [7, 8, 9, 10], [11]]


def test_a_large_message_is_read_from_its_whole_header_and_the_start_of_its_body(tmp_path, dovecot, imap_account,
                                                                                    monkeypatch):
    big, big_header = large_rejection("<big@kestrelbank.example>", 2 * 1024 * 1024, filler_lines=3000)
    assert len(big_header) > fetch_limit(MAX_TEXT_BYTES)  # a header longer than what is fetched of the body
    with dovecot.client(imap_account) as client:
        client.multiappend("INBOX", [big, ACK])
    monkeypatch.setenv("ONWARD_TEST_PASSWORD_MAIN", imap_account.password)
    path = write_config(tmp_path / "config.toml", {"main": imap_account}, database=tmp_path / "onward.db",
                        extra=f"max_text_bytes = {MAX_TEXT_BYTES}\ndraft_max_age_days = 0")  # the mail is dated 2025
    config = load_config(path, env=dict(os.environ))

    with ImapMailbox(config.account("main")).connect() as mailbox:
        mailbox.select("INBOX", readonly=True)
        uids = mailbox.new_uids(0, None)
        sizes = mailbox.sizes(uids)
        (large, _), (small, _) = mailbox.fetch(uids, "INBOX", sizes, fetch_limit(MAX_TEXT_BYTES))
    assert large.size == sizes[uids[0]] == len(big)
    assert large.raw.startswith(big_header) and len(large.raw) == len(big_header) + fetch_limit(MAX_TEXT_BYTES)
    assert small.size is None and small.raw == ACK

    result = CliRunner().invoke(cli, ["--config", str(path), "scan", "--all", "--format", "jsonl"])
    assert result.exit_code == 0, result.output
    outcomes = {o["message_id"]: o for o in map(json.loads, result.output.splitlines())}
    read = outcomes["<big@kestrelbank.example>"]
    assert (read["status"], read["verdict"], read["company"]) == ("new", "rejection", "Kestrel Bank")
    assert read["draft"] == "drafted" and read["draft_to"] == "dana.ruiz@kestrelbank.example"
    with sqlite3.connect(tmp_path / "onward.db") as conn:
        (error,) = conn.execute("SELECT error FROM messages WHERE message_id = '<big@kestrelbank.example>'").fetchone()
    assert f"only {len(large.raw)} of its {len(big)} bytes read: the whole header and the start of the body" in error
    with dovecot.client(imap_account) as client:
        client.select_folder("INBOX", readonly=True)
        assert client.search(["SEEN"]) == []


def test_a_folder_of_large_messages_is_scanned_in_batches_cut_by_size(tmp_path, dovecot, imap_account, monkeypatch):
    raws = [large_rejection(f"<big{i}@kestrelbank.example>", 512 * 1024)[0] for i in range(5)]
    with dovecot.client(imap_account) as client:
        client.multiappend("INBOX", [*raws[:3], ACK, *raws[3:]])
    monkeypatch.setenv("ONWARD_TEST_PASSWORD_MAIN", imap_account.password)
    path = write_config(tmp_path / "config.toml", {"main": imap_account}, database=tmp_path / "onward.db",
                        extra=f"max_text_bytes = {MAX_TEXT_BYTES}\ndraft_max_age_days = 0")  # the mail is dated 2025
    config = load_config(path, env=dict(os.environ))
    # two messages' worth of fetched bytes per batch: four batches of this folder
    request = ScanRequest(scan_all=True, batch_bytes=2 * fetch_limit(MAX_TEXT_BYTES) + 1)
    summary = scan_account(config, load_model(), config.account("main"), request)
    assert (summary.scanned, summary.rejections, summary.drafts, summary.failed) == (6, 5, 5, 0)
    with sqlite3.connect(tmp_path / "onward.db") as conn:
        assert conn.execute("SELECT last_uid FROM folder_state").fetchall() == [(6,)]


def write_local(root, kind, raws):
    if kind == "eml":
        (root / "emls").mkdir()
        for i, raw in enumerate(raws):
            (root / "emls" / f"{i}.eml").write_bytes(raw)
        return root / "emls"
    box = mailbox.mbox(root / "box.mbox") if kind == "mbox" else mailbox.Maildir(root / "Maildir", create=True)
    for raw in raws:
        box.add(raw)
    box.close()
    return root / ("box.mbox" if kind == "mbox" else "Maildir")


@pytest.mark.parametrize("kind", ["eml", "mbox", "maildir"])
def test_a_large_local_message_is_read_as_imap_reads_it(tmp_path, kind):
    big, big_header = large_rejection("<big@kestrelbank.example>", 2 * 1024 * 1024, filler_lines=100)
    path = write_local(tmp_path, kind, [big, ACK])
    limit = fetch_limit(MAX_TEXT_BYTES)
    whole = sorted(open_local_source(path), key=lambda m: len(m.raw))
    capped = sorted(open_local_source(path, limit), key=lambda m: len(m.raw))
    assert [m.key for m in capped] == [m.key for m in whole]
    (small, large), (small_whole, large_whole) = capped, whole
    assert small.size is None and small.raw == small_whole.raw
    assert large.size == len(large_whole.raw) >= len(big)
    assert large.raw == large_whole.raw[:len(big_header) + limit] and large.raw.startswith(big_header)


def test_a_header_without_end_is_cut_at_the_limit(tmp_path):
    (tmp_path / "no-body.eml").write_bytes(b"X-Filler: " + b"v" * 100_000)
    (read,) = open_local_source(tmp_path / "no-body.eml", 1000)
    assert (len(read.raw), read.size) == (1000, 100_010)


def test_a_local_scan_reads_a_large_message_in_part(tmp_path):
    big, _ = large_rejection("<big@kestrelbank.example>", 2 * 1024 * 1024)
    path = write_local(tmp_path, "eml", [big, ACK])
    config = write_config(tmp_path / "config.toml", {}, database=tmp_path / "onward.db",
                          extra=f"max_text_bytes = {MAX_TEXT_BYTES}\ndraft_max_age_days = 0")
    result = CliRunner().invoke(cli, ["--config", str(config), "scan", str(path), "--format", "jsonl",
                                      "--drafts-dir", str(tmp_path / "drafts")])
    assert result.exit_code == 0, result.output
    outcomes = {o["message_id"]: o for o in map(json.loads, result.output.splitlines())}
    read = outcomes["<big@kestrelbank.example>"]
    assert (read["status"], read["verdict"], read["company"], read["draft"]) == ("new", "rejection", "Kestrel Bank",
                                                                                 "drafted")
    with sqlite3.connect(tmp_path / "onward.db") as conn:
        (error,) = conn.execute("SELECT error FROM messages WHERE message_id = '<big@kestrelbank.example>'").fetchone()
    assert f"of its {len(big)} bytes read: the whole header and the start of the body" in error


def test_training_from_imap_reads_a_large_message_as_a_scan_does(tmp_path, dovecot, imap_account, monkeypatch):
    big, big_header = large_rejection("<big@kestrelbank.example>", 2 * 1024 * 1024)
    with dovecot.client(imap_account) as client:
        client.create_folder("Rejected")
        client.multiappend("Rejected", [big, ACK])
    monkeypatch.setenv("ONWARD_TEST_PASSWORD_MAIN", imap_account.password)
    path = write_config(tmp_path / "config.toml", {"main": imap_account}, database=tmp_path / "onward.db",
                        extra=f"max_text_bytes = {MAX_TEXT_BYTES}")
    config = load_config(path, env=dict(os.environ))
    large, small = load_imap_folders(config, [parse_imap_spec("main:Rejected=rejection")])
    assert large.raw.startswith(big_header) and len(large.raw) == len(big_header) + fetch_limit(MAX_TEXT_BYTES)
    assert small.raw == ACK
