"""The `onward` command: the group with its global options, the logging setup and the one error
boundary (OnwardGroup.invoke), under which the commands of onward.commands are registered."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import Any

import click

from onward import logsafe
from onward.commands import AppContext, history, mail, setup
from onward.errors import OnwardError


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
            click.echo(f"onward: internal error: {exc.__class__.__name__}: {exc} (run with --debug for details)",
                       err=True)
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


for command in (mail.scan, mail.watch, mail.draft, mail.parse, mail.classify, mail.filter_command,
                history.history, history.mark, history.forget, history.export, history.report, history.status,
                setup.config, setup.keys, setup.accounts, setup.model, setup.train, setup.evaluate, setup.demo):
    cli.add_command(command)


def main() -> None:
    # onward multiplies no dense matrices, so the thread pool OpenBLAS starts when numpy is
    # imported only costs each start 40-60 ms, a fifth of a one-message run (a user's own
    # setting stays)
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    cli(prog_name="onward")


if __name__ == "__main__":
    main()
