"""Acting on an IMAP mailbox: onward's keywords (Gmail: labels) added and taken off, drafts saved
exactly once (APPEND, or one MULTIAPPEND), a message moved, onward's own unsent draft withdrawn,
and the special folders (Drafts, Sent) with the Message-IDs in them. Nothing here sends mail or
deletes any but that draft."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from imapclient.exceptions import IMAPClientError

from onward.drafts.compose import Draft
from onward.errors import MailboxError
from onward.mailbox.imap.reading import ReadingMixin

log = logging.getLogger("onward.mailbox.imap")  # the name its lines had before imap.py became a package

GMAIL_LABEL = "onward/Rejection"
GMAIL_UNSURE_LABEL = "onward/Unsure"



class ActingMixin(ReadingMixin):
    def add_keyword(self, uids: Sequence[int], keyword: str) -> bool:
        try:
            if self.is_gmail:
                label = GMAIL_LABEL if keyword == "$Rejection" else GMAIL_UNSURE_LABEL
                self.imap.add_gmail_labels(list(uids), [label], silent=True)
            else:
                self.imap.add_flags(list(uids), [keyword.encode()], silent=True)
        except IMAPClientError as exc:  # e.g. a server that takes no custom keywords
            raise MailboxError(f"account {self.account.name!r}: cannot add {keyword} in {self.selected!r}: {exc}"
                               ) from None
        return True

    def remove_keywords(self, folder: str, message_id: str, keywords: Sequence[str]) -> int:
        """Take onward's keywords (Gmail: labels) off the message with this Message-ID in `folder`,
        found by Message-ID rather than a stored UID, which a move may have made someone else's.
        Returns how many messages were found."""
        if not self.imap.folder_exists(folder):
            return 0
        self.select(folder)
        uids = list(self.imap.search(["HEADER", "Message-ID", message_id]))
        if uids:
            if self.is_gmail:
                self.imap.remove_gmail_labels(uids, [GMAIL_LABEL, GMAIL_UNSURE_LABEL], silent=True)
            else:
                self.imap.remove_flags(uids, [k.encode() for k in keywords], silent=True)
        return len(uids)

    def delete_unsent_draft(self, message_id: str) -> int:
        """Withdraw onward's own feedback-request draft while it is still an unsent draft in Drafts.
        The only mail onward ever removes: found by its Message-ID and the \\Draft flag, and expunged
        by UID so that nothing else marked \\Deleted in Drafts goes with it (servers without UIDPLUS
        keep it). Returns how many were removed."""
        folder = self.drafts_folder()
        if not self.imap.folder_exists(folder):
            return 0
        if not self.has("UIDPLUS"):
            log.warning("account %s: the server lacks UIDPLUS; the draft %s stays in %s for you to delete",
                        self.account.name, message_id, folder)
            return 0
        self.select(folder)
        uids = list(self.imap.search(["DRAFT", "HEADER", "Message-ID", message_id]))
        if uids:
            self.imap.add_flags(uids, [b"\\Deleted"], silent=True)
            self.imap.uid_expunge(uids)
        self._message_ids.get(folder, set()).discard(message_id)
        return len(uids)

    def ensure_folder(self, folder: str) -> None:
        if not self.imap.folder_exists(folder):
            self.imap.create_folder(folder)
            log.info("account %s: created folder %s", self.account.name, folder)

    def move(self, uid: int, destination: str) -> bool:
        if not self.has("MOVE"):
            # COPY + delete would be a move, but onward never deletes mail
            log.warning("account %s: server lacks MOVE; leaving the message where it is", self.account.name)
            return False
        self.ensure_folder(destination)
        self.imap.move([uid], destination)
        return True

    def drafts_folder(self) -> str:
        if self.account.drafts_folder:
            return self.account.drafts_folder
        return self._special_folder(b"\\Drafts") or "Drafts"

    def _special_folder(self, flag: bytes) -> str | None:
        if flag not in self._special:
            self._special[flag] = self.imap.find_special_folder(flag)
        return self._special[flag]

    def _message_ids_in(self, folder: str) -> set[str]:
        """The Message-IDs in a folder, read once per connection and kept up to date by save_drafts.
        Nobody else writes onward's draft Message-IDs, so the set cannot miss one of ours."""
        if folder not in self._message_ids:
            found: set[str] = set()
            if self.imap.folder_exists(folder):
                self.imap.select_folder(folder, readonly=True)
                try:
                    found = self._selected_message_ids()
                finally:
                    self._reselect()
            self._message_ids[folder] = found
        return self._message_ids[folder]

    def drafts_and_sent(self) -> tuple[set[str], set[str]] | None:
        """The Message-IDs now in Drafts and in Sent, read afresh (the user may have sent a draft since
        this connection first looked). None when there is no Drafts folder to look in."""
        drafts, sent = self.drafts_folder(), self._special_folder(b"\\Sent")
        if not self.imap.folder_exists(drafts):
            return None
        for folder in (drafts, sent):
            self._message_ids.pop(folder or "", None)
        return self._message_ids_in(drafts), self._message_ids_in(sent) if sent else set()

    def _reselect(self) -> None:
        if self.selected is not None:
            self.imap.select_folder(self.selected, readonly=self.readonly)
        else:
            self.imap.unselect_folder() if self.has("UNSELECT") else None

    def save_drafts(self, drafts: Sequence[Draft]) -> list[bool]:
        """APPEND each draft to Drafts unless a draft (or a sent reply) with its Message-ID already
        exists; all of them in one MULTIAPPEND where the server has it (one round trip and one
        commit on the server instead of one per draft)."""
        if not drafts:
            return []
        folder = self.drafts_folder()
        sent = self._special_folder(b"\\Sent")
        existing = self._message_ids_in(folder) | (self._message_ids_in(sent) if sent else set())
        saved, new = [], []
        for draft in drafts:
            fresh = draft.message_id not in existing
            if not fresh:
                log.info("account %s: draft %s already saved", self.account.name, draft.message_id)
            saved.append(fresh)
            if fresh:
                new.append(draft)
                existing.add(draft.message_id)  # the same rejection twice in one batch: one draft
        if new:
            try:
                self.ensure_folder(folder)
                if self.has("MULTIAPPEND"):
                    self.imap.multiappend(folder, [{"msg": d.as_bytes(), "flags": [b"\\Draft"]} for d in new])
                else:
                    for draft in new:
                        self.imap.append(folder, draft.as_bytes(), flags=[b"\\Draft"])
            except IMAPClientError as exc:  # e.g. over quota: the scan goes on; the events stay "pending"
                raise MailboxError(f"account {self.account.name!r}: cannot save drafts to {folder!r}: {exc}") from None
            self._message_ids_in(folder).update(d.message_id for d in new)
        return saved
