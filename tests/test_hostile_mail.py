"""Malformed and hostile mail: 200+ broken messages we generate here. None may crash a scan;
each is recorded with its reason; a message without Message-ID always gets the same id."""

from __future__ import annotations

import base64
import csv
import email
import email.policy
import io
import json
import os
import random
import re
import sqlite3
import threading
from dataclasses import replace

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import PATIENCE, wait_for
from onward.cli import cli
from onward.mail.parse import parse_message

GOOD_HEAD = b"From: Acme <jobs@acme.example>\r\nSubject: Your application\r\nDate: Mon, 3 Mar 2025 10:00:00 +0000\r\n"
TEXT = "Unfortunately we have decided not to move forward with your application. Best of luck."


def broken_messages() -> list[tuple[str, bytes]]:
    rng = random.Random(13)
    out: list[tuple[str, bytes]] = []
    b64 = base64.b64encode(TEXT.encode())
    for i in range(25):
        cut = rng.randrange(1, len(b64))
        out.append(("truncated base64", GOOD_HEAD + f"Message-ID: <tb{i}@x>\r\n".encode()
                    + b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
                    + b64[:cut]))
        out.append(("truncated quoted-printable", GOOD_HEAD + f"Message-ID: <tq{i}@x>\r\n".encode()
                    + b"Content-Transfer-Encoding: quoted-printable\r\n\r\nUnfortunately =C3=" + b"=" * (i % 3)))
    for i, charset in enumerate(["x-unknown", "utf-7", "iso-2022-jp", "klingon", "utf-8", "latin-1", "",
                                 "us-ascii"] * 3):
        out.append(("wrong charset", GOOD_HEAD
                    + f"Message-ID: <cs{i}@x>\r\nContent-Type: text/plain; charset={charset}\r\n\r\n".encode()
                    + "Leider müssen wir absagen – désolé".encode() + bytes([0xff, 0xfe, 0x80 + i])))
    for i in range(20):
        out.append(("no headers", f"just a body line {i} with no headers at all\r\nUnfortunately no.\r\n".encode()))
    for i in range(20):
        out.append(("NUL bytes", GOOD_HEAD + f"Message-ID: <nul{i}@x>\r\n\r\n".encode()
                    + b"Unfor\x00tunately\x00" * (i + 1)))
    for i in range(20):
        out.append(("non-UTF-8 headers", b"From: \xe9\xe8 <a@b.example>\r\nSubject: R\xe9ponse \xff\xfe\r\n"
                    + f"Message-ID: <h{i}@x>\r\n\r\n".encode() + TEXT.encode()))
    for i in range(20):
        out.append(("missing Message-ID", GOOD_HEAD + f"\r\nmessage {i}: {TEXT}".encode()))
    for i in range(10):
        out.append(("duplicated Message-ID", GOOD_HEAD + b"Message-ID: <dup@x>\r\nMessage-ID: <dup2@x>\r\n\r\n"
                    + f"copy {i}: {TEXT}".encode()))
    for i in range(10):
        boundary = f"b{i}".encode()
        out.append(("multipart without end", GOOD_HEAD + f"Message-ID: <mp{i}@x>\r\n".encode()
                    + b"Content-Type: multipart/mixed; boundary=" + boundary + b"\r\n\r\n--" + boundary
                    + b"\r\nContent-Type: text/html\r\n\r\n<p>" + TEXT.encode() * (i + 1)))
    for _ in range(25):
        junk = bytes(rng.randrange(256) for _ in range(rng.randrange(10, 3000)))
        out.append(("random bytes", junk))
    headers = b"".join(f"X-Filler-{n}: {'v' * 40}\r\n".encode() for n in range(10_000))
    out.append(("10,000 header lines", GOOD_HEAD + b"Message-ID: <many@x>\r\n" + headers + b"\r\n" + TEXT.encode()))
    body = b"Content-Type: text/plain\r\n\r\n" + TEXT.encode()
    for depth in range(100):
        bnd = f"n{depth}".encode()
        body = (b"Content-Type: multipart/mixed; boundary=" + bnd + b"\r\n\r\n--" + bnd + b"\r\n" + body
                + b"\r\n--" + bnd + b"--\r\n")
    out.append(("multipart nested 100 deep", GOOD_HEAD + b"Message-ID: <deep@x>\r\n" + body))
    attachment = base64.encodebytes(b"\x89PNG" + bytes(20 * 1024 * 1024))
    out.append(("20 MB attachment", GOOD_HEAD + b"Message-ID: <big@x>\r\n"
                b"Content-Type: multipart/mixed; boundary=z\r\n\r\n"
                b"--z\r\nContent-Type: text/plain\r\n\r\n" + TEXT.encode() + b"\r\n--z\r\nContent-Type: image/png\r\n"
                b"Content-Disposition: attachment; filename=x.png\r\nContent-Transfer-Encoding: base64\r\n\r\n"
                + attachment + b"\r\n--z--\r\n"))
    out.append(("huge single-line HTML", GOOD_HEAD + b"Message-ID: <wide@x>\r\nContent-Type: text/html\r\n\r\n"
                + b"<div>" + (TEXT.encode() + b" <b>x</b> ") * 40_000 + b"</div>"))
    return out


