"""The connection under an IMAP mailbox: TLS (direct or STARTTLS) with certificate and host name
checks, the login (password or OAuth2) with hints that name the likely misconfiguration, the
server's capabilities, and closing. `ConnectionMixin` is the base of the other mixins of
`ImapMailbox`; `NETWORK_ERRORS` are what the callers reconnect on."""

from __future__ import annotations

import contextlib
import logging
import socket
import ssl
from collections.abc import Callable
from typing import Self

from imapclient import IMAPClient, SocketTimeout
from imapclient.exceptions import IMAPClientError, LoginError

from onward import logsafe
from onward.config import AccountConfig
from onward.errors import LoginRefused, MailboxError
from onward.secrets import Secret, resolve_secret

log = logging.getLogger("onward.mailbox.imap")  # the name its lines had before imap.py became a package

# Until the server's greeting: an IMAP server greets at once, so a silent one is most likely a TLS
# port spoken to in plain text (it waits for our TLS hello while we wait for its greeting).
GREETING_TIMEOUT = 10.0
HOSTNAME_MISMATCH = 62  # X509_V_ERR_HOSTNAME_MISMATCH

# What can go wrong on the wire; the caller reconnects on these.
NETWORK_ERRORS: tuple[type[BaseException], ...] = (OSError, IMAPClientError, ssl.SSLError, EOFError)


def tls_context(account: AccountConfig) -> ssl.SSLContext:
    context = ssl.create_default_context()  # certificate and host name checks on
    if account.ca_file:
        try:
            context.load_verify_locations(cafile=account.ca_file)
        except (OSError, ssl.SSLError) as exc:
            raise MailboxError(f"account {account.name!r}: cannot load ca_file {account.ca_file}: {exc}") from None
    return context


class ConnectionMixin:
    def __init__(self, account: AccountConfig, timeout: float = 60.0,
                 secret_source: Callable[[AccountConfig], Secret] = resolve_secret,
                 greeting_timeout: float = GREETING_TIMEOUT) -> None:
        self.account = account
        self.timeout = timeout
        self.greeting_timeout = min(greeting_timeout, timeout)
        self.secret_source = secret_source
        self.client: IMAPClient | None = None
        self.selected: str | None = None
        self.readonly = True
        self._capabilities: tuple[bytes, ...] = ()
        # per connection: the special folders and the Message-IDs in Drafts and Sent, read once
        # instead of a LIST, two SELECTs and a SEARCH per draft
        self._special: dict[bytes, str | None] = {}
        self._message_ids: dict[str, set[str]] = {}

    def connect(self) -> Self:
        a = self.account
        where = f"{a.host}:{a.effective_port}"
        context = tls_context(a) if a.tls != "none" else None
        try:
            client = IMAPClient(a.host, port=a.effective_port, ssl=a.tls == "ssl", ssl_context=context,
                                timeout=SocketTimeout(connect=self.greeting_timeout, read=self.timeout))
            if a.tls == "starttls":
                client.starttls(context)
        except ssl.SSLCertVerificationError as exc:
            if exc.verify_code == HOSTNAME_MISMATCH:
                raise MailboxError(f"account {a.name!r}: the TLS certificate of {where} is not for {a.host!r} "
                                   f"({exc.verify_message}): set host to the name the server's certificate "
                                   "names") from None
            raise MailboxError(f"account {a.name!r}: TLS certificate of {where} refused: {exc.verify_message}"
                               " (set ca_file to trust a private CA)") from None
        except ssl.SSLError as exc:
            hint = ""
            if a.tls == "ssl" and exc.reason == "WRONG_VERSION_NUMBER":  # it answered in plain text
                hint = (f" ({where} speaks plain IMAP, not TLS: set tls = \"starttls\", or the TLS port, "
                        "usually 993)")
            raise MailboxError(f"account {a.name!r}: TLS with {where} failed: {exc.reason or exc}{hint}") from None
        except socket.gaierror:
            raise MailboxError(f"account {a.name!r}: unknown host {a.host}") from None
        except TimeoutError:
            hint = (f"; if {a.effective_port} is a TLS port (usually 993), set tls = \"ssl\"" if a.tls != "ssl"
                    else "")
            raise MailboxError(f"account {a.name!r}: {where} did not greet within {self.greeting_timeout:.0f} s"
                               f"{hint}") from None
        except OSError as exc:
            raise MailboxError(f"account {a.name!r}: cannot connect to {where}: {exc.strerror or exc}") from None
        except IMAPClientError as exc:
            raise MailboxError(f"account {a.name!r}: {where}: {exc}") from None
        secret = self.secret_source(a)
        try:
            if secret.kind == "oauth2":
                logsafe.register_secret(secret.value, f"user={a.username}\x01auth=Bearer {secret.value}\x01\x01")
                client.oauth2_login(a.username, secret.value)
            else:
                client.login(a.username, secret.value)
        except LoginError:
            _close_quietly(client)
            what = "token" if secret.kind == "oauth2" else "password"
            raise LoginRefused(f"account {a.name!r}: login refused for {a.username} at {where} (check the {what})"
                               ) from None
        except NETWORK_ERRORS as exc:
            _close_quietly(client)
            raise MailboxError(f"account {a.name!r}: login to {where} failed: {logsafe.redact(str(exc))}") from None
        self.client = client
        self._capabilities = tuple(client.capabilities())
        self._special, self._message_ids = {}, {}
        if self.has("CONDSTORE"):
            # flag changes can then be asked for by MODSEQ: a rescan costs what changed, not the folder
            with contextlib.suppress(IMAPClientError):
                client.enable("CONDSTORE")
        log.info("account %s: connected to %s as %s", a.name, where, a.username)
        return self

    def close(self) -> None:
        if self.client is not None:
            _close_quietly(self.client)
            self.client = None
            self.selected = None

    def __enter__(self) -> Self:
        return self.connect() if self.client is None else self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def imap(self) -> IMAPClient:
        if self.client is None:
            raise MailboxError(f"account {self.account.name!r}: not connected")
        return self.client

    def has(self, capability: str) -> bool:
        return capability.encode().upper() in (c.upper() for c in self._capabilities)

    @property
    def is_gmail(self) -> bool:
        return self.has("X-GM-EXT-1")


def _close_quietly(client: IMAPClient) -> None:
    try:
        client.logout()
    except Exception:
        with contextlib.suppress(Exception):  # the socket is gone already; nothing left to close
            client.shutdown()
