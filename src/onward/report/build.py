"""The pattern review: what the history says about where and why applications stop.

`build_report` reads the store and returns plain data (the json format is exactly that);
the text, csv and html formats are views of the same data.
"""

from __future__ import annotations

import csv
import html
import io
import json
import statistics
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from onward.mail.headers import json_text
from onward.store import Store
from onward.vocab import STAGES, Category, DraftStatus, Reason, Stage, saved_draft

SCHEMA_VERSION = 1
MIN_FOR_OBSERVATIONS = 5
STAGE_ORDER = STAGES
REASON_LABELS: dict[str, str] = {
    Reason.EXPERIENCE: "others' experience closer to the role", Reason.OVERQUALIFIED: "over-qualified",
    Reason.POSITION_FILLED: "position filled or internal candidate", Reason.ROLE_CLOSED: "role closed or paused",
    Reason.FIT: "fit or direction", Reason.LOCATION_VISA: "location or visa", Reason.NONE: "no reason given",
}


def _days(start: str | None, end: str | None) -> float | None:
    if not start or not end:
        return None
    try:
        a, b = datetime.fromisoformat(start), datetime.fromisoformat(end)
    except ValueError:
        return None
    if a.tzinfo is None:
        a = a.replace(tzinfo=UTC)
    if b.tzinfo is None:
        b = b.replace(tzinfo=UTC)
    return round((b - a).total_seconds() / 86400, 1)


def build_report(store: Store, since: str | None = None, account: str | None = None) -> dict[str, Any]:
    messages, events = store.report_rows(since, account)
    categories = Counter(m["category"] for m in messages)
    companies_applied = {m["company"].lower() for m in messages
                         if m["category"] == Category.APPLICATION_ACK and m["company"]}
    answered = {m["company"].lower() for m in messages
                if m["category"] in (Category.INTERVIEW, Category.OFFER, Category.REJECTION) and m["company"]}
    answered |= {e["company"].lower() for e in events if e["company"]}
    funnel = {
        "applications_acknowledged": categories[Category.APPLICATION_ACK],
        "interviews": categories[Category.INTERVIEW],
        "offers": categories[Category.OFFER],
        "rejections": len(events),
        "applications_with_company": len(companies_applied),
        "applications_answered": len(companies_applied & answered),
        "answer_rate": (round(len(companies_applied & answered) / len(companies_applied), 3)
                        if companies_applied else None),
    }
    days = [d for e in events if (d := _days(e["applied_at"], e["received_at"])) is not None and d >= 0]
    timing = {
        "linked_rejections": len(days),
        "median_days": statistics.median(days) if days else None,
        "p25_days": _quantile(days, 0.25),
        "p75_days": _quantile(days, 0.75),
        "under_2_days": sum(1 for d in days if d < 2),
    }
    by_month = Counter((e["received_at"] or "")[:7] for e in events if e["received_at"])
    drafted = [e for e in events if saved_draft(e["draft_status"])]
    replies = _replies(messages, events)
    # a request counts once it has left Drafts; an answer in its thread shows it was sent too
    sent = {e["message_id"] for e in drafted if e["draft_status"] == DraftStatus.SENT} | replies
    report = {
        "schema": SCHEMA_VERSION,
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "filters": {"since": since, "account": account},
        "funnel": funnel,
        "rejections_by_stage": {s: sum(1 for e in events if e["stage"] == s) for s in STAGE_ORDER},
        "rejections_by_reason": {r: sum(1 for e in events if e["reason"] == r) for r in REASON_LABELS},
        "rejections_by_company": dict(Counter(e["company"] or "(unknown)" for e in events).most_common()),
        "rejections_by_month": dict(sorted(by_month.items())),
        "days_to_rejection": timing,
        "feedback": {"drafted": len(drafted), "sent": len(sent), "replied": len(replies),
                     "reply_rate": round(len(replies) / len(sent), 3) if sent else None},
        "observations": [],
    }
    report["observations"] = observations(report)
    return report