def test_scan_records_every_broken_message_and_goes_on(tmp_path):
    messages = broken_messages()
    assert len(messages) >= 200
    folder = tmp_path / "hostile"
    folder.mkdir()
    for i, (_, raw) in enumerate(messages):
        (folder / f"{i:04d}.eml").write_bytes(raw)
    (folder / "zz-last-good.eml").write_bytes(GOOD_HEAD + b"Message-ID: <last@x>\r\n\r\n" + TEXT.encode())
    db = tmp_path / "db.sqlite"
    result = CliRunner().invoke(cli, ["--database", str(db), "scan", "--format", "jsonl", "--drafts-dir",
                                      str(tmp_path / "drafts"), str(folder)])
    assert result.exit_code == 0, result.output[-2000:]
    outcomes = [json.loads(line) for line in result.output.splitlines()]
    assert len(outcomes) == len(messages) + 1
    assert outcomes[-1]["status"] == "new" and outcomes[-1]["message_id"] == "<last@x>"
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT status, error FROM messages").fetchall()
        synthetic = conn.execute(
            "SELECT count(*) FROM messages WHERE message_id LIKE '%@onward.invalid>'").fetchone()[0]
    # duplicates of one Message-ID are one message; everything else is a row with its reason
    assert len(rows) == len(messages) + 1 - 9
    # each is either classified with its defects noted, or recorded as malformed with the reason
    assert all(r[0] in ("classified", "malformed") for r in rows)
    assert all(r[1] for r in rows if r[0] == "malformed")
    assert sum(1 for r in rows if r[1]) >= 150
    assert synthetic >= 40  # no headers and missing Message-ID: each got a stable synthetic id
    assert any("truncated" in (r[1] or "") or "text part" in (r[1] or "") for r in rows)


def test_synthetic_ids_are_stable_across_runs(tmp_path):
    raw = GOOD_HEAD + b"\r\nno id here " + TEXT.encode()
    assert parse_message(raw).message_id == parse_message(bytes(raw)).message_id
    folder = tmp_path / "m"
    folder.mkdir()
    (folder / "a.eml").write_bytes(raw)
    db = tmp_path / "db"
    runner = CliRunner()
    first = runner.invoke(cli, ["--database", str(db), "scan", "--format", "jsonl", str(folder)])
    second = runner.invoke(cli, ["--database", str(db), "scan", "--format", "jsonl", str(folder)])
    a, b = json.loads(first.output), json.loads(second.output)
    assert a["message_id"] == b["message_id"] and b["status"] == "known"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(
    st.binary(max_size=200),
    st.sampled_from([b"\r\n", b"\r\n\r\n", b"Content-Type: multipart/alternative; boundary=q\r\n", b"--q\r\n",
                     b"Content-Transfer-Encoding: base64\r\n", b"=?utf-8?b?w6k=?=", b"<html><body>", b"</p>",
                     b"From: x@y\r\n", b"Message-ID: <p@q>\r\n", b"Content-Type: text/html; charset=bogus\r\n"]),
), max_size=30))
def test_property_any_bytes_classify_without_crashing(parts):
    from onward.classifier.model import load_model

    if "m" not in _model_cache:
        _model_cache["m"] = load_model()
    model = _model_cache["m"]
    message = parse_message(b"".join(parts))
    prediction = model.predict([message])[0]
    assert prediction.verdict in ("rejection", "unsure", "not_rejection")


_model_cache: dict = {}


