"""`onward config check --connect`: log in to each account and show what a scan would read,
without reading or changing any message."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from onward.config import AccountConfig, Config
from onward.mailbox.imap import ImapMailbox
from onward.store import Store
from onward.sync.scan import ScanRequest, first_scan_since


@dataclass(frozen=True)
class FolderPlan:
    name: str
    exists: bool
    messages: int = 0
    to_read: int = 0
    first_scan_since: date | None = None  # None: not a first scan (only mail after the last one), or --all


@dataclass
class ConnectionCheck:
    account: str
    server: str
    capabilities: list[str] = field(default_factory=list)
    folders: list[str] = field(default_factory=list)
    plans: list[FolderPlan] = field(default_factory=list)
    drafts_folder: str = ""


def check_connection(config: Config, account: AccountConfig, store: Store | None) -> ConnectionCheck:
    with ImapMailbox(account, timeout=30) as mailbox:
        check = ConnectionCheck(account.name, f"{account.host}:{account.effective_port}",
                                [c for c in ("IDLE", "CONDSTORE", "MOVE", "UIDPLUS") if mailbox.has(c)],
                                mailbox.folder_names(), drafts_folder=mailbox.drafts_folder())
        for folder in account.folders:
            if folder not in check.folders:
                check.plans.append(FolderPlan(folder, exists=False))
                continue
            status = mailbox.select(folder, readonly=True)
            state = store.folder_state(account.name, folder) if store else None
            after = state.last_uid if state and state.uidvalidity == status.uidvalidity else 0
            since = first_scan_since(config, ScanRequest()) if after == 0 else None
            check.plans.append(FolderPlan(folder, True, status.exists, len(mailbox.new_uids(after, since)), since))
    return check
