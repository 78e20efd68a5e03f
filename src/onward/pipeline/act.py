"""Acting on a recorded batch: `Actor` tags rejections (and unsure messages) with one STORE per
keyword, has `Drafter` compose a feedback request for each new rejection and save them all at
once, and moves what is to be moved, message by message. Each action is recorded once done, so a
rerun or a crash never repeats it; each sets the statuses of the message's `Outcome`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from onward.drafts.compose import Draft, Template, ToneError, compose
from onward.drafts.vetting import Person, find_person, firm_keys
from onward.errors import OnwardError
from onward.facts.extract import extract
from onward.facts.model import Extraction
from onward.facts.people import is_relay
from onward.mail.message import ParsedMessage
from onward.mail.parse import parse_message
from onward.mailbox import SourceMessage
from onward.mailbox.actions import REJECTION_KEYWORD, UNSURE_KEYWORD, Actions
from onward.pipeline.record import Failures, MessageRecord
from onward.pipeline.run import Failure, Outcome, attempt
from onward.store import Store
from onward.vocab import DraftOutcome, DraftStatus

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ActSettings:
    tag: bool = True
    drafts: bool = True
    move_to: str | None = None
    draft_max_age_days: int | None = 14  # None: draft rejections of any age


class Actor:
    """What is done to the mailbox for a recorded batch: tags, drafts (by its `Drafter`), moves."""

    def __init__(self, store: Store, account: str, actions: Actions, settings: ActSettings, failures: Failures,
                 from_address: str, my_name: str, templates: dict[str, Template], max_text_bytes: int) -> None:
        self.store = store
        self.account = account
        self.actions = actions
        self.settings = settings
        self.failures = failures
        self.drafter = Drafter(store, account, actions, settings, failures, self.event, from_address, my_name,
                               templates, max_text_bytes)
        self._events: dict[int, Any] = {}  # rejection events of the batch in hand, by message row

    def new_batch(self) -> None:
        """Forget the rejection events of the batch before."""
        self._events = {}

    def event(self, row_id: int) -> Any:
        """The message's rejection event, looked up once per batch (tagging, drafting and moving ask)."""
        if row_id not in self._events:
            self._events[row_id] = self.store.rejection_for(row_id)
        return self._events[row_id]

    def _once(self, message_id: str, action: str, do: Callable[[], bool], detail: str | None = None) -> bool:
        """Run an action unless the store says it was done; record it when it succeeds."""
        if self.store.action_done(self.account, message_id, action) or not do():
            return False
        self.store.record_action(self.account, message_id, action, detail)
        return True

    def tag(self, folder: str, records: Sequence[MessageRecord]) -> None:
        """One STORE per keyword for the whole batch: a command per message was most of a scan's
        time on the server."""
        if not (self.settings.tag and self.actions.can_tag):
            return
        pending: dict[tuple[str, str], list[tuple[str, int | None, Outcome]]] = {}
        for record in records:
            outcome, row_id, uid, message = record.outcome, record.row_id, record.uid, record.message
            if row_id is None or message is None:
                continue
            if outcome.verdict == "unsure":
                action, keyword = "tag_unsure", UNSURE_KEYWORD
            elif outcome.verdict == "rejection" and self.event(row_id) is not None:
                action, keyword = "tag", REJECTION_KEYWORD
            else:
                continue  # not a rejection, or recorded by an older run that did not know it was one
            pending.setdefault((action, keyword), []).append((message.message_id, uid, outcome))
        for (action, keyword), candidates in pending.items():
            done_before = self.store.actions_done(self.account, action, [m for m, _, _ in candidates])
            entries = [entry for entry in candidates if entry[0] not in done_before]
            if not entries:
                continue
            uids = [uid for _, uid, _ in entries if uid is not None]
            try:
                done = self.actions.tag(folder, uids, keyword)
            except OnwardError as exc:  # e.g. a server refusing the keyword: drafts and moves go on
                log.warning("folder %s: tagging %d messages %s failed: %s", folder, len(uids), keyword, exc)
                for _, _, outcome in entries:
                    outcome.error = str(exc)
                continue
            if not done:
                continue
            with self.store.transaction():
                self.store.record_actions(self.account, action, [message_id for message_id, _, _ in entries])
            for _, _, outcome in entries:
                outcome.actions.append(f"tag {keyword}")

    def draft(self, folder: str, records: Sequence[MessageRecord]) -> None:
        """A draft for each new rejection, all saved at once (see `Drafter.draft`)."""
        self.drafter.draft(folder, records)

    def act(self, folder: str, record: MessageRecord) -> None:
        """The move of one recorded message, behind its own fault boundary."""
        if record.row_id is not None and record.message is not None:
            moved = attempt("move", self._move, folder, record.uid, record.message, record.row_id, record.outcome)
            if isinstance(moved, Failure):  # e.g. a server refusing this move: the others go on
                self.failures.fail(folder, record.item, record.uid, record.outcome, moved)

    def _move(self, folder: str, uid: int | None, message: ParsedMessage, row_id: int, outcome: Outcome) -> None:
        """What follows tags and drafts, message by message: the move (which changes the UID)."""
        if outcome.verdict != "rejection":
            return
        event = self.event(row_id)
        if event is None:  # recorded by an older run that did not know it was a rejection
            return
        outcome.company, outcome.stage, outcome.reason = event["company"], event["stage"], event["reason"]
        if not self.settings.drafts:
            outcome.draft = DraftOutcome.OFF
        move_to = self.settings.move_to
        if move_to and self.actions.can_tag and self._once(message.message_id, "move",
                                                           lambda: self.actions.move(folder, uid, move_to), move_to):
            outcome.actions.append(f"move to {move_to}")


