"""`onward status`: per account, from the database alone, what a person running the service asks:
when was it last scanned, what last went wrong, how much mail, how many rejections and drafts."""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from onward.config import Config
from onward.errors import OnwardError
from onward.store import Store

log = logging.getLogger(__name__)


def note_account_error(config: Config, account: str, error: str) -> None:
    """Keep an account's last error for `onward status`; never a reason to fail on top of it."""
    with contextlib.suppress(OnwardError), Store(config.database) as store:
        store.note_error(account, error)


def account_status(store: Store, config: Config) -> list[dict[str, Any]]:
    """Every configured account, and every account the database knows of, in that order."""
    recorded = store.account_notes()
    counts = store.account_counts()
    names = list(dict.fromkeys([*config.accounts, *recorded, *counts]))
    out = []
    for name in names:
        state, count = recorded.get(name, {}), counts.get(name, {})
        out.append({
            "account": name,
            "configured": name in config.accounts,
            "last_scan_at": state.get("last_scan_at") or count.get("folder_updated"),
            "last_error": state.get("last_error"),
            "last_error_at": state.get("last_error_at"),
            "mail_seen": count.get("mail_seen", 0),
            "rejections": count.get("rejections", 0),
            "drafts_pending": count.get("drafts_pending") or 0,
        })
    return out
