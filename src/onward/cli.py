"""The `onward` command. Thin: parse flags, call the library, turn known errors into one line."""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from onward import logsafe, render
from onward.config import Config, check_name, default_config_path, describe, example_config, load_config
from onward.errors import OnwardError
from onward.mail.headers import json_text, printable

log = logging.getLogger(__name__)


@dataclass
class AppContext:
    config_path: Path | None
    debug: bool
    overrides: dict[str, Any] = field(default_factory=dict)
    verbosity: int = 0  # -v count minus -q count
    _config: Config | None = None

    @property
    def config(self) -> Config:
        if self._config is None:
            self._config = load_config(self.config_path, overrides=self.overrides)
        return self._config


class OnwardGroup(click.Group):
    """Known errors become one readable line and a non-zero exit; tracebacks only with --debug."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except OnwardError as exc:
            if _debug_requested(ctx):
                raise
            click.echo(f"onward: error: {exc}", err=True)
            ctx.exit(exc.exit_code)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except BrokenPipeError:
            # the reader (e.g. `| head`) went away: not an error worth a message
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - keeps interpreter shutdown quiet
            ctx.exit(141)
        except KeyboardInterrupt:
            click.echo("onward: interrupted", err=True)
            ctx.exit(130)
        except Exception as exc:
            if _debug_requested(ctx):
                raise
            click.echo(f"onward: internal error: {exc.__class__.__name__}: {exc} (run with --debug for details)", err=True)
            ctx.exit(70)


def _debug_requested(ctx: click.Context) -> bool:
    obj = ctx.find_object(AppContext)
    return bool(obj and obj.debug) or "--debug" in sys.argv


def _setup_logging(verbose: int, quiet: int, debug: bool, log_file: Path | None = None) -> None:
    level = logging.WARNING - 10 * verbose + 10 * quiet
    if debug:
        level = logging.DEBUG
    # under systemd, journald stamps each line itself
    stamp = "" if os.environ.get("JOURNAL_STREAM") else "%(asctime)s "
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if log_file is not None:
        try:
            file_handler = logging.FileHandler(log_file, encoding="utf-8")
        except OSError as exc:
            raise click.BadParameter(f"{log_file}: cannot write: {exc.strerror}", param_hint="--log-file") from None
        file_handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        handlers.append(file_handler)
    logging.basicConfig(
        level=max(logging.DEBUG, min(level, logging.CRITICAL)),
        format=f"{stamp}%(levelname)s %(name)s: %(message)s",
        handlers=handlers,
        force=True,
    )
    for handler in logging.getLogger().handlers:
        logsafe.install(handler)
    # imapclient logs every command at debug level; only --debug should show them
    logging.getLogger("imapclient").setLevel(logging.DEBUG if debug else max(level, logging.INFO))


def _complete_account(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[str]:
    """Shell completion of account names, from the config file the command line names."""
    try:
        config = load_config(ctx.find_root().params.get("config_path"))
    except OnwardError:
        return []
    return [name for name in config.accounts if name.startswith(incomplete)]


@click.group(cls=OnwardGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="onward", prog_name="onward")  # looked up only when asked for
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path), envvar="ONWARD_CONFIG",
              help="Config file (default: the platform's user config dir; env ONWARD_CONFIG).")
@click.option("--database", type=click.Path(dir_okay=False, path_type=Path), help="SQLite history file.")
@click.option("--debug", is_flag=True, help="Debug logs and full tracebacks.")
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.option("-q", "--quiet", count=True, help="Less log output.")
@click.option("--log-file", type=click.Path(dir_okay=False, path_type=Path),
              help="Also append the log to this file (with timestamps).")
@click.pass_context
def cli(ctx: click.Context, config_path: Path | None, database: Path | None, debug: bool, verbose: int,
        quiet: int, log_file: Path | None) -> None:
    """onward reads your job-search mail, spots rejections, drafts a polite request for
    feedback, and shows you the patterns across them.

    Start with `onward demo`, then `onward config init`.
    """
    _setup_logging(verbose, quiet, debug, log_file)
    ctx.obj = AppContext(config_path=config_path, debug=debug, overrides={"database": database},
                         verbosity=verbose - quiet)


@cli.group()
def config() -> None:
    """Create and check the configuration file."""


@config.command("init")
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
@click.option("--name", "my_name", default=None, help="Your name, to sign the drafts (asked when not given).")
@click.pass_obj
def config_init(app: AppContext, force: bool, my_name: str | None) -> None:
    """Write a commented example config file, with your name for signing the drafts."""
    path = app.config_path or default_config_path()
    if path.exists() and not force:
        raise OnwardError(f"{path} already exists (use --force to overwrite)")
    if my_name is None and sys.stdin.isatty():
        my_name = click.prompt("Your name, to sign the feedback-request drafts (empty: none)", default="",
                               show_default=False)
    text = example_config(check_name(my_name or "", "name", "--name"))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise OnwardError(f"{path}: cannot write: {exc.strerror}") from None
    click.echo(f"wrote {path}")
    click.echo(f"next: add your account to {path} (see the comments in it), then onward config check --connect")


@config.command("unit")
@click.pass_obj
def config_unit(app: AppContext) -> None:
    """Print the systemd user unit for `onward watch` with this onward and this config's database folder.

    onward config unit > ~/.config/systemd/user/onward.service
    """
    from onward.service_unit import unit_for

    config = app.config
    click.echo(unit_for(config), nl=False)
    if not config.database.parent.exists():
        click.echo(f"onward: note: {config.database.parent} does not exist yet; run `onward scan` once before "
                   "starting the service", err=True)


@config.command("check")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--connect", is_flag=True,
              help="Also log in to each account, list its folders and say what a scan would read (reads no mail).")
@click.pass_obj
def config_check(app: AppContext, fmt: str, connect: bool) -> None:
    """Validate the config and print the effective settings, secrets masked.

    Not ok (exit 1) without an account, or when an account's password variable is unset.
    """
    from onward.config import problems as config_problems

    config = app.config
    effective = describe(config)
    problems = config_problems(config)
    checks = _check_connections(app) if connect and config.accounts else []
    problems += [f"account {c['account']!r}: {c['error']}" for c in checks if c.get("error")]
    problems += [f"account {c['account']!r}: no folder {p['name']!r} on the server" for c in checks
                 for p in c.get("plans", []) if not p["exists"]]
    if fmt == "json":
        click.echo(json.dumps({**effective, "problems": problems, **({"connections": checks} if connect else {})},
                              indent=2, default=str))
        if problems:
            sys.exit(1)
        return
    source = effective.pop("config_file")
    click.echo(f"config file: {source or '(none found; defaults in use: ' + str(default_config_path()) + ')'}")
    accounts = effective.pop("accounts")
    for key, value in effective.items():
        click.echo(f"{key} = {value if value is not None else '(default)'}")
    for name, account in accounts.items():
        click.echo(f"[accounts.{name}]")
        for key, value in account.items():
            click.echo(f"  {key} = {value}")
    for check in checks:
        render.show_connection(check)
    if problems:
        for problem in problems:
            click.echo(f"not ok: {problem}")
        sys.exit(1)
    click.echo("ok")
    click.echo("next: onward scan --dry-run (what a scan would do), then onward scan" if connect else
               "next: onward config check --connect (logs in and shows what a scan would read)")


def _check_connections(app: AppContext) -> list[dict[str, Any]]:
    from dataclasses import asdict

    from onward.store import Store
    from onward.sync.preflight import check_connection

    config = app.config
    results = []
    store = Store(config.database, readonly=True) if config.database.exists() else None
    try:
        for account in config.accounts.values():
            try:
                results.append(asdict(check_connection(config, account, store)))
            except OnwardError as exc:
                results.append({"account": account.name, "error": str(exc)})
    finally:
        if store is not None:
            store.close()
    return results


@cli.command()
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


def _model_option(f: Any) -> Any:
    return click.option("--model", "model_path", type=click.Path(dir_okay=False, path_type=Path),
                        help="Model file (default: your trained model, else the shipped one).")(f)


def _load_model(app: AppContext, model_path: Path | None) -> Any:
    from onward.classifier.registry import load_active

    return load_active(model_path or app.config.model, lambda text: click.echo(f"onward: warning: {text}", err=True))


def _readable(items: Iterable[Any]) -> Iterator[Any]:
    for item in items:
        if item.error:
            render.show_mail(f"onward: skipped {item.location}: {item.error}", err=True)
            continue
        yield item


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@_model_option
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

    model = _load_model(app, model_path)
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


@cli.command("filter")
@_model_option
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
        model = _load_model(app, model_path)
        output, verdict = add_verdict_headers(raw, model, app.config.max_text_bytes)
    except Exception as exc:  # the mail must go through whatever happens to us
        log.warning("filter passed the message through unchanged: %s", exc)
        output = raw
    sys.stdout.buffer.write(output)
    sys.stdout.buffer.flush()
    if exit_code:
        sys.exit({"rejection": 0, "not_rejection": 1, "unsure": 2}.get(verdict or "", 3))


@cli.command()
@click.option("--data", "data", multiple=True,
              help="Corpus folder (labels.jsonl + eml/), or LABEL=DIR for a folder of one label. Repeatable.")
@click.option("--from-imap", "imap_specs", multiple=True, metavar="ACCOUNT:FOLDER=LABEL",
              help="Messages of a labelled IMAP folder, e.g. personal:Rejections=rejection. Repeatable.")
@click.option("--with-corrections", is_flag=True, help="Add the messages you corrected (`onward mark`, keywords).")
@click.option("--corrections-from", "correction_paths", multiple=True, type=click.Path(path_type=Path),
              help="Local copies of corrected messages (.eml, folder, mbox, Maildir) for local scans.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="Save here instead of making it the active model.")
@click.option("--folds", type=click.IntRange(0, 10), default=5, show_default=True,
              help="Cross-validation folds (0 to skip scoring).")
@click.pass_obj
def train(app: AppContext, data: tuple[str, ...], imap_specs: tuple[str, ...], with_corrections: bool,
          correction_paths: tuple[Path, ...], out: Path | None, folds: int) -> None:
    """Train a model on labelled mail and save it with its scores and thresholds.

    Without --data, onward's own training emails (shipped with it) are the base. Without --out
    the new model becomes the active one: first its scores are compared with the
    current model's on held-out data, and the current one is kept (`onward model use previous`).
    """
    from onward.classifier import registry, retrain
    from onward.classifier.data import load_data
    from onward.classifier.model import load_model, save_model
    from onward.classifier.training import train as run_training

    if not (data or imap_specs or with_corrections):
        raise click.UsageError("give --data, --from-imap or --with-corrections")
    if not data:  # your own mail on top of the emails we wrote, which ship with onward
        from importlib import resources

        data = (str(resources.files("onward.training_data")),)
    messages = load_data(data)
    if imap_specs:
        messages += retrain.load_imap_folders(app.config, [retrain.parse_imap_spec(s) for s in imap_specs])
    if with_corrections:
        with _open_history(app, readonly=True) as store:
            corrected = retrain.corrected_messages(app.config, store, correction_paths)
        click.echo(f"{len(corrected) // retrain.CORRECTION_REPEATS} corrected message(s) added", err=True)
        messages += corrected
    click.echo(f"training on {len(messages)} labelled messages", err=True)
    result = run_training(messages, folds=folds, progress=lambda text: click.echo(text, err=True))
    cv = result.report["scores"].get("cross_validated")
    if cv:
        click.echo(render.format_scores(cv, result.report["thresholds"]))
    if out:
        save_model(result.pipeline, result.report, out)
        click.echo(f"saved {out} (trained in {result.report['training_seconds']} s)")
        return
    try:
        current = load_model(registry.resolve_model_path(app.config.model))
        comparison = registry.held_out_comparison(current, messages)
    except OnwardError as exc:  # also a current model this onward cannot read: the new one replaces it
        click.echo(f"note: no held-out comparison ({exc})", err=True)
    else:
        for name in ("old", "new"):
            s = comparison[name]
            click.echo(f"{name} model on held-out data ({comparison['messages']['held_out']} messages): rejection "
                       f"precision {s['precision']:.3f}, recall {s['recall']:.3f}, f1 {s['f1']:.3f}")
    active = registry.install(result.pipeline, result.report)
    if app.config.model:
        click.echo(f"note: the config names model = {app.config.model}, which still takes precedence", err=True)
    click.echo(f"saved {active}; it is now the active model (undo: onward model use previous)")


@cli.group()
def model() -> None:
    """List the models, choose the active one, export an older one's predictor."""


