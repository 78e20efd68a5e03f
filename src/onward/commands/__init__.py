"""The commands of `onward`, by theme: `mail` (scan, watch, draft, parse, classify, filter),
`history` (history, mark, forget, export, report, status) and `setup` (config, keys, accounts,
model, train, evaluate, demo); cli.py registers them under its group. Here is what they share:
the AppContext the group hands each command, account-name completion, the --model option and
the model it chooses, and opening the history.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from onward.config import Config, load_config
from onward.errors import OnwardError


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


def complete_account(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[str]:
    """Shell completion of account names, from the config file the command line names."""
    try:
        config = load_config(ctx.find_root().params.get("config_path"))
    except OnwardError:
        return []
    return [name for name in config.accounts if name.startswith(incomplete)]


def model_option(f: Any) -> Any:
    return click.option("--model", "model_path", type=click.Path(dir_okay=False, path_type=Path),
                        help="Model file (default: your trained model, else the shipped one).")(f)


def load_chosen_model(app: AppContext, model_path: Path | None) -> Any:
    from onward.classifier.registry import load_active

    return load_active(model_path or app.config.model, lambda text: click.echo(f"onward: warning: {text}", err=True))


def open_history(app: AppContext, readonly: bool = False) -> Any:
    from onward.store import Store

    database = app.config.database
    if not database.exists():
        raise OnwardError(f"no history yet at {database}: run `onward scan` first")
    return Store(database, readonly=readonly)

