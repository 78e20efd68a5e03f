"""Configuration: TOML file < ONWARD_* environment < command-line flags.

Secrets never live in the file: an account names where its secret comes from
(an environment variable, a command, or the system keyring) and we fetch it only
when we connect.
"""

from __future__ import annotations

import difflib
import ipaddress
import logging
import os
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import platformdirs

from onward.errors import ConfigError
from onward.secrets import mask_command, secret_available

log = logging.getLogger(__name__)

APP_NAME = "onward"
TLS_MODES = ("ssl", "starttls", "none")
SECRET_KEYS = ("password_env", "password_command", "oauth2_token_command", "password_keyring")


def default_config_path() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME)) / "config.toml"


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME))


@dataclass(frozen=True)
class AccountConfig:
    name: str
    host: str
    username: str
    port: int | None = None
    tls: str = "ssl"
    ca_file: str | None = None
    address: str | None = None
    password_env: str | None = None
    password_command: str | None = None
    oauth2_token_command: str | None = None
    password_keyring: bool = False
    folders: tuple[str, ...] = ("INBOX",)
    allow_plaintext: bool = False
    tag: bool = True
    drafts: bool = True
    move_to: str | None = None
    drafts_folder: str | None = None
    poll_interval: int | None = None
    display_name: str | None = None  # the key `name`: signs this account's drafts; default: the top-level name

    @property
    def effective_port(self) -> int:
        if self.port is not None:
            return self.port
        return 993 if self.tls == "ssl" else 143

    @property
    def from_address(self) -> str:
        return self.address or self.username


@dataclass(frozen=True)
class Config:
    database: Path
    model: Path | None = None
    drafts_dir: Path | None = None
    templates_dir: Path | None = None
    max_text_bytes: int = 2 * 1024 * 1024
    since_days: int = 90
    poll_interval: int = 60
    keep_excerpt: bool = False
    name: str = ""  # the user's name: the drafts' sign-off and From display name
    draft_max_age_days: int = 14  # older rejections are recorded and tagged, not drafted; 0: no limit
    accounts: Mapping[str, AccountConfig] = field(default_factory=dict)
    source: Path | None = None  # the file it came from, None when defaults only

    @property
    def effective_drafts_dir(self) -> Path:
        return self.drafts_dir or self.database.parent / "drafts"

    @property
    def draft_age_limit(self) -> int | None:
        return self.draft_max_age_days or None

    def signer_name(self, account: AccountConfig | None = None) -> str:
        """Who signs the drafts (and is their From display name): the account's `name`, else the top-level one."""
        return (account.display_name if account else None) or self.name

    def account(self, name: str) -> AccountConfig:
        try:
            return self.accounts[name]
        except KeyError:
            known = ", ".join(sorted(self.accounts)) or "none configured"
            raise ConfigError(f"no account named {name!r} (accounts: {known})") from None


# key -> (python type, converter from TOML/env value); paths are expanded.
_TOP_LEVEL: dict[str, type] = {
    "database": Path,
    "model": Path,
    "drafts_dir": Path,
    "templates_dir": Path,
    "max_text_bytes": int,
    "since_days": int,
    "poll_interval": int,
    "keep_excerpt": bool,
    "name": str,
    "draft_max_age_days": int,
}
_ACCOUNT: dict[str, type] = {
    "host": str,
    "username": str,
    "port": int,
    "tls": str,
    "ca_file": str,
    "address": str,
    "password_env": str,
    "password_command": str,
    "oauth2_token_command": str,
    "password_keyring": bool,
    "folders": list,
    "allow_plaintext": bool,
    "tag": bool,
    "drafts": bool,
    "move_to": str,
    "drafts_folder": str,
    "poll_interval": int,
    "name": str,
}
_TYPE_NAMES = {Path: "a path string", str: "a string", int: "an integer", bool: "true or false", list: "a list"}


def _check_type(value: Any, expected: type, key: str, where: str) -> Any:
    ok = isinstance(value, str) if expected is Path else isinstance(value, expected)
    if expected is int and isinstance(value, bool):
        ok = False
    if not ok:
        raise ConfigError(f"{where}: {key!r} must be {_TYPE_NAMES[expected]}, got {type(value).__name__}")
    if expected is Path:
        return Path(os.path.expanduser(value))
    return value


def _from_env_string(raw: str, expected: type, key: str) -> Any:
    if expected is int:
        try:
            return int(raw)
        except ValueError:
            raise ConfigError(f"environment: ONWARD_{key.upper()} must be an integer, got {raw!r}") from None
    if expected is bool:
        lowered = raw.strip().lower()
        if lowered in ("1", "true", "yes", "on"):
            return True
        if lowered in ("0", "false", "no", "off"):
            return False
        raise ConfigError(f"environment: ONWARD_{key.upper()} must be true or false, got {raw!r}")
    if expected is Path:
        return Path(os.path.expanduser(raw))
    return raw


