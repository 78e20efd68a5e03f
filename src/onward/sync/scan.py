"""Scanning IMAP accounts: only what is new since the last scan, state advanced after each batch."""

from __future__ import annotations

import logging
import os
import threading
from collections import deque
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import partial

from onward import logsafe
from onward.classifier.predictor import RejectionModel
from onward.classifier.workers import model_pool, with_model
from onward.config import AccountConfig, Config
from onward.drafts.compose import Draft, load_templates
from onward.errors import MailboxError, OnwardError, caused_by_surroundings
from onward.mailbox import SourceMessage, fetch_limit
from onward.mailbox.actions import REJECTION_KEYWORD, DryRunActions
from onward.mailbox.imap import NETWORK_ERRORS, FolderStatus, ImapMailbox
from onward.pipeline.act import ActSettings
from onward.pipeline.processor import BATCH_BYTES, Processor
from onward.pipeline.run import Analysis, Outcome, Summary, analyse, open_store
from onward.store import Store
from onward.store.accounts import FolderState
from onward.store.status import note_account_error
from onward.sync.follow import follow_drafts
from onward.sync.suspects import MAX_FETCH_DEATHS, FetchDied, note_fetch_death, write_off, written_off
from onward.vocab import Category, Verdict

log = logging.getLogger(__name__)

# below this many new messages, starting workers costs more than it saves
PARALLEL_MIN_MESSAGES = 512
# a worker has no database to skip known messages with, and sends back only what recording reads
read_in_worker = partial(analyse, known=None, slim=True)


class ImapActions:
    """Actions on the folder being scanned (it is selected read-write while we act)."""

    can_tag = True
    dry_run = False

    def __init__(self, mailbox: ImapMailbox) -> None:
        self.mailbox = mailbox

    def tag(self, folder: str, uids: Sequence[int], keyword: str) -> bool:
        return bool(uids) and self.mailbox.add_keyword(uids, keyword)

    def move(self, folder: str, uid: int | None, destination: str) -> bool:
        return uid is not None and self.mailbox.move(uid, destination)

    def save_drafts(self, drafts: Sequence[Draft]) -> list[bool]:
        return self.mailbox.save_drafts(drafts)


@dataclass
class ScanRequest:
    since: date | None = None
    scan_all: bool = False
    dry_run: bool = False
    drafts: bool = True
    batch_size: int = 64
    batch_bytes: int = BATCH_BYTES  # counted by RFC822.SIZE, each message up to what is fetched of it
    jobs: int = 1  # worker processes that parse, classify and extract while this one fetches and records
    should_stop: Callable[[], bool] = field(default=lambda: False)
    on_found: Callable[[int], None] | None = None  # told how many messages a folder has to read


def first_scan_since(config: Config, request: ScanRequest) -> date | None:
    if request.scan_all:
        return None
    return request.since or (datetime.now(UTC) - timedelta(days=config.since_days)).date()


def plan_batches(uids: Sequence[int], sizes: Mapping[int, int], max_messages: int, max_bytes: int,
                 limit: int, alone: Collection[int] = ()) -> Iterator[list[int]]:
    """UIDs in order, cut into batches of at most `max_messages` and `max_bytes` (a message larger
    than that is a batch of its own, and so is each UID in `alone`)."""
    batch: list[int] = []
    weight = 0
    for uid in uids:
        if uid in alone:
            if batch:
                yield batch
                batch, weight = [], 0
            yield [uid]
            continue
        size = min(sizes.get(uid, 0), limit)
        if batch and (len(batch) >= max_messages or weight + size > max_bytes):
            yield batch
            batch, weight = [], 0
        batch.append(uid)
        weight += size
    if batch:
        yield batch