class Drafter:
    """The feedback requests of a batch: composed from each new rejection's facts and a template,
    checked for tone, and saved all at once."""

    def __init__(self, store: Store, account: str, actions: Actions, settings: ActSettings, failures: Failures,
                 event: Callable[[int], Any], from_address: str, my_name: str, templates: dict[str, Template],
                 max_text_bytes: int) -> None:
        self.store = store
        self.account = account
        self.actions = actions
        self.settings = settings
        self.failures = failures
        self.event = event
        self.from_address = from_address
        self.my_name = my_name
        self.templates = templates
        self.max_text_bytes = max_text_bytes
        self._tone_failures: set[str] = set()

    def draft(self, folder: str, records: Sequence[MessageRecord]) -> None:
        """A draft for each new rejection, all saved at once (one APPEND for the batch)."""
        if not self.settings.drafts:
            return
        candidates = []
        for record in records:
            outcome, row_id, facts, item, uid, message = (record.outcome, record.row_id, record.facts, record.item,
                                                          record.uid, record.message)
            if row_id is None or message is None or outcome.verdict != "rejection":
                continue
            event = self.event(row_id)
            if event is None:  # recorded by an older run that did not know it was a rejection
                continue
            if self.store.action_done(self.account, message.message_id, "draft"):
                outcome.draft = DraftOutcome.EXISTS
                continue
            if self._too_old(message):
                outcome.draft = DraftOutcome.TOO_OLD
                if event["draft_status"] != DraftStatus.TOO_OLD:
                    self.store.set_draft_status(event["id"], DraftStatus.TOO_OLD)
                continue
            candidates.append((outcome, event, facts, item, uid, message))
        failed_before = self.store.failed(self.account, "draft", [c[-1].message_id for c in candidates])
        pending: list[tuple[Draft, Outcome, Any, str]] = []
        for outcome, event, facts, item, uid, message in candidates:
            if message.message_id in failed_before:  # reported when it failed; not tried on every scan
                outcome.draft = DraftOutcome.FAILED
                continue
            draft = attempt("draft", self._draft, message, event, outcome, facts, item)
            if isinstance(draft, Failure):
                self.store.set_draft_status(event["id"], DraftStatus.FAILED)
                outcome.draft = DraftOutcome.FAILED
                self.failures.fail(folder, item, uid, outcome, draft)
            elif draft is not None:
                pending.append((draft, outcome, event, message.message_id))
        if not pending:
            return
        try:
            saved = self.actions.save_drafts([draft for draft, *_ in pending])
        except OnwardError as exc:  # e.g. the server refusing the Drafts folder: tags and moves go on
            log.warning("saving %d draft(s) failed: %s", len(pending), exc)
            for _, outcome, _, _ in pending:
                outcome.error = str(exc)
            return
        dry_run = self.actions.dry_run
        with self.store.transaction():
            for (draft, outcome, event, message_id), was_saved in zip(pending, saved, strict=True):
                if dry_run:
                    outcome.draft = DraftOutcome.WOULD_DRAFT
                elif was_saved:
                    outcome.draft = DraftOutcome.DRAFTED if draft.to else DraftOutcome.NO_RECIPIENT
                else:
                    outcome.draft = DraftOutcome.EXISTS
                outcome.draft_to = draft.to
                self.store.record_action(self.account, message_id, "draft", draft.message_id)
                self.store.set_draft_status(event["id"], DraftStatus.DRAFTED if draft.to
                                            else DraftStatus.DRAFTED_NO_RECIPIENT, draft.message_id)
                outcome.actions.append(f"draft {draft.message_id}")

    def _too_old(self, message: ParsedMessage) -> bool:
        """A feedback request weeks after the rejection is pointless; an undated one gets its draft."""
        days = self.settings.draft_max_age_days
        return days is not None and message.date is not None and \
            message.date < datetime.now(UTC) - timedelta(days=days)

    def _earlier_person(self, message: ParsedMessage, facts: Extraction, event: Any) -> Person | None:
        """When the rejection names no one to write to: a person at the employer who wrote before,
        found in what onward has already seen (the history, not the whole mailbox)."""
        if facts.value("reply_to") is not None:
            return None
        company = event["company"]
        # a name too unsure to print may still find the person whose own domain spells it
        unsure = None if company else facts.company.value
        names = firm_keys(company or unsure or "")
        rows = self.store.earlier_senders(self.account, company, "" if is_relay(message.from_address) else
                                          message.from_address,
                                          message.date.isoformat() if message.date else None, sorted(names))
        return find_person([dict(r) for r in rows], message, company, unsure_company=unsure)

    def _draft(self, message: ParsedMessage, event: Any, outcome: Outcome, facts: Extraction | None,
               item: SourceMessage) -> Draft | None:
        if facts is None:  # a rejection recorded by an earlier run: read it whole again
            facts = extract(parse_message(item.raw, self.max_text_bytes))
        try:
            draft = compose(message, facts, self.from_address, self.my_name, self.templates, stage=event["stage"],
                            earlier_person=self._earlier_person(message, facts, event))
        except ToneError as exc:
            if str(exc) not in self._tone_failures:
                log.error("%s; no draft saved", exc)
                self._tone_failures.add(str(exc))
            self.store.set_draft_status(event["id"], DraftStatus.TONE_FAILED)
            outcome.draft, outcome.error = DraftOutcome.TONE_FAILED, str(exc)
            return None
        draft.as_bytes()  # a draft that cannot be written fails here, alone, not in the batch's APPEND
        return draft