def test_a_message_that_fails_while_recorded_is_reported_and_the_rest_of_its_batch_is_kept(tmp_path, monkeypatch):
    """A batch is first recorded without savepoints; when one message fails, the batch is recorded
    again message by message, so only that one is lost to the failure."""
    import onward.pipeline.record

    folder = tmp_path / "m"
    folder.mkdir()
    for i in range(5):
        (folder / f"{i}.eml").write_bytes(GOOD_HEAD + f"Message-ID: <m{i}@x>\r\n\r\n{TEXT} Ref {i}.".encode())
    original = onward.pipeline.record.Recorder._message_values

    def fail_on_m2(self, message, *args):
        if message.message_id == "<m2@x>":
            raise ValueError("simulated failure")
        return original(self, message, *args)

    monkeypatch.setattr(onward.pipeline.record.Recorder, "_message_values", fail_on_m2)
    db = tmp_path / "db.sqlite"
    result = CliRunner().invoke(cli, ["--database", str(db), "scan", "--format", "jsonl", "--no-drafts", str(folder)])
    assert result.exit_code == 0, result.output
    outcomes = {r["message_id"]: r for r in map(json.loads, (line for line in result.output.splitlines()
                                                              if line.startswith("{")))}
    failed = outcomes["<m2@x>"]
    assert (failed["status"], failed["failed_at"], failed["error_class"]) == ("failed", "record", "ValueError")
    assert "simulated failure" in failed["error"]
    assert all(outcomes[f"<m{i}@x>"]["status"] == "new" for i in (0, 1, 3, 4))
    with sqlite3.connect(db) as conn:
        statuses = dict(conn.execute("SELECT message_id, status FROM messages"))
        failures = conn.execute("SELECT message_id, step, error_class FROM failures").fetchall()
    assert statuses == {"<m0@x>": "classified", "<m1@x>": "classified", "<m2@x>": "failed", "<m3@x>": "classified",
                        "<m4@x>": "classified"}
    assert failures == [("<m2@x>", "record", "ValueError")]
    # a rerun knows the failed message: it is neither tried nor reported again
    again = CliRunner().invoke(cli, ["--database", str(db), "scan", "--format", "jsonl", "--no-drafts", str(folder)])
    assert again.exit_code == 0, again.output
    assert {json.loads(line)["status"] for line in again.output.splitlines() if line.startswith("{")} == {"known"}


# ---- hostile drafts: a draft carries no recipient or header the original did not visibly show ----

DRAFT_HEADERS = {"from", "to", "subject", "date", "message-id", "in-reply-to", "references", "x-onward-draft",
                 "content-type", "content-transfer-encoding", "mime-version"}
# what must never reach a terminal or a header value raw: C0 but line ends and tabs, DEL, C1, bidi controls
TERMINAL_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]")
REJECTION_TEXT = ("Hi Sam,\r\n\r\nThank you for your interest in the Data Engineer role and for the time you invested "
                  "in applying.\r\n\r\nAfter careful review, we have decided to move forward with other candidates "
                  "whose experience more closely matches our needs for this role.\r\n\r\n"
                  "Best regards,\r\nDana Ruiz\r\n")


def q_word(text: str) -> str:
    return "=?utf-8?q?" + "".join(c if c.isalnum() and c.isascii() else f"={b:02X}"
                                  for c in text for b in c.encode()) + "?="


def b_word(text: str) -> str:
    return "=?utf-8?b?" + base64.b64encode(text.encode()).decode() + "?="


