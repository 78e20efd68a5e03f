"""Malformed and hostile mail: 200+ broken messages we generate here. None may crash a scan;
each is recorded with its reason; a message without Message-ID always gets the same id."""

from __future__ import annotations

import base64
import json
import random
import sqlite3
import time

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from onward.cli import cli
from onward.parsing import parse_message

GOOD_HEAD = b"From: Acme <jobs@acme.example>\r\nSubject: Your application\r\nDate: Mon, 3 Mar 2025 10:00:00 +0000\r\n"
TEXT = "Unfortunately we have decided not to move forward with your application. Best of luck."


def broken_messages() -> list[tuple[str, bytes]]:
    rng = random.Random(13)
    out: list[tuple[str, bytes]] = []
    b64 = base64.b64encode(TEXT.encode())
    for i in range(25):
        cut = rng.randrange(1, len(b64))
        out.append(("truncated base64", GOOD_HEAD + f"Message-ID: <tb{i}@x>\r\n".encode()
                    + b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n" + b64[:cut]))
        out.append(("truncated quoted-printable", GOOD_HEAD + f"Message-ID: <tq{i}@x>\r\n".encode()
                    + b"Content-Transfer-Encoding: quoted-printable\r\n\r\nUnfortunately =C3=" + b"=" * (i % 3)))
    for i, charset in enumerate(["x-unknown", "utf-7", "iso-2022-jp", "klingon", "utf-8", "latin-1", "", "us-ascii"] * 3):
        out.append(("wrong charset", GOOD_HEAD + f"Message-ID: <cs{i}@x>\r\nContent-Type: text/plain; charset={charset}\r\n\r\n".encode()
                    + "Leider müssen wir absagen – désolé".encode() + bytes([0xff, 0xfe, 0x80 + i])))
    for i in range(20):
        out.append(("no headers", f"just a body line {i} with no headers at all\r\nUnfortunately no.\r\n".encode()))
    for i in range(20):
        out.append(("NUL bytes", GOOD_HEAD + f"Message-ID: <nul{i}@x>\r\n\r\n".encode() + b"Unfor\x00tunately\x00" * (i + 1)))
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
        body = b"Content-Type: multipart/mixed; boundary=" + bnd + b"\r\n\r\n--" + bnd + b"\r\n" + body + b"\r\n--" + bnd + b"--\r\n"
    out.append(("multipart nested 100 deep", GOOD_HEAD + b"Message-ID: <deep@x>\r\n" + body))
    attachment = base64.encodebytes(b"\x89PNG" + bytes(20 * 1024 * 1024))
    out.append(("20 MB attachment", GOOD_HEAD + b"Message-ID: <big@x>\r\nContent-Type: multipart/mixed; boundary=z\r\n\r\n"
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
    started = time.perf_counter()
    result = CliRunner().invoke(cli, ["--database", str(db), "scan", "--format", "jsonl", "--drafts-dir",
                                      str(tmp_path / "drafts"), str(folder)])
    elapsed = time.perf_counter() - started
    assert result.exit_code == 0, result.output[-2000:]
    outcomes = [json.loads(line) for line in result.output.splitlines()]
    assert len(outcomes) == len(messages) + 1
    assert outcomes[-1]["status"] == "new" and outcomes[-1]["message_id"] == "<last@x>"
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT status, error FROM messages").fetchall()
        synthetic = conn.execute("SELECT count(*) FROM messages WHERE message_id LIKE '%@onward.invalid>'").fetchone()[0]
    # duplicates of one Message-ID are one message; everything else is a row with its reason
    assert len(rows) == len(messages) + 1 - 9
    # each is either classified with its defects noted, or recorded as malformed with the reason
    assert all(r[0] in ("classified", "malformed") for r in rows)
    assert all(r[1] for r in rows if r[0] == "malformed")
    assert sum(1 for r in rows if r[1]) >= 150
    assert synthetic >= 40  # no headers and missing Message-ID: each got a stable synthetic id
    assert any("truncated" in (r[1] or "") or "text part" in (r[1] or "") for r in rows)
    assert elapsed < 120  # generous: the point is that nothing hangs


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
    import onward.service

    folder = tmp_path / "m"
    folder.mkdir()
    for i in range(5):
        (folder / f"{i}.eml").write_bytes(GOOD_HEAD + f"Message-ID: <m{i}@x>\r\n\r\n{TEXT} Ref {i}.".encode())
    original = onward.service.Processor._message_values

    def fail_on_m2(self, message, *args):
        if message.message_id == "<m2@x>":
            raise ValueError("simulated failure")
        return original(self, message, *args)

    monkeypatch.setattr(onward.service.Processor, "_message_values", fail_on_m2)
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
