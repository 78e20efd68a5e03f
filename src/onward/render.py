"""What the commands print: the text views and the live progress line of a scan.

The views turn what the library returns into lines: a scan's outcome and summary lines, counts
with their plurals, a parsed message, the score tables of train and evaluate, history, status,
model and connection rows. Words that come from mail go through show_mail, which escapes their
control characters. The progress line (`1,234/3,010 (41%) · 300 msg/s · ETA 6 s`) is drawn by
click's progress bar (terminal width, redraw in place, nothing when stderr is not a terminal);
we only say what the line holds. Its total grows as each folder reports its new mail.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Iterator
from typing import Any

import click

from onward.mail.headers import printable
from onward.vocab import Reason

REDRAW_SECONDS = 0.1  # a redraw per message would cost more than the scan at 2,000 msg/s


def show_mail(text: str, **kwargs: Any) -> None:
    """Echo text that holds words from mail: its control characters escaped (see printable)."""
    click.echo(printable(text), **kwargs)


def count(number: int, noun: str, plural: str | None = None) -> str:
    return f"{number:,} {noun if number == 1 else plural or noun + 's'}"


def when(timestamp: str | None) -> str:
    if not timestamp:
        return "never"
    from datetime import datetime

    return datetime.fromisoformat(timestamp).astimezone().strftime("%Y-%m-%d %H:%M")


def show_connection(check: dict[str, Any]) -> None:
    if check.get("error"):
        return  # listed with the problems
    click.echo(f"[accounts.{check['account']}] logged in to {check['server']} "
               f"(server has: {', '.join(check['capabilities']) or 'none of IDLE, CONDSTORE, MOVE, UIDPLUS'})")
    folders = check["folders"]
    click.echo(f"  {count(len(folders), 'folder')} on the server: {', '.join(folders[:12])}"
               f"{', ...' if len(folders) > 12 else ''}")
    for plan in check["plans"]:
        if not plan["exists"]:
            click.echo(f"  {plan['name']}: no such folder on the server (check `folders`)")
        elif plan["first_scan_since"]:
            click.echo(f"  {plan['name']}: {count(plan['messages'], 'message')}; the first scan reads "
                       f"{plan['to_read']:,} received since {plan['first_scan_since']} "
                       "(since_days; --all for every one)")
        else:
            click.echo(f"  {plan['name']}: {count(plan['messages'], 'message')}; the next scan reads "
                       f"{plan['to_read']:,} new since the last one")
    click.echo(f"  drafts are saved to: {check['drafts_folder']}")


def show_parsed(location: str, message: Any) -> None:
    """What `onward parse` shows of one message."""
    name, addr = message.from_
    show_mail(f"== {location}")
    show_mail(f"Message-ID: {message.message_id}{' (synthetic)' if message.synthetic_id else ''}")
    show_mail(f"From: {name} <{addr}>" if name else f"From: {addr}")
    for rname, raddr in message.reply_to:
        show_mail(f"Reply-To: {rname} <{raddr}>")
    show_mail(f"Subject: {message.subject}")
    click.echo(f"Date: {message.date.isoformat() if message.date else '(none)'}")
    click.echo(f"Body: {message.body_format}, {len(message.text)} chars")
    if message.defects:
        show_mail(f"Defects: {'; '.join(message.defects)}")
    click.echo("")
    show_mail(message.text)
    if message.signature:
        show_mail(f"\n[signature]\n{message.signature}")
    if message.quoted:
        click.echo(f"\n[quoted: {len(message.quoted)} chars]")
    click.echo("")


def classify_record(result: Any) -> dict[str, Any]:
    message, prediction = result.message, result.prediction
    return {
        "message_id": message.message_id,
        "location": result.item.location,
        "from": message.from_address,
        "from_name": message.from_[0],
        "subject": message.subject,
        "date": message.date.isoformat() if message.date else None,
        "category": prediction.category,
        "verdict": prediction.verdict,
        "is_rejection": prediction.is_rejection,
        "score": prediction.score,
        "evidence": list(prediction.evidence),
        "defects": list(message.defects),
    }


def classify_line(result: Any) -> str:
    p, m = result.prediction, result.message
    sender = (m.from_[0] or m.from_address)[:28]
    return f"{p.verdict:<13} {p.score:5.2f}  {p.category:<15} {sender:<28}  {m.subject[:70]}"


def classify_total(counts: dict[str, int]) -> str:
    total = sum(counts.values())
    return (f"\n{count(total, 'message')}: {count(counts['rejection'], 'rejection')}, "
            f"{counts['unsure']:,} unsure, {counts['not_rejection']:,} not rejections")


def outcome_line(o: Any) -> str:
    if o.status in ("malformed", "unreadable", "failed"):
        return f"{o.status:<13}        {o.location}: {(o.error or '')[:80]}"
    verdict = o.verdict or "-"
    score = f"{o.score:5.2f}" if o.score is not None else "    -"
    extra = ""
    if o.verdict == "rejection":
        facts = ", ".join(x for x in (o.company, o.stage, o.reason if o.reason != Reason.NONE else None) if x)
        extra = f"  [{facts}]" if facts else ""
        if o.draft:
            extra += f"  draft: {o.draft}" + (f" to {o.draft_to}" if o.draft_to else "")
    known = " (seen before)" if o.status == "known" else ""
    return f"{verdict:<13} {score}  {(o.category or '-'):<15} {o.subject[:60]}{known}{extra}"


def summary_line(summary: Any, dry_run: bool) -> str:
    prefix = "dry run, nothing written: " if dry_run else ""
    drafts = count(summary.drafts, "draft that would be saved", "drafts that would be saved") if dry_run else \
        count(summary.drafts, "draft saved", "drafts saved")
    too_old = (f" ({count(summary.too_old, 'rejection')} older than the draft age limit recorded and tagged, "
               "not drafted)") if summary.too_old else ""
    failed = f", {summary.failed:,} failed (onward history --failed)" if summary.failed else ""
    return (f"{prefix}{summary.account}: {summary.scanned:,} scanned ({summary.new:,} new, {summary.known:,} seen "
            f"before, {summary.malformed:,} malformed{failed}), {count(summary.rejections, 'rejection')}, "
            f"{summary.unsure:,} unsure, {drafts}{too_old}")


def shown_at(verbosity: int, outcome: Any) -> bool:
    """-q: no message lines; default: new rejections and unsure ones; -v: every message."""
    if verbosity > 0:
        return True
    return verbosity == 0 and outcome.status == "new" and outcome.verdict in ("rejection", "unsure")


def format_scores(cv: dict[str, Any], thresholds: dict[str, float]) -> str:
    lines = ["cross-validated scores (folds grouped by source and batch):"]
    rej = cv["rejection_vs_rest"]
    lines.append(f"  rejection vs rest: precision {rej['precision']:.3f}  recall {rej['recall']:.3f}  "
                 f"f1 {rej['f1']:.3f}  (n={rej['support']})")
    lines.append(f"  thresholds: rejection >= {thresholds['rejection']:.3f}, unsure >= {thresholds['unsure']:.3f}")
    lines.append("  by category:")
    for category, s in cv["categories"].items():
        lines.append(f"    {category:<16} precision {s['precision']:.3f}  recall {s['recall']:.3f}  "
                     f"f1 {s['f1']:.3f}  n={s['support']}")
    lines.append("  by source:")
    for source, s in cv["by_source"].items():
        r = s["rejection"]
        lines.append(f"    {source:<40} n={s['messages']:<5} accuracy {s['accuracy']:.3f}  rejection "
                     f"P {r['precision']:.3f} R {r['recall']:.3f} (n={r['support']})")
    return "\n".join(lines)


def show_evaluation(result: dict[str, Any]) -> None:
    """The text of `onward evaluate`: per category, rejection vs rest, confusion, misses."""
    rej = result["rejection_vs_rest"]
    click.echo(f"model {result['model_version']} on {result['messages']} messages; accuracy {result['accuracy']:.3f}")
    click.echo(f"rejection vs rest: precision {rej['precision']:.3f}  recall {rej['recall']:.3f}  "
               f"f1 {rej['f1']:.3f}  (tp {rej['true_positives']}, fp {rej['false_positives']}, "
               f"fn {rej['false_negatives']}; unsure: {result['unsure']['rejections']} rejections, "
               f"{result['unsure']['others']} others)")
    click.echo(f"{'category':<16} {'precision':>9} {'recall':>7} {'f1':>6} {'n':>5}")
    for category, s in result["categories"].items():
        click.echo(f"{category:<16} {s['precision']:>9.3f} {s['recall']:>7.3f} {s['f1']:>6.3f} {s['support']:>5}")
    for title, key in (("language", "by_language"), ("sender kind", "by_sender_kind")):
        click.echo(f"\nby {title}: {'n':>5} {'rejections':>10} {'precision':>9} {'recall':>7} {'f1':>6}")
        for name, s in result[key].items():
            click.echo(f"  {name:<14} {s['messages']:>5} {s['support']:>10} {s['precision']:>9.3f} "
                       f"{s['recall']:>7.3f} {s['f1']:>6.3f}")
    swap = result["sender_swap"]
    if swap["rejections"]:
        recalls = ", ".join(f"{kind} {value:.3f}" for kind, value in swap["recall"].items())
        click.echo(f"\nsender swap on {swap['rejections']} rejections: flip rate {swap['flip_rate']:.3f}; "
                   f"recall as if sent by {recalls}")
    labels = list(result["confusion"])
    click.echo("\nconfusion (rows: true, columns: predicted)")
    click.echo(" " * 16 + "".join(f"{label[:10]:>11}" for label in labels))
    for truth in labels:
        click.echo(f"{truth:<16}" + "".join(f"{result['confusion'][truth][p]:>11}" for p in labels))
    if result["misclassified"]:
        click.echo("\nmisclassified:")
        for miss in result["misclassified"]:
            click.echo(f"  {miss['id']}: {miss['label']} -> {miss['category']} "
                       f"({miss['verdict']}, {miss['score']:.2f})")


def show_models(entries: list[dict[str, Any]]) -> None:
    """`onward model list`: the active one starred, with its version, size of data and scores."""
    for entry in entries:
        mark_active = "*" if entry["active"] else " "
        scores = (f"P {entry['precision']:.3f} R {entry['recall']:.3f}" if entry["precision"] is not None else "")
        click.echo(f"{mark_active} {entry['name']:<10} {entry['version'] or '?':<16} "
                   f"{entry['messages'] or '?':>6} msgs  {scores}  {entry['path']}")


def show_failures(events: list[dict[str, Any]]) -> None:
    """`onward history --failed`: each message a step failed on, and why."""
    for f in events:
        where = f"{f['account']}:{f['folder']}" + (f"/{f['uid']}" if f["uid"] is not None else "")
        show_mail(f"{f['created_at'][:10]}  {where}  {f['message_id']}  {f['step']} failed: "
                  f"{f['error_class']}: {(f['error'] or '')[:100]}")
    click.echo(count(len(events), "failed message", "failed messages"))


def show_history(events: list[dict[str, Any]]) -> None:
    """`onward history`: one row a rejection, with the id `onward mark` takes."""
    row = "{:>5}  {:<10}  {:<28} {:<30} {:<11} {:<15} {}"
    if events:
        click.echo(row.format("id", "date", "company", "role", "stage", "reason", "draft"))
    for e in events:
        show_mail(row.format(e["ref"], (e["received_at"] or "")[:10], (e["company"] or "(unknown)")[:28],
                             (e["role"] or "")[:30], e["stage"], e["reason"], e["draft_status"]))
    click.echo(count(len(events), "rejection"))


def show_status(rows: list[dict[str, Any]]) -> None:
    """`onward status`: per account, the last scan, the mail seen and the last error."""
    for row in rows:
        gone = "" if row["configured"] else " (no longer configured)"
        click.echo(f"{row['account']}{gone}: last scan {when(row['last_scan_at'])}; "
                   f"{count(row['mail_seen'], 'message')} seen, {count(row['rejections'], 'rejection')}, "
                   f"{count(row['drafts_pending'], 'draft')} waiting in Drafts")
        if row["last_error"]:
            old = row["last_scan_at"] and row["last_scan_at"] > row["last_error_at"]
            click.echo(f"  last error{' (before the last good scan)' if old else ''}, {when(row['last_error_at'])}: "
                       f"{row['last_error']}")
    if not rows:
        click.echo("no accounts configured and nothing recorded yet")


def _no_length() -> Iterator[Any]:
    yield from ()  # a generator has no length hint: click then draws a bar of unknown length


class ScanProgress:
    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled and sys.stderr.isatty()
        self.total: int | None = None
        self.done = 0
        self._unshown = 0
        self._started: float | None = None
        self._last_draw = 0.0
        self._bar: Any = None
        if self.enabled:
            self._bar = click.progressbar(_no_length(), label="scanning", file=sys.stderr, width=20,
                                          show_eta=False, show_percent=False, show_pos=False,
                                          item_show_func=lambda _item: self.describe())
            self._bar.__enter__()

    def found(self, count: int) -> None:
        """A folder has `count` messages to read."""
        self.total = (self.total or 0) + count
        if self._bar is not None:
            self._bar.length = self.total
            self._bar.finished = False

    def advance(self) -> None:
        now = time.monotonic()
        if self._started is None:
            self._started = now
        self.done += 1
        self._unshown += 1
        if self._bar is not None and now - self._last_draw >= REDRAW_SECONDS:
            self._draw(now)

    def _draw(self, now: float) -> None:
        self._last_draw = now
        self._bar.update(self._unshown)
        self._unshown = 0

    def describe(self) -> str:
        parts = [f"{self.done:,}/{self.total:,} ({self.done / self.total:.0%})" if self.total else f"{self.done:,}"]
        elapsed = time.monotonic() - self._started if self._started is not None else 0.0
        if elapsed > 0 and self.done:
            rate = self.done / elapsed
            parts.append(f"{rate:,.0f} msg/s")
            if self.total and self.total > self.done:
                parts.append(f"ETA {math.ceil((self.total - self.done) / rate):,} s")
        return " · ".join(parts)

    def clear(self) -> None:
        """Wipe the line so that a message line can be printed where it was."""
        if self._bar is not None:
            click.echo("\r\033[K", nl=False, err=True)
            self._last_draw = 0.0  # redraw at the next message

    def close(self) -> None:
        if self._bar is not None:
            click.echo("\r\033[K\033[?25h", nl=False, err=True)  # click hid the cursor while drawing
            self._bar = None

    def __enter__(self) -> ScanProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