def hostile_drafting_messages() -> list[tuple[str, bytes]]:
    """Rejections whose headers try to get a recipient, a header or control characters into the
    draft or onto the terminal, or to make drafting slow."""
    injected = "hi\r\nBcc: evil@attacker.example"
    cases: list[tuple[str, dict[str, str]]] = [
        ("reply-to local part hides CR LF Bcc",
         {"Reply-To": "=?utf-8?q?x=0d=0abcc=3a_evil=40attacker.example?=@victim.example"}),
        ("reply-to local part is broken base64", {"Reply-To": "=?utf-8?b?!!!?=@evil.example"}),
        ("reply-to local part hides a comma",
         {"Reply-To": "=?utf-8?q?evil=40attacker.example=2C_x?=@quayside.example"}),
        ("reply-to display name hides an address",
         {"Reply-To": f"{q_word('evil@attacker.example,')} <dana@quayside.example>"}),
        ("reply-to quoted local part with ESC and BEL", {"Reply-To": '"dana\x1b]0;owned\x07"@quayside.example'}),
        ("reply-to with 8-bit local part", {"Reply-To": "dänä@quayside.example"}),
        ("subject decodes to an encoded word with CR LF", {"Subject": b_word(q_word(injected))}),
        ("subject with an encoded word glued to text", {"Subject": "x" + q_word(injected)}),
        ("subject with control and bidi characters",
         {"Subject": b_word("Your application\x1b]0;owned\x07 \u202eevil\u202c \x85\x9b31m")}),
        ("subject of 300 KB", {"Subject": "Unfortunately we will not move forward with your application " * 5000}),
        ("message-id decodes to an encoded word",
         {"Message-ID": b_word("<" + q_word(injected).replace("_", "") + "@x>")}),
        ("message-id of 5,000 characters", {"Message-ID": "<" + "a" * 5000 + "@quayside.example>"}),
        ("references hide a header",
         {"References": b_word("<" + q_word(injected).replace("_", "") + "@x>") + " <ok@quayside.example>"}),
        ("10,000 references", {"References": " ".join(f"<r{i}@quayside.example>" for i in range(10_000))}),
        ("from display name with C1 and bidi",
         {"From": b_word("Dana \u202eziuR\u202c\x9b31m") + " <dana@quayside.example>"}),
        ("display name is a spreadsheet formula", {"From": "=cmd|' /C calc'!A0 Recruiting <jobs@calc.example>"}),
        ("company with an exclamation mark", {"From": "Yahoo! Japan Recruiting <jobs@yahoo.example>"}),
    ]
    out = []
    for i, (name, overrides) in enumerate(cases):
        headers = {"From": "Dana Ruiz <dana@quayside.example>", "Subject": "Your application",
                   "Date": "Mon, 3 Mar 2025 10:00:00 +0000", "Message-ID": f"<hostile-{i}@quayside.example>",
                   **overrides}
        head = "".join(f"{key}: {value}\r\n" for key, value in headers.items())
        out.append((name, (head + "\r\n" + REJECTION_TEXT).encode()))
    return out


def visible_addresses(original: bytes) -> set[str]:
    """The addresses a mail client shows in the original's From and Reply-To."""
    msg = email.message_from_bytes(original, policy=email.policy.default)
    shown = set()
    for name in ("From", "Reply-To"):
        try:
            header = msg[name]
            shown |= {a.addr_spec.lower() for a in header.addresses} if header is not None else set()
        except Exception:  # a header a mail client cannot read shows no address
            continue
    return shown


def checked_draft_headers(draft: bytes) -> email.message.EmailMessage:
    """The draft read back as a mail client reads it, after checking that its header block holds
    only the headers onward writes, each once, each one line of printable text."""
    head = draft.split(b"\r\n\r\n", 1)[0]
    assert head.isascii()
    assert head.count(b"\r") == head.count(b"\n") == head.count(b"\r\n")  # no lone CR or LF
    names = [line.split(b":", 1)[0].decode().lower() for line in head.split(b"\r\n") if line[:1] not in (b" ", b"\t")]
    assert set(names) <= DRAFT_HEADERS and len(names) == len(set(names)), names
    parsed = email.message_from_bytes(draft, policy=email.policy.default)
    for name, value in parsed.items():
        assert not TERMINAL_CONTROL.search(str(value)) and "\n" not in str(value), (name, value)
    return parsed


def assert_draft_shows_only_what_the_original_showed(draft: bytes, original: bytes) -> None:
    parsed = checked_draft_headers(draft)
    recipients = parsed["To"].addresses if parsed["To"] is not None else ()
    assert len(recipients) <= 1
    assert {r.addr_spec.lower() for r in recipients} <= visible_addresses(original)
    assert len(parsed["Subject"]) <= 210
    for name in ("In-Reply-To", "References"):
        for msg_id in (parsed[name] or "").split():
            assert re.fullmatch(r"<[!-;=?-~]+>", msg_id) and msg_id.encode() in original, (name, msg_id)