@model.command("list")
def model_list() -> None:
    """The shipped model, your trained ones, and which is active."""
    from onward.classifier import registry

    render.show_models(registry.list_models())


@model.command("use")
@click.argument("name")
def model_use(name: str) -> None:
    """Make NAME active: `previous` (undo the last change), `shipped`, or a saved model's name."""
    from onward.classifier import registry

    active = registry.use_model(name)
    click.echo(f"active model: {active}")


@model.command("export")
@click.argument("path", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.pass_obj
def model_export(app: AppContext, path: Path | None) -> None:
    """Write the predictor file of a model saved by an older onward (default: the active model).

    onward classifies from that file alone; this reads the model's joblib file once, after
    checking it against its sidecar, and writes the file beside it.
    """
    from onward.classifier.model import export_model
    from onward.classifier.registry import resolve_model_path

    written = export_model(resolve_model_path(path or app.config.model))
    click.echo(f"wrote {written}")


@cli.command()
@click.option("--data", "data", multiple=True, required=True,
              help="Corpus folder (labels.jsonl + eml/), or LABEL=DIR. Repeatable.")
@_model_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_obj
def evaluate(app: AppContext, data: tuple[str, ...], model_path: Path | None, fmt: str) -> None:
    """Score a model on labelled mail: per category, rejection vs rest, confusion, misses."""
    from onward.classifier.data import load_data
    from onward.classifier.evaluation import evaluate as run_evaluation

    model = _load_model(app, model_path)
    result = run_evaluation(model, load_data(data), app.config.max_text_bytes)
    if fmt == "json":
        click.echo(json.dumps(result, indent=2))
        return
    render.show_evaluation(result)


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--account", "accounts", multiple=True, shell_complete=_complete_account,
              help="Only these configured accounts (repeatable).")