def scan_folder(mailbox: ImapMailbox, store: Store, processor: Processor, folder: str, config: Config,
                request: ScanRequest, summary: Summary) -> None:
    account = mailbox.account.name
    state = store.folder_state(account, folder)
    if state is not None and _unchanged_since(mailbox, folder, state):
        return
    status = mailbox.select(folder, readonly=request.dry_run)
    after_uid = 0
    if state is not None and state.uidvalidity == status.uidvalidity:
        after_uid = state.last_uid
    elif state is not None:
        # The folder was recreated: UIDs mean nothing now. Rescan; messages already known by
        # Message-ID are recognised and not processed again.
        log.warning("account %s: %s changed UIDVALIDITY (%s -> %s); resyncing by Message-ID",
                    account, folder, state.uidvalidity, status.uidvalidity)
    if state is not None and after_uid and not request.dry_run:
        reconcile_keywords(mailbox, store, folder, state, status)
    uids = mailbox.new_uids(after_uid, first_scan_since(config, request) if after_uid == 0 else None)
    if not uids and (state is None or state.uidvalidity != status.uidvalidity):
        store.set_folder_state(account, folder, status.uidvalidity, 0)
    if uids:
        log.info("account %s: %d new message(s) in %s", account, len(uids), folder)
        if request.on_found:
            request.on_found(len(uids))
    limit = fetch_limit(processor.max_text_bytes)
    # a message of at most batch_bytes / batch_size cannot push a full batch over batch_bytes, nor is
    # one under `limit` fetched in part: only the larger ones need their size
    known_below = min(request.batch_bytes // request.batch_size, limit)
    sizes = mailbox.sizes(uids, larger_than=known_below) if uids else {}
    suspects = store.fetch_suspects(account, folder, status.uidvalidity) if uids else {}
    pool = (model_pool(processor.model, request.jobs)
            if request.jobs > 1 and len(uids) >= PARALLEL_MIN_MESSAGES else None)
    # with workers, up to two batches per worker (and two batches' bytes) are in flight: the next is
    # fetched while earlier ones are read, and no worker waits for the parent to hand it work. With
    # each batch: its analyses being made by a worker, made already (a message written off), or
    # None (read in this process when it is finished)
    in_flight: deque[tuple[list[int], list[tuple[SourceMessage, int | None]],
                           Future[list[Analysis]] | list[Analysis] | None]] = deque()

    def too_many_in_flight() -> bool:
        if pool is None:
            return bool(in_flight)
        return len(in_flight) > 2 * request.jobs or (len(in_flight) > 1 and sum(
            len(item.raw) for _, batch, _ in in_flight for item, _ in batch) > 2 * request.batch_bytes)

    def finish(chunk: list[int], batch: list[tuple[SourceMessage, int | None]],
               work: Future[list[Analysis]] | list[Analysis] | None) -> None:
        analyses = work if isinstance(work, list) else None
        if isinstance(work, Future):
            try:
                analyses = work.result()
            except Exception as exc:  # a worker died (killed, out of memory): read this batch here instead
                log.warning("account %s: worker failed (%s); reading the batch in this process", account, exc)
        for outcome in processor.process(folder, batch, analyses):
            summary.add(outcome)
        # only now, with the batch recorded and acted on, does the folder state move on
        store.set_folder_state(account, folder, status.uidvalidity, chunk[-1])
        if suspects:  # fetched or written off; a crash before this leaves rows below last_uid, never read again
            store.clear_fetch_suspects(account, folder, status.uidvalidity, chunk[-1])

    try:
        for chunk in plan_batches(uids, sizes, request.batch_size, request.batch_bytes, limit, alone=suspects):
            if request.should_stop():
                return  # batches in flight are dropped; their state never advanced, so they are read again
            batch: list[tuple[SourceMessage, int | None]]
            work: Future[list[Analysis]] | list[Analysis] | None = None
            if written_off(suspects.get(chunk[0])):
                batch, work = write_off(account, folder, status.uidvalidity, chunk[0], suspects[chunk[0]])
            else:
                try:
                    batch = list(mailbox.fetch(chunk, folder, sizes, limit))
                except NETWORK_ERRORS as exc:  # perhaps a message the server cannot send: see sync/suspects.py
                    note_fetch_death(store, account, folder, status.uidvalidity, chunk, exc)
                    raise FetchDied(logsafe.redact(str(exc)) or type(exc).__name__) from exc
            if pool is not None and work is None:
                try:
                    work = pool.submit(with_model, read_in_worker, [item for item, _ in batch],
                                       processor.max_text_bytes)
                except Exception as exc:  # the pool broke (a worker was killed): read the rest here
                    log.warning("account %s: workers unavailable (%s); reading in this process", account, exc)
                    pool.shutdown(wait=False, cancel_futures=True)
                    pool = None
            in_flight.append((chunk, batch, work))
            while too_many_in_flight():
                finish(*in_flight.popleft())
        while in_flight:
            finish(*in_flight.popleft())
    finally:
        if pool:
            pool.shutdown(cancel_futures=True)
    if status.highest_modseq:
        store.set_flags_modseq(account, folder, status.highest_modseq)


def scan_folders(mailbox: ImapMailbox, store: Store, processor: Processor, folders: Sequence[str], config: Config,
                 request: ScanRequest, summary: Summary) -> None:
    """Each folder on its own: one that cannot be scanned (refused by the server, or a bug) goes
    into `summary.errors`, for the caller to report, and the next is scanned. A lost connection
    ends them all: the caller reconnects, and no folder state has moved past what was done."""
    for folder in folders:
        if request.should_stop():
            return
        try:
            scan_folder(mailbox, store, processor, folder, config, request, summary)
        except Exception as exc:
            if caused_by_surroundings(exc):
                raise
            log.debug("folder %s failed", folder, exc_info=True)
            summary.errors.append(describe(exc, f"account {mailbox.account.name!r}, folder {folder!r}"))


def describe(exc: BaseException, where: str) -> str:
    """An error as one line: ours are written for the user; anything else is a bug, named by its
    class and where it happened."""
    text = logsafe.redact(str(exc))
    return text if isinstance(exc, OnwardError) else f"{where}: {exc.__class__.__name__}: {text}"


def _unchanged_since(mailbox: ImapMailbox, folder: str, state: FolderState) -> bool:
    """Nothing new and no flag changed since the last scan, by STATUS alone: selecting a folder
    costs the server time that grows with the folder, STATUS does not. Not for the selected folder
    (`watch`), which RFC 3501 says STATUS should not be asked about."""
    if mailbox.selected == folder:
        return False
    status = mailbox.status(folder)
    return (status is not None and status.highest_modseq is not None and state.flags_modseq is not None
            and status.uidvalidity == state.uidvalidity and status.uidnext is not None
            and status.uidnext <= state.last_uid + 1 and status.highest_modseq == state.flags_modseq)


def reconcile_keywords(mailbox: ImapMailbox, store: Store, folder: str, state: FolderState | None = None,
                       status: FolderStatus | None = None) -> list[tuple[str, str]]:
    """Keyword changes made by the user in a mail client are corrections: $Rejection removed from a
    message we tagged means "not a rejection"; $Rejection added by hand means "you missed this one".

    With CONDSTORE only the messages whose flags changed since the last look are read, so a
    rescan costs what changed, not the size of the folder."""
    account = mailbox.account.name
    if not account_tags(mailbox):
        return []
    if state is not None and state.flags_modseq and status is not None and status.highest_modseq:
        tagged_now, untagged_now = (mailbox.keyword_changes_since(state.flags_modseq, REJECTION_KEYWORD)
                                    if status.highest_modseq > state.flags_modseq else (set(), set()))
        candidates: list[int] | None = sorted(tagged_now | untagged_now)
    else:
        candidates = None  # no CONDSTORE: compare everything we tagged and everything tagged now
        tagged_now = set(mailbox.uids_with_keyword(REJECTION_KEYWORD))
    changes: list[tuple[str, str]] = []
    ours = store.tagged_rejections(account, folder) if candidates is None else []
    changes += [(row["message_id"], Verdict.NOT_REJECTION) for row in ours if row["uid"] not in tagged_now]
    look_at = sorted(tagged_now) if candidates is None else candidates
    for row in store.tag_states(account, folder, look_at):
        has_keyword = row["uid"] in tagged_now
        if candidates is not None and row["verdict"] == Verdict.REJECTION and row["tagged"] and not has_keyword:
            changes.append((row["message_id"], Verdict.NOT_REJECTION))
        elif row["verdict"] != Verdict.REJECTION and has_keyword and not row["tagged"]:
            # tagged, but not by us and not a rejection to us: the user added it by hand
            changes.append((row["message_id"], Category.REJECTION))
    for message_id, label in changes:
        recorded = store.message_row(account, message_id)
        if recorded is None:
            continue
        with store.transaction():
            store.apply_correction(recorded, label, origin="keyword")
            if label == Verdict.NOT_REJECTION:  # so that a later rescan does not tag it again
                store.record_action(account, message_id, "tag", "removed by the user")
        log.info("account %s: %s marked %s by a keyword change", account, message_id, label)
    return changes


def reconcile_moves(mailbox: ImapMailbox, store: Store) -> list[str]:
    """A rejection we moved to `move_to` that the user moved out again is a correction too."""
    account, destination = mailbox.account.name, mailbox.account.move_to
    if not destination:
        return []
    moved = store.moved_rejections(account)
    present = mailbox.message_ids_in(destination) if moved else None
    if present is None:
        return []
    gone = [message_id for message_id in moved if message_id not in present]
    for message_id in gone:
        row = store.message_row(account, message_id)
        if row is None:
            continue
        with store.transaction():
            store.apply_correction(row, Verdict.NOT_REJECTION, origin="moved_out")
        log.info("account %s: %s moved out of %s: marked not a rejection", account, message_id, destination)
    return gone


def account_tags(mailbox: ImapMailbox) -> bool:
    return mailbox.account.tag and not mailbox.is_gmail


def make_processor(store: Store, model: RejectionModel, account: AccountConfig, mailbox: ImapMailbox, config: Config,
                   request: ScanRequest, on_outcome: Callable[[Outcome], None] | None) -> Processor:
    actions = DryRunActions(can_tag=True) if request.dry_run else ImapActions(mailbox)
    settings = ActSettings(tag=account.tag, drafts=account.drafts and request.drafts, move_to=account.move_to,
                           draft_max_age_days=config.draft_age_limit)
    return Processor(store, model, account.name, actions, settings, from_address=account.from_address,
                     my_name=config.signer_name(account), templates=load_templates(config.templates_dir),
                     keep_excerpt=config.keep_excerpt, max_text_bytes=config.max_text_bytes, on_outcome=on_outcome)


# Connections one scan opens in a row when each ends at a FETCH: the batch's, then each lone try of a
# message the server cannot send, then the one that writes it off and goes on. A run (cron's) thus
# gets past one such message instead of stopping at it MAX_FETCH_DEATHS + 1 times.
FETCH_RECONNECTS = MAX_FETCH_DEATHS + 1


def scan_account(config: Config, model: RejectionModel, account: AccountConfig, request: ScanRequest,
                 on_outcome: Callable[[Outcome], None] | None = None, mailbox: ImapMailbox | None = None) -> Summary:
    """One account; with `mailbox`, on that connection (watch's, which reconnects itself)."""
    summary = Summary(account=account.name)
    for attempt in range(FETCH_RECONNECTS + 1):
        # a folder that fails on its own fails again on the retry: reported once, as the last try saw it
        summary.errors.clear()
        try:
            _scan_account_once(config, model, account, request, on_outcome, mailbox, summary)
            return summary
        except FetchDied as exc:
            if mailbox is not None or request.dry_run or attempt == FETCH_RECONNECTS:
                raise MailboxError(f"account {account.name!r}: connection lost: {exc}") from exc
            log.info("account %s: reconnecting after a failed FETCH (%d of %d)", account.name, attempt + 1,
                     FETCH_RECONNECTS)
        except NETWORK_ERRORS as exc:
            raise MailboxError(f"account {account.name!r}: connection lost: "
                               f"{logsafe.redact(str(exc)) or type(exc).__name__}") from exc
    return summary


def _scan_account_once(config: Config, model: RejectionModel, account: AccountConfig, request: ScanRequest,
                       on_outcome: Callable[[Outcome], None] | None, mailbox: ImapMailbox | None,
                       summary: Summary) -> None:
    own_mailbox = mailbox is None
    mailbox = mailbox or ImapMailbox(account).connect()
    try:
        with open_store(config, request.dry_run) as store:
            processor = make_processor(store, model, account, mailbox, config, request, on_outcome)
            if not request.dry_run:
                reconcile_moves(mailbox, store)
            scan_folders(mailbox, store, processor, account.folders, config, request, summary)
            if not request.dry_run:
                follow_drafts(mailbox, store)
                store.note_scan(account.name)
    finally:
        if own_mailbox:
            mailbox.close()


def default_jobs() -> int:
    return max(1, min(4, os.cpu_count() or 1))


def scan_accounts(config: Config, model: RejectionModel, names: Sequence[str], since: date | None = None,
                  scan_all: bool = False, dry_run: bool = False, drafts: bool = True,
                  on_outcome: Callable[[Outcome], None] | None = None, jobs: int = 1,
                  on_found: Callable[[int], None] | None = None) -> tuple[list[Summary], list[tuple[str, str]]]:
    """Every named (or configured) account; one account failing never stops the others. The
    failures are (account, one line) for each account or folder that could not be scanned."""
    if not config.accounts:
        raise OnwardError("no accounts configured: run `onward config init`, or give a path to scan local mail")
    accounts = [config.account(n) for n in names] if names else list(config.accounts.values())
    request = ScanRequest(since=since, scan_all=scan_all, dry_run=dry_run, drafts=drafts, jobs=jobs, on_found=on_found)
    summaries, failures = [], []
    lock = threading.Lock()

    def show(outcome: Outcome) -> None:
        if on_outcome:
            with lock:
                on_outcome(outcome)

    for account in accounts:
        try:
            summary = scan_account(config, model, account, request, show)
        except Exception as exc:  # whatever it was, the next account is scanned
            log.debug("account %s failed", account.name, exc_info=True)
            error = describe(exc, f"account {account.name!r}")
            failures.append((account.name, error))
            if not dry_run:
                note_account_error(config, account.name, error)
            continue
        summaries.append(summary)
        failures += [(account.name, error) for error in summary.errors]
    return summaries, failures
