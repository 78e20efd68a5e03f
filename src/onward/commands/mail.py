"""The mail commands: scan and watch (the mailboxes), draft, parse, classify and filter (one
message or a few files, touching no server)."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import click

from onward import render
from onward.commands import AppContext, complete_account, load_chosen_model, model_option
from onward.errors import OnwardError
from onward.mail.headers import json_text, printable
from onward.vocab import STAGES

log = logging.getLogger("onward.cli")  # the name its lines had before the commands left cli.py


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "jsonl"]), default="text", show_default=True)
@click.pass_obj
def parse(app: AppContext, paths: tuple[Path, ...], fmt: str) -> None:
    """Show what onward sees in each message: headers, clean text, quote, signature, defects.

    PATHS may be .eml files, folders of them, mbox files or Maildirs.
    """
    from onward.mail.parse import parse_message
    from onward.mailbox.local import iter_local

    max_bytes = app.config.max_text_bytes
    for item in iter_local(paths):
        if item.error:
            render.show_mail(f"onward: skipped {item.location}: {item.error}", err=True)
            continue
        message = parse_message(item.raw, max_text_bytes=max_bytes)
        if fmt == "jsonl":
            record = {"location": item.location, **message.to_dict()}
            click.echo(json_text(record))
            continue
        render.show_parsed(item.location, message)


def _readable(items: Iterable[Any]) -> Iterator[Any]:
    for item in items:
        if item.error:
            render.show_mail(f"onward: skipped {item.location}: {item.error}", err=True)
            continue
        yield item


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@model_option
@click.option("--format", "fmt", type=click.Choice(["text", "jsonl"]), default="text", show_default=True)
@click.option("--jobs", "-j", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Worker processes.")
@click.pass_obj
def classify(app: AppContext, paths: tuple[Path, ...], model_path: Path | None, fmt: str, jobs: int) -> None:
    """Classify messages and say which are rejections.

    PATHS may be .eml files, folders of them, mbox files or Maildirs. The verdict is
    rejection, unsure or not_rejection; the category is one of rejection, application_ack,
    interview, offer, other_job, not_job.
    """
    from onward.classifier.workers import classify_stream
    from onward.mailbox.local import iter_local

    model = load_chosen_model(app, model_path)
    counts = {"rejection": 0, "unsure": 0, "not_rejection": 0}
    for result in classify_stream(_readable(iter_local(paths)), model, jobs=jobs,
                                  max_text_bytes=app.config.max_text_bytes):
        counts[result.prediction.verdict] += 1
        if fmt == "jsonl":
            click.echo(json_text(render.classify_record(result)))
        else:
            render.show_mail(render.classify_line(result))
    if fmt == "text":
        click.echo(render.classify_total(counts))


@click.command("filter")
@model_option
@click.option("--exit-code", is_flag=True,
              help="Exit 0 for a rejection, 1 for not, 2 for unsure (like bogofilter).")
@click.pass_obj
def filter_command(app: AppContext, model_path: Path | None, exit_code: bool) -> None:
    """Read one message on stdin, write it to stdout with X-Onward-* headers added.

    For procmail, maildrop, fdm, getmail or a Sieve execute step. A message that
    cannot be classified passes through unchanged.
    """
    from onward.filtering import add_verdict_headers

    raw = sys.stdin.buffer.read()
    verdict = None
    try:
        model = load_chosen_model(app, model_path)
        output, verdict = add_verdict_headers(raw, model, app.config.max_text_bytes)
    except Exception as exc:  # the mail must go through whatever happens to us
        log.warning("filter passed the message through unchanged: %s", exc)
        output = raw
    sys.stdout.buffer.write(output)
    sys.stdout.buffer.flush()
    if exit_code:
        sys.exit({"rejection": 0, "not_rejection": 1, "unsure": 2}.get(verdict or "", 3))


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--account", "accounts", multiple=True, shell_complete=complete_account,
              help="Only these configured accounts (repeatable).")
@click.option("--since", type=click.DateTime(formats=["%Y-%m-%d"]), metavar="YYYY-MM-DD",
              help="First scan looks back to this date.")
@click.option("--all", "scan_all", is_flag=True, help="First scan reads the whole folder.")
@click.option("--dry-run", is_flag=True, help="Read and classify, print what would happen, write nothing.")
@click.option("--format", "fmt", type=click.Choice(["text", "jsonl"]), default="text", show_default=True)
@click.option("--drafts-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Local scans: where draft .eml files go (default: beside the database).")
@click.option("--no-drafts", is_flag=True, help="Do not create feedback-request drafts.")
@click.option("--draft-max-age-days", type=click.IntRange(min=0), default=None,
              help="Draft only rejections at most this many days old (0: any age; default: the config's, 14).")
@click.option("--jobs", "-j", type=click.IntRange(0, 64), default=0, show_default="0: one per CPU, at most 4",
              help="IMAP scans of 512+ new messages: worker processes that read mail while this one fetches.")
@model_option
@click.pass_obj
def scan(app: AppContext, paths: tuple[Path, ...], accounts: tuple[str, ...], since: Any, scan_all: bool,
         dry_run: bool, fmt: str, drafts_dir: Path | None, no_drafts: bool, draft_max_age_days: int | None, jobs: int,
         model_path: Path | None) -> None:
    """Scan mail once: find rejections, record them, tag them and draft feedback requests.

    With PATHS (.eml files, folders, mbox, Maildir) scans those locally, drafts become .eml
    files; without, scans the configured IMAP accounts (only new mail after the first scan).
    """
    if since and scan_all:
        raise click.UsageError("--since and --all exclude each other")
    app.overrides["draft_max_age_days"] = draft_max_age_days

    config = app.config
    model = load_chosen_model(app, model_path)
    first_scan = not paths and not dry_run and not config.database.exists()
    with render.ScanProgress(enabled=fmt == "text" and app.verbosity >= 0) as progress:

        def show(outcome: Any) -> None:
            if fmt == "jsonl":
                click.echo(json_text(outcome.to_dict()))
            elif render.shown_at(app.verbosity, outcome):
                progress.clear()
                render.show_mail(render.outcome_line(outcome))
            progress.advance()

        if paths:
            from onward.mailbox import fetch_limit
            from onward.mailbox.local import iter_local
            from onward.pipeline.processor import scan_local

            local = iter_local(paths, fetch_limit(config.max_text_bytes))
            summaries = [scan_local(config, model, local, label=",".join(map(str, paths)),
                                    dry_run=dry_run, drafts_dir=drafts_dir, drafts=not no_drafts, on_outcome=show)]
            failures: list[tuple[str, str]] = []
        else:
            from onward.sync.scan import default_jobs, scan_accounts

            summaries, failures = scan_accounts(config, model, accounts, since=since.date() if since else None,
                                                scan_all=scan_all, dry_run=dry_run, drafts=not no_drafts,
                                                on_outcome=show, jobs=jobs or default_jobs(), on_found=progress.found)
    if fmt == "text":
        for summary in summaries:
            click.echo(render.summary_line(summary, dry_run))
    for _account, error in failures:
        click.echo(f"onward: error: {error}", err=True)
    if failures:
        sys.exit(1)
    if first_scan and fmt == "text" and app.verbosity >= 0:
        click.echo("next: onward history (the rejections), onward report (the patterns); to keep watching in the "
                   "background: systemctl --user enable --now onward (README, \"The background service\")")


@click.command()
@click.option("--account", "accounts", multiple=True, shell_complete=complete_account,
              help="Only these configured accounts (repeatable).")
@model_option
@click.pass_obj
def watch(app: AppContext, accounts: tuple[str, ...], model_path: Path | None) -> None:
    """Watch the configured accounts and handle new mail as it arrives (IDLE, else polling).

    Runs until SIGTERM or Ctrl-C; SIGHUP reloads the config. Logs go to stderr for journald.
    Only mail that arrives after the first scan window is handled (see `since_days`).
    """
    from onward.sync.watch import Watcher

    if logging.getLogger().level > logging.INFO and not app.debug:
        logging.getLogger("onward").setLevel(logging.INFO)  # a service should say what it does

    def load() -> tuple[Any, Any]:
        app._config = None  # re-read the file on every (re)load
        config = app.config
        for name in accounts:
            config.account(name)
        return config, load_chosen_model(app, model_path)

    def show(outcome: Any) -> None:
        if outcome.verdict in ("rejection", "unsure") or outcome.status in ("malformed", "unreadable", "failed"):
            log.info("%s", printable(render.outcome_line(outcome)))

    watcher = Watcher(load, accounts, on_outcome=show)
    watcher.install_signal_handlers()
    watcher.run()
    click.echo("onward watch: stopped", err=True)


@click.command()
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--stage", type=click.Choice(STAGES), help="Override the stage onward reads from the message.")
@click.option("--lang", help="Override the language (en, de, fr, es; others fall back to en).")
@click.option("--from", "from_address", default=None,
              help="Your address (default: the first configured account's, else me@example.com).")
@click.option("--name", "my_name", default=None, help="Your name for the sign-off (default: `name` in the config).")
@click.option("--show-facts", is_flag=True, help="Also print what onward extracted and how sure it is.")
@click.option("--force", is_flag=True, help="Draft even when the classifier does not call the message a rejection.")
@model_option
@click.pass_obj
def draft(app: AppContext, path: Path, stage: str | None, lang: str | None, from_address: str | None,
          my_name: str | None, show_facts: bool, force: bool, model_path: Path | None) -> None:
    """Print the feedback-request draft for one rejection (.eml). Touches no server.

    Use it to try templates: with `templates_dir` set in the config, your templates are used.
    """
    from onward.drafts.compose import compose, load_templates
    from onward.facts.extract import extract
    from onward.mail.parse import parse_message

    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise OnwardError(f"{path}: cannot read: {exc.strerror}") from None
    message = parse_message(raw, app.config.max_text_bytes)
    if not force:
        prediction = load_chosen_model(app, model_path).predict([message], explain=False)[0]
        if prediction.verdict != "rejection":
            raise OnwardError(f"{path}: not a rejection (classified {prediction.category}, {prediction.verdict}); "
                              "--force drafts a feedback request anyway")
    facts = extract(message)
    if show_facts:
        for name, field_value in facts.to_dict().items():
            render.show_mail(f"# {name}: {field_value['value']} (confidence {field_value['confidence']:.2f})")
    account = next(iter(app.config.accounts.values()), None)
    if from_address is None:
        from_address = account.from_address if account else "me@example.com"
    if my_name is None:
        my_name = app.config.signer_name(account)
    result = compose(message, facts, from_address, my_name,
                     load_templates(app.config.templates_dir), stage=stage, lang=lang)
    click.echo(f"# template: {result.template}")
    for header, value in result.message.items():
        if header.lower() not in ("content-type", "content-transfer-encoding", "mime-version"):
            render.show_mail(f"{header}: {value}")
    click.echo("")
    render.show_mail(result.body, nl=False)

