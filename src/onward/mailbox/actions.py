"""Where actions land: tags and drafts on an IMAP server, draft files for a local scan, or nowhere
(dry run). Every action is idempotent on its own: saving the same draft twice saves it once."""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from onward.drafts.compose import Draft
from onward.private_files import create_private

log = logging.getLogger(__name__)

REJECTION_KEYWORD = "$Rejection"
UNSURE_KEYWORD = "$RejectionUnsure"


class Actions(Protocol):
    """What the pipeline can do to a mailbox. `uid` is None for messages from local files."""

    can_tag: bool
    dry_run: bool  # nothing is done: what would be done is reported instead

    def tag(self, folder: str, uids: Sequence[int], keyword: str) -> bool:
        """Add `keyword` to all these messages at once (one command for a whole batch)."""
        ...

    def move(self, folder: str, uid: int | None, destination: str) -> bool: ...

    def save_drafts(self, drafts: Sequence[Draft]) -> list[bool]:
        """Save each draft unless one with its Message-ID exists; for each, True when it was saved."""
        ...


class LocalActions:
    """A local scan: drafts become .eml files in a folder; there is nothing to tag or move."""

    can_tag = False
    dry_run = False

    def __init__(self, drafts_dir: Path) -> None:
        self.drafts_dir = drafts_dir

    def tag(self, folder: str, uids: Sequence[int], keyword: str) -> bool:
        return False

    def move(self, folder: str, uid: int | None, destination: str) -> bool:
        return False

    def draft_path(self, draft: Draft) -> Path:
        stem = draft.message_id.strip("<>").split("@", 1)[0]
        return self.drafts_dir / f"{stem}.eml"

    def save_drafts(self, drafts: Sequence[Draft]) -> list[bool]:
        return [self._save(draft) for draft in drafts]

    def _save(self, draft: Draft) -> bool:
        path = self.draft_path(draft)
        if path.exists():
            return False
        self.drafts_dir.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.unlink(missing_ok=True)  # left by a run that crashed while writing it
        with create_private(tmp) as fh:
            fh.write(draft.as_bytes())
            fh.flush()
            os.fsync(fh.fileno())
        tmp.replace(path)  # atomic: a crash leaves either no draft or a whole one
        return True


class DryRunActions:
    """Says what would happen and does nothing."""

    dry_run = True

    def __init__(self, can_tag: bool) -> None:
        self.can_tag = can_tag

    def tag(self, folder: str, uids: Sequence[int], keyword: str) -> bool:
        return self.can_tag

    def move(self, folder: str, uid: int | None, destination: str) -> bool:
        return self.can_tag

    def save_drafts(self, drafts: Sequence[Draft]) -> list[bool]:
        return [True for _ in drafts]
