"""An IMAP mailbox through imapclient: connect safely, read new mail without marking it read,
tag it, and save drafts exactly once. Nothing here ever deletes or sends mail."""

from __future__ import annotations

import contextlib
import logging
import re
import socket
import ssl
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from imapclient import IMAPClient, SocketTimeout
from imapclient.exceptions import IMAPClientError, LoginError

from onward import logsafe
from onward.config import AccountConfig
from onward.drafts.compose import Draft
from onward.errors import LoginRefused, MailboxError
from onward.mailbox import SourceMessage
from onward.secrets import Secret, resolve_secret

log = logging.getLogger(__name__)

FETCH_BATCH = 100
# Until the server's greeting: an IMAP server greets at once, so a silent one is most likely a TLS
# port spoken to in plain text (it waits for our TLS hello while we wait for its greeting).
GREETING_TIMEOUT = 10.0
HOSTNAME_MISMATCH = 62  # X509_V_ERR_HOSTNAME_MISMATCH
SIZE_BATCH = 500  # UIDs per FETCH RFC822.SIZE: servers cap the length of a command line
IDLE_CHECK_SECONDS = 1.0  # how quickly a stop request is noticed while idling
GMAIL_LABEL = "onward/Rejection"
GMAIL_UNSURE_LABEL = "onward/Unsure"

# What can go wrong on the wire; the caller reconnects on these.
NETWORK_ERRORS: tuple[type[BaseException], ...] = (OSError, IMAPClientError, ssl.SSLError, EOFError)


@dataclass(frozen=True)
class FolderStatus:
    uidvalidity: int
    uidnext: int | None
    exists: int
    highest_modseq: int | None = None


_MESSAGE_ID_FETCH = "BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]"
_MESSAGE_ID_ITEM = b"BODY[HEADER.FIELDS (MESSAGE-ID)]"
_MESSAGE_ID = re.compile(r"<[^<>\s]+>")


def tls_context(account: AccountConfig) -> ssl.SSLContext:
    context = ssl.create_default_context()  # certificate and host name checks on
    if account.ca_file:
        try:
            context.load_verify_locations(cafile=account.ca_file)
        except (OSError, ssl.SSLError) as exc:
            raise MailboxError(f"account {account.name!r}: cannot load ca_file {account.ca_file}: {exc}") from None
    return context