@click.option("--since", type=click.DateTime(formats=["%Y-%m-%d"]), metavar="YYYY-MM-DD", help="First scan looks back to this date.")
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
@_model_option
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
    model = _load_model(app, model_path)
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
            from onward.mailbox.local import iter_local
            from onward.pipeline.processor import scan_local

            summaries = [scan_local(config, model, iter_local(paths), label=",".join(map(str, paths)),
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


@cli.command()
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where the demo writes its database and drafts (default: a temporary folder).")
def demo(out: Path | None) -> None:
    """Run onward on the sample inbox that ships with it: no account, no network."""
    from onward.demo import run_demo

    run_demo(out)


@cli.command()
@click.option("--account", "accounts", multiple=True, shell_complete=_complete_account,
              help="Only these configured accounts (repeatable).")
@_model_option
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
        return config, _load_model(app, model_path)

    def show(outcome: Any) -> None:
        if outcome.verdict in ("rejection", "unsure") or outcome.status in ("malformed", "unreadable", "failed"):
            log.info("%s", printable(render.outcome_line(outcome)))

    watcher = Watcher(load, accounts, on_outcome=show)
    watcher.install_signal_handlers()
    watcher.run()
    click.echo("onward watch: stopped", err=True)


@cli.command()
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--stage", type=click.Choice(["application", "assessment", "interview", "final", "unknown"]),
              help="Override the stage onward reads from the message.")
@click.option("--lang", help="Override the language (en, de, fr, es; others fall back to en).")
@click.option("--from", "from_address", default="me@example.com", show_default=True, help="Your address.")
@click.option("--name", "my_name", default=None, help="Your name for the sign-off (default: `name` in the config).")
@click.option("--show-facts", is_flag=True, help="Also print what onward extracted and how sure it is.")
@click.option("--force", is_flag=True, help="Draft even when the classifier does not call the message a rejection.")
@_model_option
@click.pass_obj
def draft(app: AppContext, path: Path, stage: str | None, lang: str | None, from_address: str, my_name: str | None,
          show_facts: bool, force: bool, model_path: Path | None) -> None:
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
        prediction = _load_model(app, model_path).predict([message], explain=False)[0]
        if prediction.verdict != "rejection":
            raise OnwardError(f"{path}: not a rejection (classified {prediction.category}, {prediction.verdict}); "
                              "--force drafts a feedback request anyway")
    facts = extract(message)
    if show_facts:
        for name, field_value in facts.to_dict().items():
            render.show_mail(f"# {name}: {field_value['value']} (confidence {field_value['confidence']:.2f})")
    result = compose(message, facts, from_address, app.config.name if my_name is None else my_name,
                     load_templates(app.config.templates_dir), stage=stage, lang=lang)
    click.echo(f"# template: {result.template}")
    for header, value in result.message.items():
        if header.lower() not in ("content-type", "content-transfer-encoding", "mime-version"):
            render.show_mail(f"{header}: {value}")
    click.echo("")
    render.show_mail(result.body, nl=False)


def _open_history(app: AppContext, readonly: bool = False) -> Any:
    from onward.store import Store

    database = app.config.database
    if not database.exists():
        raise OnwardError(f"no history yet at {database}: run `onward scan` first")
    return Store(database, readonly=readonly)


@cli.command()
@click.option("--since", type=click.DateTime(formats=["%Y-%m-%d"]), metavar="YYYY-MM-DD", help="Only mail received on or after this date.")
@click.option("--account", shell_complete=_complete_account, help="Only this account.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "csv", "html"]), default="text", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write to this file instead of stdout.")
@click.pass_obj
def report(app: AppContext, since: Any, account: str | None, fmt: str, out: Path | None) -> None:
    """The patterns across your rejections: funnel, stages, reasons, timing, feedback, observations.

    json and csv follow a stable schema (see README); html is one self-contained file with charts.
    """
    from onward.report.build import FORMATS, build_report

    with _open_history(app, readonly=True) as store:
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


@cli.command()
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
    with _open_history(app, readonly=True) as store:
        events = failures(store) if failed else rejection_history(store, company)
    if fmt == "json":
        click.echo(json_text(events, indent=2))
        return
    if failed:
        render.show_failures(events)
        return
    render.show_history(events)


@cli.command()
@click.argument("message")
@click.option("--as", "label", required=True, help="rejection, not_rejection, or a category.")
@click.option("--account", shell_complete=_complete_account, help="Only in this account.")
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

    with _open_history(app) as store:
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


@cli.command()
@click.option("--company", help="Forget everything about this company.")
@click.option("--message-id", help="Forget this message.")
@click.pass_obj
def forget(app: AppContext, company: str | None, message_id: str | None) -> None:
    """Delete what onward stored about a company or a message (never the mail itself)."""
    from onward.history import forget as forget_records

    with _open_history(app) as store:
        count = forget_records(store, company, message_id)
    click.echo(f"forgot {count} message(s)")


@cli.command()
@click.pass_obj
def export(app: AppContext) -> None:
    """Everything onward stored, as JSON on stdout."""
    from onward.history import export as export_all

    with _open_history(app, readonly=True) as store:
        click.echo(json_text(export_all(store), indent=2))


@cli.group()
def keys() -> None:
    """Passwords in the system keyring, for accounts with password_keyring = true."""


@keys.command("set")
@click.argument("account", shell_complete=_complete_account)
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin, no prompt.")
@click.pass_obj
def keys_set(app: AppContext, account: str, password_stdin: bool) -> None:
    """Store ACCOUNT's password (or app password) in the system keyring."""
    from onward.secrets import store_in_keyring

    settings = app.config.account(account)
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt(f"password for {settings.username} at {settings.host}", hide_input=True,
                                confirmation_prompt=True, err=True)
    if not password:
        raise OnwardError("no password given; nothing stored")
    backend = store_in_keyring(account, password)
    click.echo(f"stored the password of account {account!r} in the keyring ({backend})")
    if not settings.password_keyring:
        click.echo(f"note: account {account!r} does not read it yet: set password_keyring = true instead of "
                   "its other secret source", err=True)
    click.echo("next: onward config check --connect")


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_obj
def accounts(app: AppContext, fmt: str) -> None:
    """The configured accounts: server, user, folders and where the secret comes from."""
    from onward.config import SECRET_KEYS

    listed = describe(app.config)["accounts"]
    if fmt == "json":
        click.echo(json.dumps(listed, indent=2))
        return
    for name, a in listed.items():
        source = next((f"{key} = {a[key]}" for key in SECRET_KEYS if a.get(key)), "no secret source")
        click.echo(f"{name}: {a['username']} at {a['host']}:{a['port']} ({a['tls']}), folders "
                   f"{', '.join(a['folders'])}; {source}")
    if not listed:
        click.echo("no accounts configured: `onward config init`, then add an [accounts.NAME] table")


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_obj
def status(app: AppContext, fmt: str) -> None:
    """Per account: last scan, last error, mail seen, rejections and drafts waiting in Drafts."""
    from onward.status import account_status

    with _open_history(app, readonly=True) as store:
        rows = account_status(store, app.config)
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2))
        return
    render.show_status(rows)


def main() -> None:
    # onward multiplies no dense matrices, so the thread pool OpenBLAS starts when numpy is
    # imported only costs each start 40-60 ms, a fifth of a one-message run (a user's own
    # setting stays)
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    cli(prog_name="onward")


if __name__ == "__main__":
    main()
