"""Where an account's secret comes from: an environment variable, a command (a password manager
or an OAuth2 token helper) or the system keyring. Never from the config file."""

from __future__ import annotations

import os
import shlex
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import ModuleType
from typing import TYPE_CHECKING

from onward import logsafe
from onward.errors import SecretError

if TYPE_CHECKING:
    from onward.config import AccountConfig


def mask_command(command: str) -> str:
    """Show which program fetches a secret without showing its arguments, which may hold one."""
    try:
        words = shlex.split(command)
    except ValueError:
        words = command.split()
    return f"{words[0]} ***" if len(words) > 1 else (words[0] if words else "")


def secret_available(account: AccountConfig) -> bool | None:
    """Whether the secret can be found without running anything (None: would need a command)."""
    if account.password_env:
        return bool(os.environ.get(account.password_env))
    return None


@dataclass(frozen=True)
class Secret:
    kind: str  # "password" | "oauth2"
    value: str = field(repr=False)

    def __post_init__(self) -> None:
        logsafe.register_secret(self.value)

    def __repr__(self) -> str:  # never show the value, even in a debugger dump
        return f"Secret(kind={self.kind!r}, value=***)"


def _run_secret_command(command: str, what: str, account: str) -> str:
    try:
        argv = shlex.split(command)
    except ValueError as exc:
        raise SecretError(f"account {account!r}: cannot parse {what}: {exc}") from None
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)
    except FileNotFoundError:
        raise SecretError(f"account {account!r}: {what} program not found: {argv[0]}") from None
    except subprocess.TimeoutExpired:
        raise SecretError(f"account {account!r}: {what} did not finish within 60 s") from None
    if done.returncode != 0:
        # stderr of a password manager is safe to show; stdout may hold the secret.
        reason = (done.stderr.strip().splitlines() or ["no message"])[0][:200]
        raise SecretError(f"account {account!r}: {what} failed (exit {done.returncode}): {reason}")
    first = (done.stdout.splitlines() or [""])[0].strip()
    if not first:
        raise SecretError(f"account {account!r}: {what} printed nothing")
    return first


def resolve_secret(account: AccountConfig, env: Mapping[str, str] | None = None) -> Secret:
    env = os.environ if env is None else env
    if account.oauth2_token_command:
        return Secret("oauth2", _run_secret_command(account.oauth2_token_command, "oauth2_token_command", account.name))
    if account.password_command:
        return Secret("password", _run_secret_command(account.password_command, "password_command", account.name))
    if account.password_env:
        value = env.get(account.password_env)
        if not value:
            raise SecretError(f"account {account.name!r}: environment variable {account.password_env} is not set")
        return Secret("password", value)
    if account.password_keyring:
        value = _keyring(account.name).get_password(KEYRING_SERVICE, account.name)
        if not value:
            raise SecretError(f"account {account.name!r}: no password in the keyring under service 'onward' "
                              f"(onward keys set {account.name})")
        return Secret("password", value)
    raise SecretError(f"account {account.name!r}: no secret source configured")


KEYRING_SERVICE = "onward"


def _keyring(account: str) -> ModuleType:
    try:
        import keyring  # optional dependency: pip install 'onward[keyring]'
    except ImportError:
        raise SecretError(f"account {account!r}: password_keyring needs the keyring package "
                          "(pipx inject onward keyring, or pip install 'onward[keyring]')") from None
    return keyring


def store_in_keyring(account: str, value: str) -> str:
    """Save an account's password in the system keyring; returns the keyring's name for people."""
    keyring = _keyring(account)
    try:
        keyring.set_password(KEYRING_SERVICE, account, value)
    except keyring.errors.KeyringError as exc:
        raise SecretError(f"account {account!r}: the keyring refused the password: {exc}") from None
    return type(keyring.get_keyring()).__name__
