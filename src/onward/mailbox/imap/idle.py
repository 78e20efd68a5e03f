"""Waiting on an IMAP folder with IDLE until the server reports a change, the time is up or a stop
is asked for; including the response imaplib may already have buffered before IDLE began."""

from __future__ import annotations

import time
from collections.abc import Callable

from onward.mailbox.imap.reading import ReadingMixin

IDLE_CHECK_SECONDS = 1.0  # how quickly a stop request is noticed while idling


class IdleMixin(ReadingMixin):
    def wait_for_change(self, folder: str, seconds: float, should_stop: Callable[[], bool]) -> bool:
        """IDLE on `folder` for up to `seconds`: True as soon as the server reports a change (new
        mail, changed flags), False when the time is up or `should_stop()` says so."""
        if self.selected != folder or self.readonly:
            self.select(folder)
        client = self.imap
        client.idle()
        started = time.monotonic()
        try:
            # mail that arrived between the caller's last SEARCH and IDLE is announced with IDLE's
            # continuation, and can sit in imaplib's read buffer, where polling the socket never
            # sees it: look there first, or that mail waits for the next change or renewal
            if self._response_buffered():
                return True
            while not should_stop() and time.monotonic() - started < seconds:
                if client.idle_check(timeout=IDLE_CHECK_SECONDS):
                    return True
            return False
        finally:
            client.idle_done()

    def _response_buffered(self) -> bool:
        """Whether a server response has been read from the socket but not yet parsed."""
        reader = getattr(self.imap._imap, "file", None)  # imaplib's buffered reader over the socket
        if reader is None or not hasattr(reader, "peek"):
            return False
        sock = self.imap.socket()
        timeout = sock.gettimeout()
        sock.setblocking(False)  # peek may read the socket once: it must not wait for data
        try:
            return bool(reader.peek(1))
        except OSError:  # nothing to read now (EAGAIN, or TLS wanting more bytes)
            return False
        finally:
            sock.settimeout(timeout)
