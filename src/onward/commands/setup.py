"""The setup commands: the config file and its check, passwords in the keyring, the accounts,
the models (list, use, export), training and evaluating one, and the demo."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from onward import render
from onward.commands import AppContext, complete_account, load_chosen_model, model_option, open_history
from onward.config import check_name, default_config_path, describe, example_config
from onward.errors import OnwardError


@click.group()
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
    from onward.commands.service_unit import unit_for

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


@click.group()
def keys() -> None:
    """Passwords in the system keyring, for accounts with password_keyring = true."""


@keys.command("set")
@click.argument("account", shell_complete=complete_account)
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


@click.command()
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


@click.group()
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


@click.command()
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
        with open_history(app, readonly=True) as store:
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


@click.command()
@click.option("--data", "data", multiple=True, required=True,
              help="Corpus folder (labels.jsonl + eml/), or LABEL=DIR. Repeatable.")
@model_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_obj
def evaluate(app: AppContext, data: tuple[str, ...], model_path: Path | None, fmt: str) -> None:
    """Score a model on labelled mail: per category, rejection vs rest, confusion, misses."""
    from onward.classifier.data import load_data
    from onward.classifier.evaluation import evaluate as run_evaluation

    model = load_chosen_model(app, model_path)
    result = run_evaluation(model, load_data(data), app.config.max_text_bytes)
    if fmt == "json":
        click.echo(json.dumps(result, indent=2))
        return
    render.show_evaluation(result)


@click.command()
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where the demo writes its database and drafts (default: a temporary folder).")
def demo(out: Path | None) -> None:
    """Run onward on the sample inbox that ships with it: no account, no network."""
    from onward.demo import run_demo

    run_demo(out)