def drafts_by_original(drafts: list[bytes], originals: list[bytes]) -> dict[bytes, bytes]:
    """Each draft paired with the rejection it answers, found through the draft's own Message-ID."""
    from onward.drafts.compose import draft_message_id

    paired = {}
    for draft in drafts:
        parsed = email.message_from_bytes(draft, policy=email.policy.default)
        sender = parsed["From"].addresses[0].addr_spec
        matches = [raw for raw in originals
                   if draft_message_id(parse_message(raw).message_id, sender) == parsed["Message-ID"]]
        assert len(matches) == 1
        paired[draft] = matches[0]
    return paired


def test_draft_command_on_hostile_mail_prints_a_draft_with_only_checked_headers(tmp_path):
    for name, raw in hostile_drafting_messages():
        eml = tmp_path / "m.eml"
        eml.write_bytes(raw)
        result = CliRunner().invoke(cli, ["draft", str(eml)])
        assert result.exit_code == 0, (name, result.output[-500:])
        assert not TERMINAL_CONTROL.search(result.output), name
        printed = [line for line in result.output.splitlines() if line.startswith(("To:", "Cc:", "Bcc:"))]
        shown = visible_addresses(raw)
        assert all(line.startswith("To: ") and line[4:].lower() in shown for line in printed), (name, printed)
    # the From is the user's own, but it is checked like the rest
    result = CliRunner().invoke(cli, ["draft", "--from", "me@example.net\r\nBcc: x@example.org", str(eml)])
    assert (result.exit_code == 1 and result.output.startswith("onward: error: ")
            and len(result.output.splitlines()) == 1)


def test_local_scan_of_hostile_mail_writes_only_checked_drafts_and_private_files(tmp_path):
    messages = [raw for _, raw in hostile_drafting_messages()]
    folder = tmp_path / "hostile"
    folder.mkdir()
    for i, raw in enumerate(messages):
        (folder / f"{i:02d}.eml").write_bytes(raw)
    db, drafts_dir = tmp_path / "db.sqlite", tmp_path / "drafts"
    old_umask = os.umask(0o002)  # a umask that would leave new files readable by others
    try:
        result = CliRunner().invoke(cli, ["--database", str(db), "scan", "--format", "jsonl", "--draft-max-age-days",
                                          "0", "--drafts-dir", str(drafts_dir), str(folder)])
    finally:
        os.umask(old_umask)
    assert result.exit_code == 0, result.output[-2000:]
    outcomes = [json.loads(line) for line in result.output.splitlines()]
    assert len(outcomes) == len(messages)
    assert all(o["verdict"] == "rejection" and o["draft"] in ("drafted", "no_recipient") for o in outcomes), outcomes
    written = sorted(drafts_dir.glob("*.eml"))
    assert len(written) == len(messages)
    for draft, original in drafts_by_original([p.read_bytes() for p in written], messages).items():
        assert_draft_shows_only_what_the_original_showed(draft, original)
    assert {p.stat().st_mode & 0o777 for p in [db, *written]} == {0o600}
    # the one recipient onward keeps is the plain address of the person who signed; shared
    # "jobs@" mailboxes the text does not invite replies to get no recipient
    assert sorted({o["draft_to"] for o in outcomes if o["draft_to"]}) == ["dana@quayside.example"]

    report = CliRunner().invoke(cli, ["--database", str(db), "report", "--format", "csv"])
    assert report.exit_code == 0, report.output
    cells = [cell for row in csv.reader(io.StringIO(report.output)) for cell in row]
    assert not [cell for cell in cells if cell.startswith(("=", "+", "-", "@", "\t", "\r"))]


def test_csv_cells_that_a_spreadsheet_would_run_are_quoted(tmp_path):
    """Companies come from mail; vetting refuses most formula-like names, the CSV quotes the rest."""
    from onward.report.build import build_report, to_csv
    from onward.store import Store

    store = Store(tmp_path / "db.sqlite")
    report = build_report(store)
    report["rejections_by_company"] = {"=cmd|' /C calc'!A0": 1, "+1 Labs": 2, "@home": 1, "-dash": 1, "Acme": 3}
    cells = [cell for row in csv.reader(io.StringIO(to_csv(report))) for cell in row]
    assert {"'=cmd|' /C calc'!A0", "'+1 Labs", "'@home", "'-dash", "Acme"} <= set(cells)
    assert not [cell for cell in cells if cell.startswith(("=", "+", "-", "@", "\t", "\r"))]


