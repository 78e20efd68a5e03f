"""Reading an IMAP mailbox: folders, SELECT and STATUS, which UIDs are new, their sizes, the raw
messages (BODY.PEEK, so nothing is marked read), the Message-IDs in a folder, and the searches
for onward's keywords (by MODSEQ where the server has CONDSTORE)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from imapclient.exceptions import IMAPClientError

from onward.errors import MailboxError
from onward.mailbox import SourceMessage
from onward.mailbox.imap.connection import ConnectionMixin

FETCH_BATCH = 100
SIZE_BATCH = 500  # UIDs per FETCH of sizes or headers: servers cap the length of a command line
_MESSAGE_ID_FETCH = "BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]"
_MESSAGE_ID_ITEM = b"BODY[HEADER.FIELDS (MESSAGE-ID)]"
_MESSAGE_ID = re.compile(r"<[^<>\s]+>")


@dataclass(frozen=True)
class FolderStatus:
    uidvalidity: int
    uidnext: int | None
    exists: int
    highest_modseq: int | None = None


class ReadingMixin(ConnectionMixin):
    def folder_names(self) -> list[str]:
        return [name for _flags, _delimiter, name in self.imap.list_folders()]

    def select(self, folder: str, readonly: bool = False) -> FolderStatus:
        try:
            info = self.imap.select_folder(folder, readonly=readonly)
        except IMAPClientError as exc:
            raise MailboxError(f"account {self.account.name!r}: cannot open folder {folder!r}: {exc}") from None
        self.selected, self.readonly = folder, readonly
        modseq = info.get(b"HIGHESTMODSEQ")
        return FolderStatus(uidvalidity=int(info[b"UIDVALIDITY"]),
                            uidnext=int(info[b"UIDNEXT"]) if b"UIDNEXT" in info else None,
                            exists=int(info.get(b"EXISTS", 0)), highest_modseq=int(modseq) if modseq else None)

    def status(self, folder: str) -> FolderStatus | None:
        """UIDVALIDITY, UIDNEXT and (with CONDSTORE) HIGHESTMODSEQ without selecting the folder:
        the server answers from its index header, however large the folder. None if it cannot."""
        items = [b"UIDVALIDITY", b"UIDNEXT", b"MESSAGES"] + ([b"HIGHESTMODSEQ"] if self.has("CONDSTORE") else [])
        try:
            info = self.imap.folder_status(folder, items)
            modseq = info.get(b"HIGHESTMODSEQ")
            return FolderStatus(uidvalidity=int(info[b"UIDVALIDITY"]), uidnext=int(info[b"UIDNEXT"]),
                                exists=int(info.get(b"MESSAGES", 0)), highest_modseq=int(modseq) if modseq else None)
        except (IMAPClientError, KeyError, ValueError):  # refused or incomplete: the caller selects instead
            return None

    def new_uids(self, after_uid: int, since: date | None) -> list[int]:
        """UIDs above `after_uid` (and on/after `since` on a first scan), ascending."""
        if after_uid > 0:
            # "N:*" always matches the highest message even when its UID is below N
            uids = [u for u in self.imap.search(["UID", f"{after_uid + 1}:*"]) if u > after_uid]
        elif since is not None:
            uids = list(self.imap.search(["SINCE", since]))
        else:
            uids = list(self.imap.search("ALL"))
        return sorted(uids)

    def sizes(self, uids: Sequence[int], larger_than: int = 0) -> dict[int, int]:
        """RFC822.SIZE by UID: what each message weighs before it is fetched (expunged ones are missing).
        With `larger_than`, only of the messages above that size: one SEARCH LARGER finds them, where
        reading every size back costs about a tenth of a scan of small mail."""
        if larger_than:
            larger = set(self.imap.search(["LARGER", larger_than]))
            uids = [uid for uid in uids if uid in larger]
        found: dict[int, int] = {}
        for start in range(0, len(uids), SIZE_BATCH):
            response = self.imap.fetch(list(uids[start:start + SIZE_BATCH]), ["RFC822.SIZE"])
            found.update((uid, int(data[b"RFC822.SIZE"])) for uid, data in response.items() if b"RFC822.SIZE" in data)
        return found

    def fetch(self, uids: Sequence[int], folder: str, sizes: Mapping[int, int] | None = None,
              limit: int | None = None) -> Iterator[tuple[SourceMessage, int]]:
        """Raw messages by UID with BODY.PEEK, so reading never sets \\Seen. A message larger than
        `limit` bytes (by `sizes`) comes as its whole header and the first `limit` bytes of its body:
        the text that is read lies there, and attachments need not cross the wire or fill memory."""
        for start in range(0, len(uids), FETCH_BATCH):
            chunk = list(uids[start:start + FETCH_BATCH])
            large = {uid for uid in chunk if limit is not None and sizes is not None and sizes.get(uid, 0) > limit}
            whole = [uid for uid in chunk if uid not in large]
            response = self.imap.fetch(whole, ["BODY.PEEK[]"]) if whole else {}
            if large:
                response.update(self.imap.fetch(sorted(large), ["BODY.PEEK[HEADER]", f"BODY.PEEK[TEXT]<0.{limit}>"]))
            for uid in chunk:
                data = response.get(uid) or {}
                location = f"{self.account.name}:{folder}/{uid}"
                if uid in large and b"BODY[HEADER]" in data and sizes is not None:
                    raw = bytes(data[b"BODY[HEADER]"]) + bytes(data.get(b"BODY[TEXT]<0>") or b"")
                    yield SourceMessage(key=str(uid), raw=raw, location=location, size=sizes[uid]), uid
                elif b"BODY[]" in data:
                    yield SourceMessage(key=str(uid), raw=bytes(data[b"BODY[]"]), location=location), uid
                # else: expunged between SEARCH and FETCH: nothing to read, nothing lost

    def fetch_capped(self, uids: Sequence[int], folder: str, limit: int) -> Iterator[tuple[SourceMessage, int]]:
        """`fetch` when the sizes are not known yet: the messages above `limit` are found first."""
        return self.fetch(uids, folder, self.sizes(uids, larger_than=limit) if uids else {}, limit)

    def uids_with_keyword(self, keyword: str) -> list[int]:
        return list(self.imap.search(["KEYWORD", keyword]))

    def keyword_changes_since(self, modseq: int, keyword: str) -> tuple[set[int], set[int]]:
        """(UIDs with `keyword`, UIDs without it) among messages whose flags changed after `modseq`
        (CONDSTORE): two server-side searches, however many messages changed."""
        since = str(modseq + 1)
        with_keyword = set(self.imap.search(["MODSEQ", since, "KEYWORD", keyword]))
        without = set(self.imap.search(["MODSEQ", since, "UNKEYWORD", keyword]))
        return with_keyword, without

    def message_ids_in(self, folder: str) -> set[str] | None:
        """The Message-IDs of every message in `folder` (None when there is no such folder)."""
        if not self.imap.folder_exists(folder):
            return None
        self.select(folder, readonly=True)
        return self._selected_message_ids()

    def _selected_message_ids(self) -> set[str]:
        """The Message-IDs of every message in the selected folder, read from their headers alone."""
        uids = self.imap.search("ALL")
        found: set[str] = set()
        for start in range(0, len(uids), SIZE_BATCH):
            for data in self.imap.fetch(uids[start:start + SIZE_BATCH], [_MESSAGE_ID_FETCH]).values():
                found.update(_MESSAGE_ID.findall(data.get(_MESSAGE_ID_ITEM, b"").decode("utf-8", "replace")))
        return found

    def uids_of(self, message_id: str) -> list[int]:
        """The UIDs in the selected folder of the messages with this Message-ID."""
        return list(self.imap.search(["HEADER", "Message-ID", message_id]))
