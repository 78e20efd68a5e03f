"""Keep secrets out of logs: every handler gets a filter that blanks any secret we have fetched.

imapclient already redacts LOGIN and AUTHENTICATE commands; this also covers an XOAUTH2
exchange, exception messages and anything else that might echo a secret by accident.
"""

from __future__ import annotations

import base64
import logging
import threading

_secrets: set[str] = set()
_lock = threading.Lock()
MASK = "***"


def register_secret(value: str, *derived: str) -> None:
    """Remember a secret (and forms derived from it, such as an XOAUTH2 string) for redaction."""
    with _lock:
        for item in (value, *derived):
            if item and len(item) >= 4:
                _secrets.add(item)
                _secrets.add(base64.b64encode(item.encode()).decode())


def redact(text: str) -> str:
    if not _secrets:
        return text
    with _lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, MASK)
    return text


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if _secrets:
            message = record.getMessage()
            cleaned = redact(message)
            if cleaned != message:
                record.msg, record.args = cleaned, None
            if record.exc_info and record.exc_info[1] is not None:
                # formatting the traceback happens later; make sure it cannot show a secret either
                import traceback

                record.exc_text = redact("".join(traceback.format_exception(*record.exc_info)))
        return True


def install(handler: logging.Handler) -> None:
    if not any(isinstance(f, RedactingFilter) for f in handler.filters):
        handler.addFilter(RedactingFilter())
