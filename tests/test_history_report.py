"""The store's migrations, the report in every format, corrections, forgetting, export."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from html.parser import HTMLParser

import pytest
from click.testing import CliRunner

from onward.cli import cli
from onward.history import export, forget, mark, rejection_history
from onward.report.build import build_report, to_csv, to_html, to_text
from onward.store import Store, StoreError
from onward.store.migrations import MIGRATIONS


def test_migrations_from_empty_and_from_every_earlier_version(tmp_path):
    fresh = Store(tmp_path / "fresh.db")
    assert fresh.applied_migrations() == [name for name, _ in MIGRATIONS]
    fresh.close()
    for upto in range(len(MIGRATIONS)):
        path = tmp_path / f"v{upto}.db"
        db = sqlite3.connect(path)
        db.execute("CREATE TABLE schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
        for name, sql in MIGRATIONS[:upto]:
            db.executescript(sql)
            db.execute("INSERT INTO schema_migrations VALUES (?, 'then')", (name,))
        db.commit()
        db.close()
        with Store(path) as store:
            assert store.applied_migrations() == [name for name, _ in MIGRATIONS]
            store.record_message("a", "INBOX", {"message_id": "<x@y>", "status": "classified"})


def test_a_database_from_a_newer_onward_is_refused(tmp_path):
    path = tmp_path / "new.db"
    Store(path).close()
    with sqlite3.connect(path) as db:
        db.execute("INSERT INTO schema_migrations VALUES ('0999_from_the_future', 'later')")
    with pytest.raises(StoreError, match="made by a newer onward"):
        Store(path)
    result = CliRunner().invoke(cli, ["--database", str(path), "report"])
    assert result.exit_code == 1 and "made by a newer onward" in result.output


def test_not_a_database_is_a_clear_error(tmp_path):
    path = tmp_path / "junk.db"
    path.write_text("this is not sqlite " * 100)
    with pytest.raises(StoreError, match="not an onward database"):
        Store(path)


def add(store, mid, category, company, date, stage=None, reason=None, in_reply_to=None, draft=None):
    row, _ = store.record_message("main", "INBOX", {
        "message_id": mid, "status": "classified", "category": category, "company": company, "received_at": date,
        "verdict": "rejection" if category == "rejection" else "not_rejection", "in_reply_to": in_reply_to,
        "thread_refs": [in_reply_to] if in_reply_to else []})
    if category == "rejection":
        earlier = store.earlier_job_messages("main", company, date)
        store.record_rejection(row, {"company": company, "stage": stage, "reason": reason, "received_at": date,
                                     "application_message": earlier[-1]["id"] if earlier else None,
                                     "draft_status": "drafted" if draft else "pending", "draft_message_id": draft})
    return row


@pytest.fixture
def history(tmp_path):
    store = Store(tmp_path / "h.db")
    add(store, "<a1>", "application_ack", "Acme", "2025-01-01T10:00:00+00:00")
    add(store, "<r1>", "rejection", "Acme", "2025-01-02T10:00:00+00:00", "application", "experience", draft="<d1>")
    add(store, "<a2>", "application_ack", "Birch", "2025-01-05T10:00:00+00:00")
    add(store, "<i2>", "interview", "Birch", "2025-01-10T10:00:00+00:00")
    add(store, "<r2>", "rejection", "Birch", "2025-01-25T10:00:00+00:00", "interview", "fit", draft="<d2>")
    add(store, "<a3>", "application_ack", "Cedar", "2025-02-01T10:00:00+00:00")
    add(store, "<r3>", "rejection", "Cedar", "2025-02-02T00:00:00+00:00", "application", "experience", draft="<d3>")
    add(store, "<a4>", "application_ack", "Dune", "2025-02-03T10:00:00+00:00")
    add(store, "<r4>", "rejection", "Dune", "2025-02-04T10:00:00+00:00", "application", "none")
    add(store, "<r5>", "rejection", "Acme", "2025-03-01T10:00:00+00:00", "application", "experience")
    add(store, "<a6>", "application_ack", "Elm", "2025-03-02T10:00:00+00:00")
    add(store, "<o1>", "offer", "Fir", "2025-03-03T10:00:00+00:00")
    add(store, "<reply1>", "other_job", "Acme", "2025-01-09T10:00:00+00:00", in_reply_to="<d1>")
    yield store
    store.close()


def test_report_numbers_on_a_known_history(history):
    report = build_report(history)
    assert report["funnel"] == {"applications_acknowledged": 5, "interviews": 1, "offers": 1, "rejections": 5,
                                "applications_with_company": 5, "applications_answered": 4, "answer_rate": 0.8}
    assert report["rejections_by_stage"] == {"application": 4, "assessment": 0, "interview": 1, "final": 0,
                                             "unknown": 0}
    assert report["rejections_by_reason"]["experience"] == 3 and report["rejections_by_reason"]["none"] == 1
    assert report["rejections_by_company"] == {"Acme": 2, "Birch": 1, "Cedar": 1, "Dune": 1}
    assert report["rejections_by_month"] == {"2025-01": 2, "2025-02": 2, "2025-03": 1}
    timing = report["days_to_rejection"]
    assert timing["linked_rejections"] == 5 and timing["under_2_days"] == 3
    assert timing["median_days"] == 1.0
    # <d1> got an answer, so it was sent; <d2> and <d3> still wait in Drafts and are not counted as asked
    assert report["feedback"] == {"drafted": 3, "sent": 1, "replied": 1, "reply_rate": 1.0}
    with sqlite3.connect(history.path) as db:
        db.execute("UPDATE rejection_events SET draft_status = 'sent' WHERE draft_message_id IN ('<d2>', '<d3>')")
    assert build_report(history)["feedback"] == {"drafted": 3, "sent": 3, "replied": 1, "reply_rate": 0.333}
    assert any(o["text"] == "1 of the 3 feedback requests you sent got an answer."
               for o in build_report(history)["observations"])
    texts = [o["text"] for o in report["observations"]]
    assert texts[0].startswith("4 of 5 rejections came before any interview")
    assert any("3 of 4 stated reasons are about others' experience" in t for t in texts)
    assert any("3 rejections arrived less than 2 days after applying" in t for t in texts)
    assert all(o["numbers"] for o in report["observations"]) and 3 <= len(texts) <= 5
    assert build_report(history, since="2025-03-01")["funnel"]["rejections"] == 1


def test_thin_history_says_so(tmp_path):
    with Store(tmp_path / "thin.db") as store:
        add(store, "<r>", "rejection", "Acme", "2025-01-02T10:00:00+00:00", "application", "none")
        report = build_report(store)
    assert len(report["observations"]) == 1 and "need at least 5" in report["observations"][0]["text"]


def test_text_csv_and_html_views(history):
    report = build_report(history)
    text = to_text(report)
    assert "rejections                 5" in text and "Observations" in text
    assert text.startswith("onward report, ") and "What came back from your applications" in text
    assert "  Jan 2025 " in text and "2025-01" not in text
    assert "  others' experience closer to the role " in text  # labels whole, not cut
    rows = list(csv.reader(io.StringIO(to_csv(report))))
    assert rows[0] == ["section", "key", "value"]
    assert ["funnel", "rejections", "5"] in rows and ["rejections_by_company", "Acme", "2"] in rows

    page = to_html(report)

    class Collect(HTMLParser):
        def __init__(self):
            super().__init__()
            self.tags, self.urls = [], []

        def handle_starttag(self, tag, attrs):
            self.tags.append(tag)
            self.urls += [v for k, v in attrs if k in ("src", "href") and v]

    parser = Collect()
    parser.feed(page)
    assert parser.tags.count("svg") == 4 and "script" not in parser.tags
    assert parser.urls == [] and "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in page


def test_report_and_history_commands_in_every_format(history, tmp_path):
    runner = CliRunner()
    db = str(history.path)
    for fmt in ("text", "json", "csv", "html"):
        result = runner.invoke(cli, ["--database", db, "report", "--format", fmt])
        assert result.exit_code == 0, result.output
    assert json.loads(runner.invoke(cli, ["--database", db, "report", "--format", "json"]).output)["schema"] == 1
    out = tmp_path / "r.html"
    assert runner.invoke(cli, ["--database", db, "report", "--format", "html", "--out", str(out)]).exit_code == 0
    assert out.read_text().startswith("<!DOCTYPE html>")
    listing = runner.invoke(cli, ["--database", db, "history", "--company", "acm"])
    assert listing.exit_code == 0 and listing.output.strip().endswith("2 rejections")
    missing = runner.invoke(cli, ["--database", str(tmp_path / "none.db"), "report"])
    assert missing.exit_code == 1 and "no history yet" in missing.output


def test_mark_forget_and_export(history):
    assert mark(history, "r4", "not_rejection") == 1
    assert [e["company"] for e in rejection_history(history)] == ["Acme", "Birch", "Cedar", "Acme"]
    assert mark(history, "<a6>", "rejection") == 1
    assert "Elm" in [e["company"] for e in rejection_history(history)]
    data = export(history)
    assert [c["label"] for c in data["corrections"]] == ["not_rejection", "rejection"]
    assert forget(history, company="Acme") == 4
    assert "Acme" not in {e["company"] for e in rejection_history(history)}
    assert all(m["company"] != "Acme" for m in export(history)["messages"])
    assert forget(history, message_id="<o1>") == 1


def test_report_reads_while_another_connection_writes(history):
    writer = sqlite3.connect(history.path, timeout=1, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("INSERT INTO messages (account, folder, message_id, status, seen_at) "
                   "VALUES ('main', 'INBOX', '<busy>', 'classified', 'now')")
    try:
        with Store(history.path, readonly=True) as reader:
            assert build_report(reader)["funnel"]["rejections"] == 5  # the open write is not visible yet
    finally:
        writer.execute("COMMIT")
        writer.close()
