"""`onward watch`: the background service. One thread and one connection per account; IDLE where
the server has it, polling where not; reconnect with capped, jittered backoff and catch up.

Signal handlers only set flags; the loops notice them within a second.
"""

from __future__ import annotations

import logging
import random
import signal
import threading
import time
from collections.abc import Callable, Sequence
from types import FrameType

from onward.classifier.predictor import RejectionModel
from onward.config import AccountConfig, Config
from onward.errors import LoginRefused, OnwardError
from onward.mailbox.imap import NETWORK_ERRORS, ImapMailbox
from onward.pipeline.processor import Processor
from onward.pipeline.run import Outcome, Summary
from onward.store import Store
from onward.store.status import note_account_error
from onward.sync.follow import follow_drafts
from onward.sync.scan import ScanRequest, make_processor, reconcile_moves, scan_folders

log = logging.getLogger(__name__)

# what ends a connection's work and is met by reconnecting after a backoff
RECONNECT_ERRORS: tuple[type[BaseException], ...] = (OnwardError, *NETWORK_ERRORS)

IDLE_RENEW_SECONDS = 24 * 60  # servers may drop IDLE after 30 minutes (RFC 2177 asks for < 29)
BACKOFF_START, BACKOFF_CAP = 1.0, 300.0
WATCH_BATCH = 16  # small batches so a stop request waits for little work
LOGIN_ATTEMPTS = 3  # refused logins in a row before an account stops trying
DRAFTS_LOOK_SECONDS = 15 * 60  # how often watch looks whether saved drafts were sent


def backoff_delays(start: float = BACKOFF_START, cap: float = BACKOFF_CAP) -> Callable[[], float]:
    """Capped exponential backoff with full jitter (so many clients do not reconnect in step)."""
    state = {"next": start}

    def delay() -> float:
        value = random.uniform(state["next"] / 2, state["next"])
        state["next"] = min(cap, state["next"] * 2)
        return value

    return delay


class AccountWatcher(threading.Thread):
    def __init__(self, config: Config, model: RejectionModel, account: AccountConfig, stop: threading.Event,
                 on_outcome: Callable[[Outcome], None] | None = None,
                 backoff: Callable[[], Callable[[], float]] = backoff_delays) -> None:
        super().__init__(name=f"watch-{account.name}", daemon=True)
        self.config, self.model, self.account, self.stop = config, model, account, stop
        self.on_outcome = on_outcome
        self.make_backoff = backoff
        self.delay = backoff()  # the wait before the next reconnect
        self.request = ScanRequest(batch_size=WATCH_BATCH, should_stop=stop.is_set)
        self.connected = threading.Event()
        self.scans = 0
        self.failures = 0
        self.next_drafts_look = 0.0
        self.gave_up = False  # the server refused the login LOGIN_ATTEMPTS times in a row

    def run(self) -> None:
        refused = 0  # logins refused in a row
        while not self.stop.is_set():
            mailbox = ImapMailbox(self.account)
            try:
                mailbox.connect()
                refused = 0
                self.connected.set()
                with Store(self.config.database) as store:
                    processor = make_processor(store, self.model, self.account, mailbox, self.config, self.request,
                                               self.on_outcome)
                    self._loop(mailbox, store, processor)
            except RECONNECT_ERRORS as exc:
                self.failures += 1
                self.connected.clear()
                wait = self.delay()
                error = str(exc) or type(exc).__name__
                note_account_error(self.config, self.account.name, error)
                refused = refused + 1 if isinstance(exc, LoginRefused) else 0
                if refused >= LOGIN_ATTEMPTS:  # asking again only risks a lockout by the provider
                    self.gave_up = True
                    log.error("%s; gave up after %d refused logins: fix the secret, then reload (SIGHUP) or "
                              "restart onward", error, refused)
                    break
                log.warning("account %s: %s; reconnecting in %.1f s", self.account.name, error, wait)
                self.stop.wait(wait)
            except Exception:
                # a bug must not kill the other accounts' threads, nor this one forever
                self.failures += 1
                self.connected.clear()
                log.exception("account %s: unexpected error; restarting", self.account.name)
                self.stop.wait(self.delay())
            finally:
                mailbox.close()
        log.info("account %s: stopped", self.account.name)

    def _catch_up(self, mailbox: ImapMailbox, store: Store, processor: Processor) -> None:
        summary = Summary(account=self.account.name)
        reconcile_moves(mailbox, store)
        scan_folders(mailbox, store, processor, self.account.folders, self.config, self.request, summary)
        for error in summary.errors:  # tried again at the next catch-up, which only new mail brings
            log.warning("%s", error)
        if self.stop.is_set():
            return
        if time.monotonic() >= self.next_drafts_look:  # reading Drafts and Sent costs: not on every new mail
            follow_drafts(mailbox, store)
            self.next_drafts_look = time.monotonic() + DRAFTS_LOOK_SECONDS
        store.note_scan(self.account.name)
        self.scans += 1
        # only a whole catch-up resets the backoff, not a connection: a failure that comes back
        # after every connect (a locked database, a bug) then waits longer each time instead of
        # restarting twice a second
        self.delay = self.make_backoff()
        if summary.new:
            log.info("account %s: %d new, %d rejections, %d unsure, %d drafts", self.account.name, summary.new,
                     summary.rejections, summary.unsure, summary.drafts)

    def _loop(self, mailbox: ImapMailbox, store: Store, processor: Processor) -> None:
        poll = self.account.poll_interval or self.config.poll_interval
        idle = mailbox.has("IDLE")
        while not self.stop.is_set():
            self._catch_up(mailbox, store, processor)
            if self.stop.is_set():
                return
            if idle:
                self._idle(mailbox, poll)
            else:
                self.stop.wait(poll)

    def _idle(self, mailbox: ImapMailbox, poll: float) -> None:
        """Until the server reports a change, a stop is asked for, or it is time to renew IDLE."""
        mailbox.wait_for_change(self.account.folders[0], min(poll, IDLE_RENEW_SECONDS), self.stop.is_set)


