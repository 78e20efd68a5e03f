"""An IMAP mailbox through imapclient: connect safely, read new mail without marking it read,
tag it, and save drafts exactly once. Nothing here ever deletes or sends mail.

`ImapMailbox` is one connection with its parts as mixins, one module each: `connection.py`
(TLS, login, capabilities), `reading.py` (SELECT/STATUS, SEARCH, FETCH), `acting.py` (keywords,
drafts, MOVE) and `idle.py` (IDLE). Every IMAP command of onward is in this package.
"""

from __future__ import annotations

from onward.mailbox.imap.acting import ActingMixin
from onward.mailbox.imap.connection import NETWORK_ERRORS
from onward.mailbox.imap.idle import IdleMixin
from onward.mailbox.imap.reading import FolderStatus

__all__ = ["NETWORK_ERRORS", "FolderStatus", "ImapMailbox"]


class ImapMailbox(ActingMixin, IdleMixin):
    """Connect with `connect()` or `with`; the methods of the mixins all run on `self.imap`."""
