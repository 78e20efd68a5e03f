"""`onward demo`: onward on the sample inbox it ships with, with no account and no network.

It writes only into the folder it is given (a temporary one by default): the database, the
feedback-request drafts as .eml files and the HTML report. It prints each verdict, the summary,
one of the drafts and the pattern report.
"""

from __future__ import annotations

import email
import email.policy
import tempfile
from importlib import resources
from pathlib import Path

import click

from onward import render
from onward.classifier.model import load_model
from onward.classifier.registry import resolve_model_path
from onward.config import load_config
from onward.mailbox.local import open_local_source
from onward.pipeline.processor import scan_local
from onward.report.build import build_report, to_html, to_text
from onward.store import Store


def run_demo(out: Path | None) -> None:
    """Scan the sample inbox into `out` (default: a new temporary folder) and show what came of it."""
    out = out or Path(tempfile.mkdtemp(prefix="onward-demo-"))
    out.mkdir(parents=True, exist_ok=True)
    database = out / "onward.db"
    for stale in (database, Path(f"{database}-wal"), Path(f"{database}-shm")):
        stale.unlink(missing_ok=True)
    drafts_dir = out / "drafts"
    for old in drafts_dir.glob("*.eml"):
        old.unlink()
    # the sample inbox is from 2024: its rejections are drafted whatever their age
    config = load_config(None, env={}, overrides={"database": database, "drafts_dir": drafts_dir,
                                                  "draft_max_age_days": 0})
    inbox = Path(str(resources.files("onward.data").joinpath("sample_inbox")))
    model = load_model(resolve_model_path(None))
    click.echo(f"onward demo: scanning the sample inbox ({inbox})\n")
    summary = scan_local(config, model, open_local_source(inbox / "eml"), label="sample inbox",
                         from_address="robin.ashby@example.org", my_name="Robin",
                         on_outcome=lambda o: click.echo(render.outcome_line(o)))
    click.echo("\n" + render.summary_line(summary, dry_run=False))
    drafts = sorted(drafts_dir.glob("*.eml"))
    if drafts:
        parsed = [email.message_from_bytes(d.read_bytes(), policy=email.policy.default) for d in drafts]
        first = next((d for d in parsed if d["To"]), parsed[0])  # show one that is ready to send
        click.echo(f"\n{len(drafts)} feedback-request drafts in {drafts_dir}; one of them:\n")
        for header in ("From", "To", "Subject", "In-Reply-To"):
            if first[header]:
                click.echo(f"  {header}: {first[header]}")
        body = first.get_body(("plain",))
        click.echo("\n" + "\n".join(f"  {line}" for line in (body.get_content() if body else "").splitlines()))
    with Store(database, readonly=True) as store:
        data = build_report(store)
    click.echo("\nThe pattern report (`onward report`):\n")
    click.echo(to_text(data), nl=False)
    (out / "report.html").write_text(to_html(data), encoding="utf-8")
    click.echo(f"\ndatabase: {database}\nhtml report: {out / 'report.html'}")
    click.echo("\nNext: install onward for your own mail with `pipx install .`, then `onward config init` "
               "(README, \"Using it on your mail\").")