def test_scan_over_imap_of_hostile_mail_saves_only_checked_drafts(tmp_path, dovecot, imap_account, monkeypatch):
    from helpers import write_config

    monkeypatch.setenv("ONWARD_TEST_PASSWORD_MAIN", imap_account.password)
    config = write_config(tmp_path / "config.toml", {"main": imap_account}, database=tmp_path / "db.sqlite",
                          extra="draft_max_age_days = 0")  # the hostile mail is dated 2025
    messages = [raw for _, raw in hostile_drafting_messages()]
    with dovecot.client(imap_account) as client:
        for raw in messages:
            client.append("INBOX", raw)
    result = CliRunner().invoke(cli, ["--config", str(config), "scan", "--all"])
    assert result.exit_code == 0, result.output[-2000:]
    assert f"{len(messages)} drafts saved" in result.output
    assert not TERMINAL_CONTROL.search(result.output)
    with dovecot.client(imap_account) as client:
        client.select_folder("Drafts", readonly=True)
        drafts = [data[b"BODY[]"] for data in client.fetch(client.search("ALL"), ["BODY.PEEK[]"]).values()]
    assert len(drafts) == len(messages)
    for draft, original in drafts_by_original(drafts, messages).items():
        assert_draft_shows_only_what_the_original_showed(draft, original)


def test_parse_classify_and_scan_escape_control_characters_from_mail(tmp_path):
    folder = tmp_path / "m"
    folder.mkdir()
    for i, (_, raw) in enumerate(hostile_drafting_messages()):
        (folder / f"{i:02d}.eml").write_bytes(raw)
    runner = CliRunner()
    for args in (["parse"], ["classify"], ["scan", "--dry-run"]):
        result = runner.invoke(cli, ["--database", str(tmp_path / "db"), *args, str(folder)])
        assert result.exit_code == 0, result.output[-1000:]
        assert not TERMINAL_CONTROL.search(result.output), args
    assert "\\u202e" in runner.invoke(cli, ["parse", str(folder)]).output  # shown, as an escape
    # jsonl escapes them too, and still reads back as the values onward saw
    lines = runner.invoke(cli, ["parse", "--format", "jsonl", str(folder)]).output.splitlines()
    assert not any(TERMINAL_CONTROL.search(line) for line in lines)
    records = [json.loads(line) for line in lines]
    assert any("\u202e" in r["from"][0] for r in records)
    assert any(r["reply_to"] and "\x1b" in r["reply_to"][0][1] for r in records)


def test_compose_yields_a_draft_for_inserted_exclamation_marks_but_not_for_a_templates_own():
    from onward.drafts.compose import ToneError, check_tone

    body = "Hello,\n\n" + "Thank you for the update and for your time on this process at Yahoo! Japan. " * 5
    check_tone(body, "t.txt", inserted=("Yahoo! Japan",))
    with pytest.raises(ToneError, match="exclamation"):
        check_tone(body + " Thanks a lot!", "t.txt", inserted=("Yahoo! Japan",))


_HOSTILE_BITS = st.sampled_from(["=?utf-8?q?", "=?utf-8?b?", "?=", "=0d=0a", "=2C", "=40", "\r\n", "\n", ",", "@",
                                 "<", ">", '"', "Bcc: e@vil.example", "\x1b", "\x07", "\u202e", "\x85", " ", "x",
                                 "dana@quayside.example"])
_hostile_text = st.lists(st.one_of(_HOSTILE_BITS, st.text(max_size=4)), max_size=10).map("".join)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(reply_to=_hostile_text, subject=_hostile_text, message_id=_hostile_text,
       references=st.lists(_hostile_text, max_size=4))
def test_property_compose_never_raises_and_writes_only_checked_headers(reply_to, subject, message_id, references):
    from onward.drafts.compose import compose
    from onward.facts.extract import extract
    from onward.facts.model import Field

    if "m" not in _compose_cache:
        base = parse_message(GOOD_HEAD + b"Message-ID: <base@acme.example>\r\n\r\n" + REJECTION_TEXT.encode())
        _compose_cache["m"] = (base, extract(base))
    base, facts = _compose_cache["m"]
    message = replace(base, subject=subject, message_id=message_id or base.message_id, references=tuple(references))
    draft = compose(message, replace(facts, reply_to=Field(reply_to, 0.95)), "sam@example.net")
    parsed = checked_draft_headers(draft.as_bytes())
    if parsed["To"] is not None:  # only ever the one address, exactly as the mail gave it
        assert [a.addr_spec for a in parsed["To"].addresses] == [reply_to] and draft.to == reply_to
    for msg_id in (parsed["In-Reply-To"] or "").split() + (parsed["References"] or "").split():
        assert msg_id in (message.message_id, *message.references)


