"""Errors a user can act on. The CLI prints them as one line; anything else is a bug."""


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