def check_name(value: str, key: str, where: str) -> str:
    """A name goes into a From header and a sign-off: one line, no control characters."""
    value = value.strip()
    if any(ord(c) < 32 or ord(c) == 127 for c in value) or len(value) > 100:
        raise ConfigError(f"{where}: {key!r} must be one line of at most 100 characters")
    return value


def _did_you_mean(key: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(key, list(known), n=1, cutoff=0.7)
    return f" (did you mean {close[0]!r}?)" if close else ""


def is_loopback(host: str) -> bool:
    if host.lower() in ("localhost", "localhost.localdomain", "ip6-localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _parse_account(name: str, table: Any, where: str) -> AccountConfig:
    prefix = f"accounts.{name}"
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: {prefix!r} must be a table")
    values: dict[str, Any] = {}
    if "password" in table:
        raise ConfigError(f"{where}: {prefix + '.password'!r}: passwords are never read from the config file; "
                          f"use one of {', '.join(SECRET_KEYS)} (`onward keys set {name}` stores one in the "
                          "system keyring)")
    for key, value in table.items():
        if key not in _ACCOUNT:
            raise ConfigError(f"{where}: unknown key {prefix + '.' + key!r}{_did_you_mean(key, _ACCOUNT)}")
        values[key] = _check_type(value, _ACCOUNT[key], f"{prefix}.{key}", where)
    for required in ("host", "username"):
        if required not in values:
            raise ConfigError(f"{where}: {prefix!r} needs {required!r}")
    tls = values.get("tls", "ssl")
    if tls not in TLS_MODES:
        raise ConfigError(f"{where}: {prefix + '.tls'!r} must be one of {', '.join(TLS_MODES)}, got {tls!r}")
    if tls == "none" and not is_loopback(values["host"]) and not values.get("allow_plaintext", False):
        raise ConfigError(
            f"{where}: {prefix!r} uses tls = \"none\" to {values['host']}, which is not loopback; "
            "set allow_plaintext = true if you really mean to send your password unencrypted"
        )
    sources = [k for k in SECRET_KEYS if values.get(k)]
    if len(sources) != 1:
        raise ConfigError(
            f"{where}: {prefix!r} needs exactly one of password_env, password_command, "
            f"oauth2_token_command, password_keyring (found {len(sources)})"
        )
    if "name" in values:
        values["display_name"] = check_name(values.pop("name"), f"{prefix}.name", where)
    folders = values.pop("folders", ["INBOX"])
    if not folders or not all(isinstance(f, str) and f for f in folders):
        raise ConfigError(f"{where}: {prefix + '.folders'!r} must be a non-empty list of folder names")
    port = values.get("port")
    if port is not None and not 0 < port < 65536:
        raise ConfigError(f"{where}: {prefix + '.port'!r} must be between 1 and 65535")
    return AccountConfig(name=name, folders=tuple(folders), **values)


def load_config(
    path: Path | None = None,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Config:
    """Build the effective configuration.

    `path` None means: $ONWARD_CONFIG, else the platform default; a missing default
    file is fine (defaults apply), a missing explicit file is an error.
    """
    env = os.environ if env is None else env
    explicit = path is not None or bool(env.get("ONWARD_CONFIG"))
    if path is None:
        path = Path(env["ONWARD_CONFIG"]) if env.get("ONWARD_CONFIG") else default_config_path()
    path = Path(os.path.expanduser(str(path)))

    data: dict[str, Any] = {}
    source: Path | None = None
    if path.exists():
        try:
            with open(path, "rb") as fh:
                data = tomllib.load(fh)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: not valid TOML: {exc}") from None
        except OSError as exc:
            raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
        source = path
    elif explicit:
        raise ConfigError(f"{path}: config file not found")

    where = str(path)
    values: dict[str, Any] = {}
    accounts: dict[str, AccountConfig] = {}
    for key, value in data.items():
        if key == "accounts":
            if not isinstance(value, dict):
                raise ConfigError(f"{where}: 'accounts' must be a table of [accounts.NAME] tables")
            for name, table in value.items():
                accounts[name] = _parse_account(name, table, where)
        elif key in _TOP_LEVEL:
            values[key] = _check_type(value, _TOP_LEVEL[key], key, where)
        else:
            raise ConfigError(f"{where}: unknown key {key!r}{_did_you_mean(key, [*_TOP_LEVEL, 'accounts'])}")

    for key, expected in _TOP_LEVEL.items():
        raw = env.get(f"ONWARD_{key.upper()}")
        if raw:
            values[key] = _from_env_string(raw, expected, key)
    for key, value in (overrides or {}).items():
        if value is None:
            continue
        if key not in _TOP_LEVEL:
            raise ConfigError(f"unknown setting {key!r}")
        values[key] = Path(os.path.expanduser(str(value))) if _TOP_LEVEL[key] is Path else value

    values.setdefault("database", default_data_dir() / "onward.db")
    if "name" in values:
        values["name"] = check_name(values["name"], "name", where)
    if values.get("draft_max_age_days", 0) < 0:
        raise ConfigError(f"{where}: 'draft_max_age_days' must be 0 (no limit) or more")
    for key in ("max_text_bytes", "since_days", "poll_interval"):
        if key in values and values[key] <= 0:
            raise ConfigError(f"{where}: {key!r} must be positive")
    return Config(accounts=accounts, source=source, **values)


def example_config(name: str = "") -> str:
    """The commented example file, with the user's name when they gave it."""
    name_line = f"name = {_toml_string(name)}" if name else '# name = "Sam Rivera"'
    return EXAMPLE_CONFIG.replace("{name_line}", name_line)


def _toml_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def problems(config: Config) -> list[str]:
    """What would stop a scan that the file's syntax does not show: no account, an unset variable."""
    found = [] if config.accounts else ["no accounts configured: add an [accounts.NAME] table (see the comments "
                                        "`onward config init` writes)"]
    for account in config.accounts.values():
        if account.password_env and secret_available(account) is False:
            found.append(f"account {account.name!r}: environment variable {account.password_env} is not set")
    return found


def describe(config: Config) -> dict[str, Any]:
    """The effective config as plain data, safe to print: no secret values."""
    out: dict[str, Any] = {"config_file": str(config.source) if config.source else None}
    for f in fields(config):
        if f.name in ("accounts", "source"):
            continue
        value = getattr(config, f.name)
        out[f.name] = str(value) if isinstance(value, Path) else value
    out["accounts"] = {}
    for name, account in config.accounts.items():
        shown: dict[str, Any] = {}
        for f in fields(account):
            value = getattr(account, f.name)
            if f.name == "name" or value is None or value is False:
                continue
            if f.name in ("password_command", "oauth2_token_command"):
                value = mask_command(value)
            shown[f.name] = list(value) if isinstance(value, tuple) else value
        shown["port"] = account.effective_port
        shown["secret_available"] = secret_available(account)
        out["accounts"][name] = shown
    return out


EXAMPLE_CONFIG = '''\
# onward configuration. Every key is optional unless marked.
# Precedence: this file < ONWARD_* environment variables < command-line flags.

# Your name: it signs the feedback-request drafts and is the display name of their From.
{name_line}

# Where onward keeps its history (SQLite).
# database = "~/.local/share/onward/onward.db"

# Folder for drafts of local scans (IMAP accounts save drafts to their Drafts folder).
# drafts_dir = "~/.local/share/onward/drafts"

# Your own draft templates (see README, "Templates").
# templates_dir = "~/.config/onward/templates"

# A model trained with `onward train`; default: the model shipped with onward.
# model = "~/.local/share/onward/models/onward-model.joblib"

# How far back the first scan of a folder looks, in days (`onward scan --all` for everything).
# since_days = 90

# Drafts for rejections older than this many days are not made (the rejection is still recorded
# and tagged): a feedback request weeks later is pointless. 0: no limit.
# draft_max_age_days = 14

# Seconds between polls for servers without IDLE.
# poll_interval = 60

# [accounts.personal]
# host = "imap.example.com"                  # required
# username = "me@example.com"                # required
# port = 993                                 # default: 993 for ssl, 143 otherwise
# tls = "ssl"                                # "ssl" (default) | "starttls" | "none" (loopback only)
# ca_file = "/path/to/ca.pem"                # an extra CA to trust
# address = "me@example.com"                 # From of drafts; default: username
# name = "Sam Rivera"                        # signs this account's drafts; default: the name above
# folders = ["INBOX"]                        # Gmail: ["[Gmail]/All Mail"] works too
#
# Exactly one secret source (a password is never read from this file):
# password_env = "ONWARD_PERSONAL_PASSWORD"
# password_command = "pass show mail/personal"   # first line of its output
# oauth2_token_command = "oauth2-helper --account personal"  # prints an XOAUTH2 access token
# password_keyring = true                        # keyring service "onward", user = account name
#
# Actions on a rejection:
# tag = true             # add the $Rejection keyword ($RejectionUnsure when unsure)
# drafts = true          # save a feedback-request draft in Drafts
# move_to = "Job search/Rejections"   # optional: move rejections here
'''