_compose_cache: dict = {}


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(local=st.text(alphabet="-_.+xé", min_size=1, max_size=8),
       labels=st.lists(st.text(alphabet="-_x1é", max_size=5), min_size=1, max_size=3),
       suffix=st.sampled_from(["", ".com", ".co.uk", ".ma.us", ".myworkday.com", ".icims.com", ".jobs.personio.de"]))
def test_property_facts_never_raise_on_an_odd_sender_address(local, labels, suffix):
    """A domain or an ATS account of punctuation only ("x@-.com", "---+x@talent.icims.com") spells no name."""
    from onward.drafts.vetting import vet
    from onward.facts.extract import extract

    raw = (f"From: Acme <{local}@{'.'.join(labels)}{suffix}>\r\nTo: sam@example.net\r\n"
           "Subject: Your application to Acme\r\n\r\nThank you for your interest in Acme Labs. We will not "
           "proceed.\r\n").encode()
    message = parse_message(raw)
    assert vet(message, extract(message)).company in (None, "Acme Labs", "Acme")


def adversarial_texts() -> dict[str, str]:
    """100 KB inputs built to make a backtracking regex go quadratic: long runs of what a pattern's
    repeated part accepts, with the one thing that would end a match missing."""
    size = 100_000
    return {
        "blank lines": TEXT + "\n" * size,
        "spaces and newlines": TEXT + " \n" * (size // 2),
        "word characters": "a" * size,
        "capitalised run": "A" * size,
        "capitalised words": "Acme " * (size // 5),
        "address-like": "a." * (size // 2),
        "at signs": "a@" * (size // 2),
        "sign-off lines": "Best regards,\n" * (size // 14),
        "from lines": "---------- Forwarded message ---------\n" + "From: " * (size // 6),
        "role words": "for the position of " + "Engineer " * (size // 9),
        "interviews": "thank you " + "for the interview " * (size // 18),
        "subject-like": "application at " * (size // 15),
    }


def hostile_extractors() -> dict:
    """Every function that reads mail text for facts (scripts/bench.py times them too)."""
    from onward.drafts.vetting import vet
    from onward.facts.company import extract_company
    from onward.facts.extract import extract
    from onward.facts.language import detect_language
    from onward.facts.people import extract_signer, reply_address
    from onward.facts.role import extract_role
    from onward.facts.rules import extract_reason, extract_stage

    return {
        "company": extract_company, "role": extract_role, "signer": extract_signer, "stage": extract_stage,
        "reason": extract_reason, "language": detect_language, "recipient": reply_address,
        "vetted_facts": lambda m: vet(m, extract(m)),
    }


def test_every_extractor_is_linear_on_adversarial_mail():
    """Each extractor on 100 KB of hostile text, in the body, the signature and the subject, ends
    within the suite's patience: a backtracking pattern took minutes on 40 KB here, a linear one takes
    milliseconds (`scripts/bench.py --extract-only` prints those figures; this test times nothing)."""
    from dataclasses import replace
    from email.message import EmailMessage

    extractors = hostile_extractors()
    msg = EmailMessage()
    msg["From"] = "Acme Recruiting <jobs@acme.example>"
    msg["Subject"] = "Your application"
    msg.set_content(TEXT)
    base = parse_message(msg.as_bytes())
    done: list[str] = []
    running = ["not started"]

    def run_all() -> None:
        for name, text in adversarial_texts().items():
            # the text as a hostile parser result could hold it: in the body, the signature and the headers
            parsed = replace(base, text=text, signature=text, subject=text, from_=(text, "jobs@acme.example"))
            for extractor_name, extractor in extractors.items():
                running[0] = f"{extractor_name} on {name}"
                extractor(parsed)
                done.append(running[0])

    worker = threading.Thread(target=run_all, daemon=True)  # a hung regex cannot be interrupted: left behind
    worker.start()
    assert wait_for(lambda: not worker.is_alive()), f"still running after {PATIENCE:.0f} s: {running[0]}"
    assert len(done) == len(adversarial_texts()) * len(extractors)