def _quantile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    index = (len(ordered) - 1) * q
    low, high = int(index), min(int(index) + 1, len(ordered) - 1)
    return round(ordered[low] + (ordered[high] - ordered[low]) * (index - low), 1)


def _replies(messages: list[dict[str, Any]], events: list[dict[str, Any]]) -> set[str]:
    """Rejections whose thread got a later message from the company: an answer to the feedback request."""
    answered = set()
    for event in events:
        if not saved_draft(event["draft_status"]):
            continue
        thread = {event["message_id"], event["draft_message_id"]}
        for m in messages:
            refs = set(json.loads(m["thread_refs"] or "[]")) | ({m["in_reply_to"]} if m["in_reply_to"] else set())
            later = (m["received_at"] or "") > (event["received_at"] or "")
            if later and refs & thread and m["message_id"] != event["message_id"]:
                answered.add(event["message_id"])
    return answered


def observations(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Plain-language patterns, each with the numbers behind it; silence when data is thin."""
    total = report["funnel"]["rejections"]
    if total < MIN_FOR_OBSERVATIONS:
        return [{"text": f"Only {total} rejection(s) recorded so far: patterns need at least "
                         f"{MIN_FOR_OBSERVATIONS}. Keep applying; it is a numbers game.",
                 "numbers": {"rejections": total}}]
    out = []
    stages = report["rejections_by_stage"]
    before_interview = stages[Stage.APPLICATION] + stages[Stage.ASSESSMENT]
    if before_interview / total >= 0.6:
        out.append({"text": f"{before_interview} of {total} rejections came before any interview: the application "
                            "itself is where you lose. Tailor the CV and the first lines to each posting.",
                    "numbers": {"before_interview": before_interview, "rejections": total}})
    late = stages[Stage.INTERVIEW] + stages[Stage.FINAL]
    if late / total >= 0.4:
        out.append({"text": f"{late} of {total} rejections came after interviews: your applications get you in the "
                            "room. Ask for feedback on the interviews and practise the stage where it stops.",
                    "numbers": {"after_interview": late, "rejections": total}})
    reasons = {k: v for k, v in report["rejections_by_reason"].items() if k != Reason.NONE}
    stated = sum(reasons.values())
    if stated >= 3:
        top, count = max(reasons.items(), key=lambda kv: kv[1])
        if count / stated >= 0.5:
            advice = {
                Reason.EXPERIENCE: "aim at roles closer to your experience, or show the closest experience first",
                Reason.OVERQUALIFIED: "consider more senior roles, or say why this level is what you want",
                Reason.POSITION_FILLED: "apply earlier: roles often fill before the posting closes",
                Reason.ROLE_CLOSED: "this is about their budgets, not you",
                Reason.FIT: "research each team's way of working and show it in your application",
                Reason.LOCATION_VISA: "filter for roles that sponsor or match your location",
            }[top]
            out.append({"text": f"{count} of {stated} stated reasons are about {REASON_LABELS[top]}: {advice}.",
                        "numbers": {"reason": top, "count": count, "stated": stated}})
    unstated = report["rejections_by_reason"][Reason.NONE]
    if unstated / total >= 0.5:
        out.append({"text": f"{unstated} of {total} rejections gave no reason: a short, friendly feedback request "
                            "is the only way to learn what happened.",
                    "numbers": {"no_reason": unstated, "rejections": total}})
    quick = report["days_to_rejection"]["under_2_days"]
    if quick >= 3:
        out.append({"text": f"{quick} rejections arrived less than 2 days after applying: likely automatic screening. "
                            "Match the posting's keywords and hard requirements.",
                    "numbers": {"under_2_days": quick}})
    feedback = report["feedback"]
    if feedback["sent"] >= 3:
        out.append({"text": f"{feedback['replied']} of the {feedback['sent']} feedback requests you sent got an "
                            "answer.", "numbers": dict(feedback)})
    elif feedback["drafted"] - feedback["sent"] >= 3:
        waiting = feedback["drafted"] - feedback["sent"]
        out.append({"text": f"{waiting} feedback-request drafts are waiting to be sent: a short look and a send is "
                            "all they need.", "numbers": dict(feedback)})
    repeat = [c for c, n in report["rejections_by_company"].items() if n >= 2 and c != "(unknown)"]
    if repeat:
        out.append({"text": f"Rejected more than once by {', '.join(repeat[:3])}: ask them what would change the "
                            "outcome before applying there again.", "numbers": {"companies": repeat}})
    return out[:5]


# -- views ------------------------------------------------------------------------------------------
def _month(key: str) -> str:
    """'2025-01' -> 'Jan 2025'."""
    try:
        return datetime.strptime(key, "%Y-%m").strftime("%b %Y")
    except ValueError:
        return key


def _generated(report: dict[str, Any]) -> str:
    when = datetime.fromisoformat(report["generated_at"]).astimezone(UTC)
    return f"{when.day} {when:%B %Y}, {when:%H:%M} UTC"


def _label(text: str, width: int) -> str:
    return text if len(text) <= width else text[:width - 1] + "…"


def _replies_block(f: dict[str, Any]) -> dict[str, int]:
    return {"applications acknowledged": f["applications_acknowledged"], "interviews": f["interviews"],
            "offers": f["offers"], "rejections": f["rejections"]}


def _feedback_line(fb: dict[str, Any]) -> str:
    return (f"Feedback requests: {fb['drafted']} drafted, {fb['sent']} sent, {fb['replied']} answered"
            + (f" ({fb['reply_rate']:.0%} of those sent)" if fb["reply_rate"] is not None else ""))


def to_text(report: dict[str, Any]) -> str:
    f = report["funnel"]
    lines = [f"onward report, {_generated(report)}", "", "What came back from your applications"]
    lines += [f"  {label:<27}{value}" for label, value in _replies_block(f).items()]
    if f["answer_rate"] is not None:
        lines.append(f"  {'answered':<27}{f['applications_answered']} of {f['applications_with_company']} "
                     f"applications ({f['answer_rate']:.0%})")

    def table(title: str, data: dict[str, int], labels: dict[str, str] | None = None) -> None:
        lines.append("")
        lines.append(title)
        total = sum(data.values()) or 1
        shown = {(labels or {}).get(key, key): value for key, value in data.items()}
        width = min(40, max((len(label) for label in shown), default=0))
        for label, value in shown.items():
            lines.append(f"  {_label(label, width):<{width}} {value:>4}  {'#' * round(20 * value / total)}")

    table("Rejections by stage", report["rejections_by_stage"])
    table("Rejections by stated reason", report["rejections_by_reason"], REASON_LABELS)
    table("Rejections by company (top 10)", dict(list(report["rejections_by_company"].items())[:10]))
    table("Rejections by month", {_month(k): v for k, v in report["rejections_by_month"].items()})
    t = report["days_to_rejection"]
    lines.append("")
    if t["median_days"] is not None:
        lines.append(f"Days from application to rejection: median {t['median_days']}, middle half {t['p25_days']}"
                     f"-{t['p75_days']} ({t['linked_rejections']} linked)")
    lines.append(_feedback_line(report["feedback"]))
    lines.append("")
    lines.append("Observations")
    for obs in report["observations"]:
        lines.append(f"  - {obs['text']}")
    return "\n".join(lines) + "\n"


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_cell(value: Any) -> Any:
    """A text cell a spreadsheet would run as a formula (a company named `=cmd|...` by its mail)
    gets a leading apostrophe, which spreadsheets show as plain text."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return "" if value is None else value


def to_csv(report: dict[str, Any]) -> str:
    """One row per number: section, key, value. Stable and easy to pivot."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["section", "key", "value"])
    for section in ("funnel", "rejections_by_stage", "rejections_by_reason", "rejections_by_company",
                    "rejections_by_month", "days_to_rejection", "feedback"):
        for key, value in report[section].items():
            writer.writerow([section, _csv_cell(key), _csv_cell(value)])
    for i, obs in enumerate(report["observations"], 1):
        writer.writerow(["observations", i, _csv_cell(obs["text"])])
    return out.getvalue()


CHAR_PX = 7.5  # width of a character of the 13 px labels, a little over the average of system-ui fonts


def _bar_chart(title: str, data: dict[str, int], labels: dict[str, str] | None = None, color: str = "#4a7bb7") -> str:
    items = [((labels or {}).get(key, key), value) for key, value in data.items()]
    label_w = round(CHAR_PX * min(44, max((len(label) for label, _ in items), default=10))) + 12
    width, bar_h, gap = 680, 22, 6
    height = 40 + len(items) * (bar_h + gap)
    biggest = max((v for _, v in items), default=0) or 1
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{html.escape(title)}" '
             f'width="{width}" height="{height}" viewBox="0 0 {width} {height}">',
             f'<text x="0" y="20" font-size="16" font-weight="bold">{html.escape(title)}</text>']
    for i, (label, value) in enumerate(items):
        y = 34 + i * (bar_h + gap)
        w = round((width - label_w - 50) * value / biggest)
        parts.append(f'<text x="0" y="{y + 16}" font-size="13"><title>{html.escape(label)}</title>'
                     f'{html.escape(_label(label, 44))}</text>')
        parts.append(f'<rect x="{label_w}" y="{y}" width="{w}" height="{bar_h}" fill="{color}"/>')
        parts.append(f'<text x="{label_w + w + 6}" y="{y + 16}" font-size="13">{value}</text>')
    parts.append("</svg>")
    return "".join(parts)


def to_html(report: dict[str, Any]) -> str:
    """One self-contained page: inline SVG charts and styles, no scripts, no remote assets."""
    charts = [
        _bar_chart("What came back from your applications", _replies_block(report["funnel"]), color="#5b9a68"),
        _bar_chart("Rejections by month", {_month(k): v for k, v in report["rejections_by_month"].items()}),
        _bar_chart("Rejections by stage", report["rejections_by_stage"]),
        _bar_chart("Rejections by stated reason", report["rejections_by_reason"], REASON_LABELS, color="#b7794a"),
    ]
    observations = "".join(f"<li>{html.escape(o['text'])}</li>" for o in report["observations"])
    companies = "".join(f"<tr><td>{html.escape(c)}</td><td>{n}</td></tr>"
                        for c, n in list(report["rejections_by_company"].items())[:20])
    t = report["days_to_rejection"]
    timing = (f"median {t['median_days']} days, middle half {t['p25_days']}-{t['p75_days']} days"
              if t["median_days"] is not None else "no linked applications yet")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>onward report</title>
<style>body{{font-family:system-ui,sans-serif;max-width:720px;margin:2em auto;color:#222}}
section{{margin:2em 0}}table{{border-collapse:collapse}}td{{padding:2px 12px 2px 0}}</style></head>
<body><h1>Your job search, in numbers</h1>
<p>Generated {html.escape(_generated(report))}.</p>
<section><h2>What the numbers say</h2><ul>{observations}</ul></section>
{''.join(f'<section class="chart">{c}</section>' for c in charts)}
<section><h2>Days from application to rejection</h2><p>{html.escape(timing)}</p></section>
<section><h2>Feedback requests</h2><p>{html.escape(_feedback_line(report["feedback"]).split(": ", 1)[1])}.</p></section>
<section><h2>Rejections by company</h2><table>{companies}</table></section>
</body></html>
"""


FORMATS = {"text": to_text, "json": lambda r: json_text(r, indent=2) + "\n", "csv": to_csv,
           "html": to_html}
