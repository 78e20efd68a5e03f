"""A correction reaches the server: when the user says a message is not a rejection, onward takes
its keyword off the message and withdraws the feedback-request draft it saved, if still unsent."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from onward.config import Config
from onward.errors import ConfigError
from onward.mailbox.actions import REJECTION_KEYWORD, UNSURE_KEYWORD
from onward.mailbox.imap import ImapMailbox

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Withdrawal:
    account: str
    folder: str
    message_id: str
    draft_message_id: str | None


def withdraw(config: Config, items: Sequence[Withdrawal]) -> list[str]:
    """Undo onward's actions on the server for each item; one line per item saying what changed."""
    by_account: dict[str, list[Withdrawal]] = defaultdict(list)
    for item in items:
        by_account[item.account].append(item)
    report = []
    for name, group in by_account.items():
        try:
            account = config.account(name)
        except ConfigError:  # a local scan, or an account no longer configured: no server to change
            report += [f"{item.message_id}: account {name!r} is not configured; nothing changed on a server"
                       for item in group]
            continue
        with ImapMailbox(account) as mailbox:
            for item in group:
                # where the scan found it, and where onward may have moved it
                folders = dict.fromkeys(f for f in (item.folder, account.move_to) if f)
                untagged = sum(mailbox.remove_keywords(folder, item.message_id, (REJECTION_KEYWORD, UNSURE_KEYWORD))
                               for folder in folders)
                withdrawn = mailbox.delete_unsent_draft(item.draft_message_id) if item.draft_message_id else 0
                done = [f"{REJECTION_KEYWORD} removed" if untagged else "message not found on the server",
                        "unsent draft removed from Drafts" if withdrawn else "no unsent draft left in Drafts"]
                log.info("account %s: %s: %s", name, item.message_id, "; ".join(done))
                report.append(f"{item.message_id}: {'; '.join(done)}")
    return report
