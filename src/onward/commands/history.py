"""The history commands: what onward recorded (history, report, status, export) and changing it
(mark, forget)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from onward import render
from onward.commands import AppContext, complete_account, open_history
from onward.errors import OnwardError
from onward.mail.headers import json_text


@click.command()
@click.option("--since", type=click.DateTime(formats=["%Y-%m-%d"]), metavar="YYYY-MM-DD",
              help="Only mail received on or after this date.")
@click.option("--account", shell_complete=complete_account, help="Only this account.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "csv", "html"]), default="text", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write to this file instead of stdout.")
@click.pass_obj
def report(app: AppContext, since: Any, account: str | None, fmt: str, out: Path | None) -> None:
    """The patterns across your rejections: funnel, stages, reasons, timing, feedback, observations.

    json and csv follow a stable schema (see README); html is one self-contained file with charts.
    """
    from onward.report.build import FORMATS, build_report

    with open_history(app, readonly=True) as store:
        data = build_report(store, since.date().isoformat() if since else None, account)
    rendered = FORMATS[fmt](data)
    if out:
        try:
            out.write_text(rendered, encoding="utf-8")
        except OSError as exc:
            raise OnwardError(f"{out}: cannot write: {exc.strerror}") from None
        click.echo(f"wrote {out}")
    elif fmt == "text":
        render.show_mail(rendered, nl=False)
    else:
        click.echo(rendered, nl=False)


@click.command()
@click.option("--company", help="Only rejections from companies whose name contains this.")
@click.option("--failed", is_flag=True, help="Instead: the messages onward failed on, at which step and why.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_obj
def history(app: AppContext, company: str | None, failed: bool, fmt: str) -> None:
    """The list of rejections onward has recorded, each with the id `onward mark ID` takes (or,
    with --failed, the messages onward failed on)."""
    from onward.history import failures, rejection_history

    if failed and company:
        raise click.UsageError("--failed and --company exclude each other")
    with open_history(app, readonly=True) as store:
        events = failures(store) if failed else rejection_history(store, company)
    if fmt == "json":
        click.echo(json_text(events, indent=2))
        return
    if failed:
        render.show_failures(events)
        return
    render.show_history(events)


@click.command()
@click.argument("message")
@click.option("--as", "label", required=True, help="rejection, not_rejection, or a category.")
@click.option("--account", shell_complete=complete_account, help="Only in this account.")
@click.option("--keep-server", is_flag=True,
              help="Only record the correction: leave the keyword and the unsent draft on the server.")
@click.pass_obj
def mark(app: AppContext, message: str, label: str, account: str | None, keep_server: bool) -> None:
    """Correct onward: record what MESSAGE (an id from `onward history`, or a Message-ID) really is.

    Marking a message not_rejection also takes $Rejection off it and removes the feedback-request
    draft onward saved for it, while that draft is still unsent in Drafts. Corrections also feed
    `train --with-corrections`.
    """
    from onward.history import find_messages, saved_draft_id
    from onward.history import mark as record_correction
    from onward.sync.withdraw import Withdrawal, withdraw

    with open_history(app) as store:
        undo = [Withdrawal(row["account"], row["folder"], row["message_id"],
                           saved_draft_id(store, row["account"], row["message_id"]))
                for row in find_messages(store, message, account)]
        count = record_correction(store, message, label, account)
    click.echo(f"marked {render.count(count, 'message')} as {label}")
    if label == "not_rejection" and not keep_server:
        try:
            lines = withdraw(app.config, undo)
        except OnwardError as exc:
            raise OnwardError(f"the correction is recorded, but the server was not updated: {exc} "
                              "(run the same command again later)") from None
        for line in lines:
            click.echo(line)


@click.command()
@click.option("--company", help="Forget everything about this company.")
@click.option("--message-id", help="Forget this message.")
@click.pass_obj
def forget(app: AppContext, company: str | None, message_id: str | None) -> None:
    """Delete what onward stored about a company or a message (never the mail itself)."""
    from onward.history import forget as forget_records

    with open_history(app) as store:
        count = forget_records(store, company, message_id)
    click.echo(f"forgot {count} message(s)")


@click.command()
@click.pass_obj
def export(app: AppContext) -> None:
    """Everything onward stored, as JSON on stdout."""
    from onward.history import export as export_all

    with open_history(app, readonly=True) as store:
        click.echo(json_text(export_all(store), indent=2))


@click.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_obj
def status(app: AppContext, fmt: str) -> None:
    """Per account: last scan, last error, mail seen, rejections and drafts waiting in Drafts."""
    from onward.store.status import account_status

    with open_history(app, readonly=True) as store:
        rows = account_status(store, app.config)
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2))
        return
    render.show_status(rows)

