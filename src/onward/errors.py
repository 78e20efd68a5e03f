"""Errors a user can act on. The CLI prints them as one line; anything else is a bug."""

import imaplib
import sqlite3


class OnwardError(Exception):
    """Base class: the message is written for the user."""

    exit_code = 1


class ConfigError(OnwardError):
    exit_code = 2


class SourceError(OnwardError):
    """A mail source (path, mailbox) cannot be read."""


class ModelError(OnwardError):
    """The model file is missing, tampered with, or from an incompatible version."""


class ModelFormatError(ModelError):
    """A model saved by an older onward, whose features this one no longer computes."""


class MailboxError(OnwardError):
    """An IMAP server refused us or could not be reached."""


class LoginRefused(MailboxError):
    """The server said no to the password or token: trying again will not change its mind."""


class SecretError(OnwardError):
    """A password or token could not be obtained."""


def caused_by_surroundings(exc: BaseException) -> bool:
    """A lost connection, a full disk or a locked database: nothing the message in hand did, so it
    must not be recorded as that message's failure. Such an error ends the batch unrecorded (its
    folder state does not advance) and the batch is read again later."""
    return isinstance(exc, (OSError, EOFError, imaplib.IMAP4.abort, sqlite3.OperationalError))