class ImapMailbox:
    def __init__(self, account: AccountConfig, timeout: float = 60.0,
                 secret_source: Callable[[AccountConfig], Secret] = resolve_secret,
                 greeting_timeout: float = GREETING_TIMEOUT) -> None:
        self.account = account
        self.timeout = timeout
        self.greeting_timeout = min(greeting_timeout, timeout)
        self.secret_source = secret_source
        self.client: IMAPClient | None = None
        self.selected: str | None = None
        self.readonly = True
        self._capabilities: tuple[bytes, ...] = ()
        # per connection: the special folders and the Message-IDs in Drafts and Sent, read once
        # instead of a LIST, two SELECTs and a SEARCH per draft
        self._special: dict[bytes, str | None] = {}
        self._message_ids: dict[str, set[str]] = {}

    # -- connection ---------------------------------------------------------------------------------
    def connect(self) -> ImapMailbox:
        a = self.account
        where = f"{a.host}:{a.effective_port}"
        context = tls_context(a) if a.tls != "none" else None
        try:
            client = IMAPClient(a.host, port=a.effective_port, ssl=a.tls == "ssl", ssl_context=context,
                                timeout=SocketTimeout(connect=self.greeting_timeout, read=self.timeout))
            if a.tls == "starttls":
                client.starttls(context)
        except ssl.SSLCertVerificationError as exc:
            if exc.verify_code == HOSTNAME_MISMATCH:
                raise MailboxError(f"account {a.name!r}: the TLS certificate of {where} is not for {a.host!r} "
                                   f"({exc.verify_message}): set host to the name the server's certificate "
                                   "names") from None
            raise MailboxError(f"account {a.name!r}: TLS certificate of {where} refused: {exc.verify_message}"
                               " (set ca_file to trust a private CA)") from None
        except ssl.SSLError as exc:
            hint = ""
            if a.tls == "ssl" and exc.reason == "WRONG_VERSION_NUMBER":  # it answered in plain text
                hint = (f" ({where} speaks plain IMAP, not TLS: set tls = \"starttls\", or the TLS port, "
                        "usually 993)")
            raise MailboxError(f"account {a.name!r}: TLS with {where} failed: {exc.reason or exc}{hint}") from None
        except socket.gaierror:
            raise MailboxError(f"account {a.name!r}: unknown host {a.host}") from None
        except TimeoutError:
            hint = (f"; if {a.effective_port} is a TLS port (usually 993), set tls = \"ssl\"" if a.tls != "ssl"
                    else "")
            raise MailboxError(f"account {a.name!r}: {where} did not greet within {self.greeting_timeout:.0f} s"
                               f"{hint}") from None
        except OSError as exc:
            raise MailboxError(f"account {a.name!r}: cannot connect to {where}: {exc.strerror or exc}") from None
        except IMAPClientError as exc:
            raise MailboxError(f"account {a.name!r}: {where}: {exc}") from None
        secret = self.secret_source(a)
        try:
            if secret.kind == "oauth2":
                logsafe.register_secret(secret.value, f"user={a.username}\x01auth=Bearer {secret.value}\x01\x01")
                client.oauth2_login(a.username, secret.value)
            else:
                client.login(a.username, secret.value)
        except LoginError:
            _close_quietly(client)
            what = "token" if secret.kind == "oauth2" else "password"
            raise LoginRefused(f"account {a.name!r}: login refused for {a.username} at {where} (check the {what})"
                               ) from None
        except NETWORK_ERRORS as exc:
            _close_quietly(client)
            raise MailboxError(f"account {a.name!r}: login to {where} failed: {logsafe.redact(str(exc))}") from None
        self.client = client
        self._capabilities = tuple(client.capabilities())
        self._special, self._message_ids = {}, {}
        if self.has("CONDSTORE"):
            # flag changes can then be asked for by MODSEQ: a rescan costs what changed, not the folder
            with contextlib.suppress(IMAPClientError):
                client.enable("CONDSTORE")
        log.info("account %s: connected to %s as %s", a.name, where, a.username)
        return self

    def close(self) -> None:
        if self.client is not None:
            _close_quietly(self.client)
            self.client = None
            self.selected = None

    def __enter__(self) -> ImapMailbox:
        return self.connect() if self.client is None else self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def imap(self) -> IMAPClient:
        if self.client is None:
            raise MailboxError(f"account {self.account.name!r}: not connected")
        return self.client

    def has(self, capability: str) -> bool:
        return capability.encode().upper() in (c.upper() for c in self._capabilities)

    @property
    def is_gmail(self) -> bool:
        return self.has("X-GM-EXT-1")

    # -- reading ------------------------------------------------------------------------------------
    def folder_names(self) -> list[str]:
        return [name for _flags, _delimiter, name in self.imap.list_folders()]

    def select(self, folder: str, readonly: bool = False) -> FolderStatus:
        try:
            info = self.imap.select_folder(folder, readonly=readonly)
        except IMAPClientError as exc:
            raise MailboxError(f"account {self.account.name!r}: cannot open folder {folder!r}: {exc}") from None
        self.selected, self.readonly = folder, readonly
        modseq = info.get(b"HIGHESTMODSEQ")
        return FolderStatus(uidvalidity=int(info[b"UIDVALIDITY"]), uidnext=int(info[b"UIDNEXT"]) if b"UIDNEXT" in info else None,
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

    def sizes(self, uids: Sequence[int]) -> dict[int, int]:
        """RFC822.SIZE by UID: what each message weighs before it is fetched (expunged ones are missing)."""
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

    def uids_with_keyword(self, keyword: str) -> list[int]:
        return list(self.imap.search(["KEYWORD", keyword]))

    def keyword_changes_since(self, modseq: int, keyword: str) -> tuple[set[int], set[int]]:
        """(UIDs with `keyword`, UIDs without it) among messages whose flags changed after `modseq`
        (CONDSTORE): two server-side searches, however many messages changed."""
        since = str(modseq + 1)
        with_keyword = set(self.imap.search(["MODSEQ", since, "KEYWORD", keyword]))
        without = set(self.imap.search(["MODSEQ", since, "UNKEYWORD", keyword]))
        return with_keyword, without

    # -- acting -------------------------------------------------------------------------------------
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

    def wait_for_change(self, folder: str, seconds: float, should_stop: Callable[[], bool]) -> bool:
        """IDLE on `folder` for up to `seconds`: True as soon as the server reports a change (new
        mail, changed flags), False when the time is up or `should_stop()` says so."""
        if self.selected != folder or self.readonly:
            self.select(folder)
        client = self.imap
        client.idle()
        started = time.monotonic()
        try:
            # mail that arrived between the caller's last SEARCH and IDLE is announced with IDLE's
            # continuation, and can sit in imaplib's read buffer, where polling the socket never
            # sees it: look there first, or that mail waits for the next change or renewal
            if self._response_buffered():
                return True
            while not should_stop() and time.monotonic() - started < seconds:
                if client.idle_check(timeout=IDLE_CHECK_SECONDS):
                    return True
            return False
        finally:
            client.idle_done()

    def _response_buffered(self) -> bool:
        """Whether a server response has been read from the socket but not yet parsed."""
        reader = getattr(self.imap._imap, "file", None)  # imaplib's buffered reader over the socket
        if reader is None or not hasattr(reader, "peek"):
            return False
        sock = self.imap.socket()
        timeout = sock.gettimeout()
        sock.setblocking(False)  # peek may read the socket once: it must not wait for data
        try:
            return bool(reader.peek(1))
        except OSError:  # nothing to read now (EAGAIN, or TLS wanting more bytes)
            return False
        finally:
            sock.settimeout(timeout)

    def message_ids_in(self, folder: str) -> set[str] | None:
        """The Message-IDs of every message in `folder` (None when there is no such folder)."""
        if not self.imap.folder_exists(folder):
            return None
        self.select(folder, readonly=True)
        uids = self.imap.search("ALL")
        present: set[str] = set()
        for start in range(0, len(uids), SIZE_BATCH):
            headers = self.imap.fetch(uids[start:start + SIZE_BATCH], ["BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]"])
            for data in headers.values():
                raw = data.get(b"BODY[HEADER.FIELDS (MESSAGE-ID)]", b"").decode("utf-8", "replace")
                present.update(re.findall(r"<[^<>\s]+>", raw))
        return present

    def uids_of(self, message_id: str) -> list[int]:
        """The UIDs in the selected folder of the messages with this Message-ID."""
        return list(self.imap.search(["HEADER", "Message-ID", message_id]))

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
                    uids = self.imap.search("ALL")
                    for start in range(0, len(uids), 500):
                        for data in self.imap.fetch(uids[start:start + 500], [_MESSAGE_ID_FETCH]).values():
                            header = data.get(_MESSAGE_ID_ITEM, b"").decode("utf-8", "replace")
                            found.update(_MESSAGE_ID.findall(header))
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

def _close_quietly(client: IMAPClient) -> None:
    try:
        client.logout()
    except Exception:
        with contextlib.suppress(Exception):  # the socket is gone already; nothing left to close
            client.shutdown()
