"""Shared test helpers: configs pointing at the test Dovecot, and messages we write here."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from dovecot_server import TestAccount

# How long a test waits for something that happens on its own (a watcher connecting, new mail
# being tagged): far longer than it takes, so that a busy machine only makes a test slower, never
# fails it. A wait ends as soon as its condition holds.
PATIENCE = 120.0


def wait_for(condition: Callable[[], object], timeout: float = PATIENCE, interval: float = 0.05) -> bool:
    """Whether `condition()` became true before `timeout` seconds passed; checked every `interval`."""
    deadline = time.monotonic() + timeout
    while True:
        if condition():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)


def write_config(path: Path, accounts: dict[str, TestAccount], *, tls: str = "ssl", extra: str = "",
                 account_extra: str = "", database: Path | None = None, ca: bool = True) -> Path:
    lines = []
    if database is not None:
        lines.append(f'database = "{database}"')
    lines.append(extra)
    for name, acct in accounts.items():
        port = acct.tls_port if tls == "ssl" else acct.port
        lines += [
            f"[accounts.{name}]",
            f'host = "{acct.host}"',
            f"port = {port}",
            f'tls = "{tls}"',
            f'username = "{acct.username}"',
            f'address = "{acct.username}@example.net"',
            f'password_env = "ONWARD_TEST_PASSWORD_{name.upper()}"',
        ]
        if ca:
            lines.append(f'ca_file = "{acct.ca_file}"')
        lines.append(account_extra)
    path.write_text("\n".join(lines) + "\n")
    return path


def message(subject: str, body: str, *, sender: str = "Kestrel Talent <no-reply@greenhouse.io>",
            message_id: str | None = None, days_ago: float = 1, reply_to: str | None = None,
            html: bool = False) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "Sam Rivera <sam@example.net>"
    if reply_to:
        msg["Reply-To"] = reply_to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(datetime.now(UTC) - timedelta(days=days_ago))
    if message_id:
        msg["Message-ID"] = message_id
    msg.set_content(body, subtype="html" if html else "plain")
    return msg.as_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


REJECTION = message(
    "Update on your application to Kestrel Bank",
    "Hi Sam,\n\nThank you for your interest in the Data Engineer position at Kestrel Bank and for the time you "
    "invested in applying.\n\nAfter careful review, we have decided to move forward with other candidates whose "
    "experience more closely matches our needs for this role. We will keep your details on file.\n\n"
    "Best regards,\nDana Ruiz\nTalent Acquisition, Kestrel Bank\ndana.ruiz@kestrelbank.example\n",
    sender="Kestrel Bank Hiring Team <no-reply@greenhouse.io>",
    message_id="<rej-1@kestrelbank.example>",
)
ACK = message(
    "Thank you for applying to Kestrel Bank",
    "Hi Sam,\n\nThanks for applying to the Data Engineer role at Kestrel Bank. We have received your application "
    "and our team will review it in the coming weeks. If your background matches what we need, we will be in "
    "touch to arrange next steps.\n\nKestrel Bank Talent Team\n",
    sender="Kestrel Bank Hiring Team <no-reply@greenhouse.io>",
    message_id="<ack-1@kestrelbank.example>",
    days_ago=3,
)
PERSONAL = message(
    "dinner on friday?",
    "hey! are you still up for dinner friday? i booked the thai place for 7. unfortunately jo can't make it.",
    sender="Chris <chris@example.org>",
    message_id="<p-1@example.org>",
)


def mailbox_counts(dovecot, account):
    """(messages tagged $Rejection in INBOX, drafts in Drafts, messages marked read in INBOX)"""
    with dovecot.client(account) as client:
        client.select_folder("INBOX", readonly=True)
        tagged, seen = len(client.search(["KEYWORD", "$Rejection"])), len(client.search(["SEEN"]))
        client.select_folder("Drafts", readonly=True)
        return tagged, len(client.search("ALL")), seen
