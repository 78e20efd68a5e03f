"""Retraining on the user's own mail: the messages of labelled IMAP folders and the messages the
user corrected, as labelled mail for `onward train`. Which model is active, and installing a new
one, is onward.classifier.registry.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from onward.classifier import CATEGORIES
from onward.classifier.data import LabelledMessage
from onward.config import Config
from onward.errors import MailboxError, OnwardError
from onward.mail.parse import parse_message
from onward.mailbox import fetch_limit
from onward.mailbox.imap import ImapMailbox
from onward.mailbox.local import iter_local
from onward.store import Store

log = logging.getLogger(__name__)

CORRECTION_REPEATS = 3  # a correction is the user telling us directly: it weighs more than one example


@dataclass(frozen=True)
class ImapFolderSpec:
    account: str
    folder: str
    label: str


def parse_imap_spec(spec: str) -> ImapFolderSpec:
    where, sep, label = spec.rpartition("=")
    account, colon, folder = where.partition(":")
    if not sep or not colon or not account or not folder:
        raise OnwardError(f"--from-imap {spec!r}: expected ACCOUNT:FOLDER=LABEL")
    if label not in CATEGORIES:
        raise OnwardError(f"--from-imap {spec!r}: label must be one of {', '.join(CATEGORIES)}")
    return ImapFolderSpec(account, folder, label)


def load_imap_folders(config: Config, specs: Iterable[ImapFolderSpec]) -> list[LabelledMessage]:
    out: list[LabelledMessage] = []
    for spec in specs:
        with ImapMailbox(config.account(spec.account)) as mailbox:
            mailbox.select(spec.folder, readonly=True)
            uids = mailbox.new_uids(0, None)
            # as a scan reads them: a CV attached to each message need not cross the wire or fill memory
            for item, uid in mailbox.fetch_capped(uids, spec.folder, fetch_limit(config.max_text_bytes)):
                source = f"imap:{spec.account}/{spec.folder}"
                out.append(LabelledMessage(id=f"{source}/{uid}", raw=item.raw, label=spec.label, lang="und",
                                           source=source, group=f"{source}/{uid}"))
        log.info("read %d messages from %s:%s as %s", len(uids), spec.account, spec.folder, spec.label)
    return out


def corrected_messages(config: Config, store: Store, local_copies: Iterable[Path] = ()) -> list[LabelledMessage]:
    """The raw text of every corrected message, from its mailbox again or from a local copy."""
    rows = store.corrected_messages()
    if not rows:
        return []
    wanted = {r["message_id"]: r for r in rows}
    found: dict[str, bytes] = {}
    local = list(local_copies)
    if local:
        for item in iter_local(local, fetch_limit(config.max_text_bytes)):
            if item.error:
                continue
            message_id = parse_message(item.raw).message_id
            if message_id in wanted:
                found[message_id] = item.raw
    by_account: dict[str, list[sqlite3.Row]] = {}
    for row in rows:
        if row["message_id"] not in found and row["account"] in config.accounts:
            by_account.setdefault(row["account"], []).append(row)
    for account, account_rows in by_account.items():
        with ImapMailbox(config.account(account)) as mailbox:
            for row in account_rows:
                try:
                    mailbox.select(row["folder"], readonly=True)
                except MailboxError:  # the folder is gone: reported below as not found
                    continue
                uids = mailbox.uids_of(row["message_id"])
                for item, _uid in mailbox.fetch_capped(uids[:1], row["folder"], fetch_limit(config.max_text_bytes)):
                    found[row["message_id"]] = item.raw
    missing = [mid for mid in wanted if mid not in found]
    if missing:
        log.warning("%d corrected message(s) could not be found again (give --corrections-from PATH): %s",
                    len(missing), ", ".join(missing[:5]))
    out = []
    for message_id, raw in found.items():
        label = wanted[message_id]["category"]
        for n in range(CORRECTION_REPEATS):
            out.append(LabelledMessage(id=f"correction/{message_id}/{n}", raw=raw, label=label, lang="und",
                                       source="corrections", group=f"correction/{message_id}"))
    return out
