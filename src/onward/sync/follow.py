"""Which feedback requests were sent: a draft onward saved that has left Drafts, or shows up in Sent,
counts as sent (the report counts answers against these, not against drafts nobody sent)."""

from __future__ import annotations

import logging

from onward.mailbox.imap import ImapMailbox
from onward.store import Store

log = logging.getLogger(__name__)


def follow_drafts(mailbox: ImapMailbox, store: Store) -> int:
    """Mark the account's saved drafts that have left Drafts as sent; returns how many."""
    waiting = store.drafts_to_follow(mailbox.account.name)
    if not waiting:
        return 0  # nothing to look for: no need to read Drafts and Sent
    found = mailbox.drafts_and_sent()
    if found is None:
        return 0
    in_drafts, in_sent = found
    sent = [row["id"] for row in waiting
            if row["draft_message_id"] in in_sent or row["draft_message_id"] not in in_drafts]
    with store.transaction():
        store.set_drafts_sent(sent)
    if sent:
        log.info("account %s: %d feedback request(s) sent since the last look", mailbox.account.name, len(sent))
    return len(sent)
