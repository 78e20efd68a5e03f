"""The `onward` command. Thin: parse flags, call the library, turn known errors into one line."""

from __future__ import annotations

import json
import logging
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from onward import __version__
from onward.config import EXAMPLE_CONFIG, Config, default_config_path, describe, load_config
from onward.errors import OnwardError

log = logging.getLogger(__name__)


@dataclass
class AppContext:
    config_path: Path | None
    debug: bool
    overrides: dict[str, Any] = field(default_factory=dict)
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


def _setup_logging(verbose: int, quiet: int, debug: bool) -> None:
    level = logging.WARNING - 10 * verbose + 10 * quiet
    if debug:
        level = logging.DEBUG
    logging.basicConfig(
        level=max(logging.DEBUG, min(level, logging.CRITICAL)),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
        force=True,
    )


@click.group(cls=OnwardGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="onward")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path), envvar="ONWARD_CONFIG",
              help="Config file (default: the platform's user config dir; env ONWARD_CONFIG).")
@click.option("--database", type=click.Path(dir_okay=False, path_type=Path), help="SQLite history file.")
@click.option("--debug", is_flag=True, help="Debug logs and full tracebacks.")
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.option("-q", "--quiet", count=True, help="Less log output.")
@click.pass_context
def cli(ctx: click.Context, config_path: Path | None, database: Path | None, debug: bool, verbose: int,
        quiet: int) -> None:
    """onward reads your job-search mail, spots rejections, drafts a polite request for
    feedback, and shows you the patterns across them.

    Start with `onward demo`, then `onward config init`.
    """
    _setup_logging(verbose, quiet, debug)
    ctx.obj = AppContext(config_path=config_path, debug=debug, overrides={"database": database})


@cli.group()
def config() -> None:
    """Create and check the configuration file."""


@config.command("init")
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
@click.pass_obj
def config_init(app: AppContext, force: bool) -> None:
    """Write a commented example config file."""
    path = app.config_path or default_config_path()
    if path.exists() and not force:
        raise OnwardError(f"{path} already exists (use --force to overwrite)")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(EXAMPLE_CONFIG, encoding="utf-8")
    except OSError as exc:
        raise OnwardError(f"{path}: cannot write: {exc.strerror}") from None
    click.echo(f"wrote {path}")


@config.command("check")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_obj
def config_check(app: AppContext, fmt: str) -> None:
    """Validate the config and print the effective settings, secrets masked."""
    effective = describe(app.config)
    if fmt == "json":
        click.echo(json.dumps(effective, indent=2))
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
    click.echo("ok")


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "jsonl"]), default="text", show_default=True)
@click.pass_obj
def parse(app: AppContext, paths: tuple[Path, ...], fmt: str) -> None:
    """Show what onward sees in each message: headers, clean text, quote, signature, defects.

    PATHS may be .eml files, folders of them, mbox files or Maildirs.
    """
    from onward.parsing import parse_message
    from onward.sources.local import iter_local

    max_bytes = app.config.max_text_bytes
    for item in iter_local(paths):
        if item.error:
            click.echo(f"onward: skipped {item.location}: {item.error}", err=True)
            continue
        message = parse_message(item.raw, max_text_bytes=max_bytes)
        if fmt == "jsonl":
            record = {"location": item.location, **message.to_dict()}
            click.echo(json.dumps(record, ensure_ascii=False))
            continue
        name, addr = message.from_
        click.echo(f"== {item.location}")
        click.echo(f"Message-ID: {message.message_id}{' (synthetic)' if message.synthetic_id else ''}")
        click.echo(f"From: {name} <{addr}>" if name else f"From: {addr}")
        for rname, raddr in message.reply_to:
            click.echo(f"Reply-To: {rname} <{raddr}>")
        click.echo(f"Subject: {message.subject}")
        click.echo(f"Date: {message.date.isoformat() if message.date else '(none)'}")
        click.echo(f"Body: {message.body_format}, {len(message.text)} chars")
        if message.defects:
            click.echo(f"Defects: {'; '.join(message.defects)}")
        click.echo("")
        click.echo(message.text)
        if message.signature:
            click.echo(f"\n[signature]\n{message.signature}")
        if message.quoted:
            click.echo(f"\n[quoted: {len(message.quoted)} chars]")
        click.echo("")


def main() -> None:
    cli(prog_name="onward")


if __name__ == "__main__":
    main()