class GaveUp(OnwardError):
    exit_code = 2  # like a config error: the systemd unit does not restart onward for it


class Watcher:
    """All accounts; SIGHUP reloads the config, SIGTERM/SIGINT stop after the work in hand."""

    def __init__(self, load: Callable[[], tuple[Config, RejectionModel]], names: Sequence[str] = (),
                 on_outcome: Callable[[Outcome], None] | None = None) -> None:
        self.load = load
        self.names = tuple(names)
        self.on_outcome = on_outcome
        self.stop = threading.Event()
        self.reload = threading.Event()
        self.threads: list[AccountWatcher] = []

    def install_signal_handlers(self) -> None:
        def stop(signum: int, frame: FrameType | None) -> None:
            self.stop.set()

        def reload(signum: int, frame: FrameType | None) -> None:
            self.reload.set()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGHUP, reload)

    def start_accounts(self) -> None:
        config, model = self.load()
        if not config.accounts:
            raise OnwardError("no accounts configured: run `onward config init` and add one")
        accounts = [config.account(n) for n in self.names] if self.names else list(config.accounts.values())
        self.account_stop = threading.Event()
        self.threads = [AccountWatcher(config, model, a, self.account_stop, self.on_outcome) for a in accounts]
        for thread in self.threads:
            thread.start()
        log.info("watching %d account(s): %s", len(accounts), ", ".join(a.name for a in accounts))

    def stop_accounts(self) -> None:
        self.account_stop.set()
        for thread in self.threads:
            thread.join(timeout=60)

    def run(self) -> None:
        self.start_accounts()
        try:
            while not self.stop.is_set():
                if self.threads and all(t.gave_up for t in self.threads):
                    raise GaveUp("every account's login was refused (see above); fix the secrets and start again")
                if self.reload.wait(0.5):
                    self.reload.clear()
                    log.info("reloading the configuration")
                    try:
                        self.load()  # check the new config before stopping anything
                    except OnwardError as exc:
                        log.error("config reload failed, keeping the running config: %s", exc)
                        continue
                    self.stop_accounts()
                    self.start_accounts()
        finally:
            self.stop_accounts()
