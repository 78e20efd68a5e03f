"""The pipeline shared by `scan`, `watch` and the demo: source -> parse -> classify -> record -> act.

A message is acted on only after it is recorded, and the folder state advances only after a
batch is acted on, so a crash repeats work instead of losing it; every action checks whether
it was already done, so repeating it changes nothing.

Each step of each message runs behind a fault boundary (`attempt`): an error in one message
becomes that message's recorded failure, once, and the batch goes on; only errors of the
surroundings (connection, disk, a locked database) end a batch, which is then read again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from onward.classifier.model import Prediction, RejectionModel
from onward.config import Config
from onward.drafts.compose import Draft, Template, ToneError, compose, load_templates
from onward.drafts.vetting import Person, find_person
from onward.errors import OnwardError, caused_by_surroundings
from onward.facts.extract import Extraction, extract, extract_company, is_relay
from onward.mail.message import ParsedMessage
from onward.mail.parse import parse_message
from onward.mailbox import SourceMessage
from onward.mailbox.actions import REJECTION_KEYWORD, UNSURE_KEYWORD, Actions, DryRunActions, LocalActions
from onward.store import Store

log = logging.getLogger(__name__)

BATCH_SIZE = 64
EXCERPT_CHARS = 300
LOCAL_ACCOUNT = "local"
T = TypeVar("T")


@dataclass(frozen=True)
class Failure:
    """What went wrong with one message at one step; text only, as it comes back from workers."""

    step: str  # read | record | draft | move
    error_class: str
    error: str

    def __str__(self) -> str:
        return f"{self.step} failed: {self.error_class}: {self.error}"


def attempt(step: str, work: Callable[..., T], *args: Any) -> T | Failure:
    """`work(*args)`, or the failure of the message it works on. Errors of the surroundings are
    not the message's fault: they propagate, so the batch is read again rather than written off."""
    try:
        return work(*args)
    except Exception as exc:
        if caused_by_surroundings(exc):
            raise
        log.debug("%s failed", step, exc_info=True)
        return Failure(step, exc.__class__.__name__, str(exc)[:500])


@dataclass(frozen=True)
class ActSettings:
    tag: bool = True
    drafts: bool = True
    move_to: str | None = None
    draft_max_age_days: int | None = 14  # None: draft rejections of any age


@dataclass
class Outcome:
    location: str
    message_id: str
    subject: str = ""
    sender: str = ""
    status: str = "new"  # new | known | malformed | unreadable | failed
    category: str | None = None
    verdict: str | None = None
    score: float | None = None
    company: str | None = None
    stage: str | None = None
    reason: str | None = None
    draft: str | None = None  # drafted | exists | no_recipient | tone_failed | failed | off | would_draft | too_old
    draft_to: str | None = None
    actions: list[str] = field(default_factory=list)
    error: str | None = None
    failed_at: str | None = None  # the step of a failed message: read | record | draft | move
    error_class: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class Summary:
    account: str
    scanned: int = 0
    new: int = 0
    known: int = 0
    rejections: int = 0
    unsure: int = 0
    drafts: int = 0
    too_old: int = 0  # rejections recorded and tagged but not drafted: older than draft_max_age_days
    malformed: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    def add(self, outcome: Outcome) -> None:
        self.scanned += 1
        if outcome.status == "new":
            self.new += 1
        elif outcome.status == "known":
            self.known += 1
        elif outcome.status == "failed":
            self.failed += 1
        else:
            self.malformed += 1
        if outcome.status in ("new", "failed") and outcome.verdict == "rejection":
            self.rejections += 1
        if outcome.status == "new" and outcome.verdict == "unsure":
            self.unsure += 1
        if outcome.draft in ("drafted", "no_recipient", "would_draft"):
            self.drafts += 1
        elif outcome.draft == "too_old":
            self.too_old += 1


def _is_unusable(message: ParsedMessage) -> bool:
    """Nothing a reader could classify: parsing failed, or no headers and no text at all."""
    if any(d.startswith("unparseable") for d in message.defects):
        return True
    return not message.text.strip() and not message.subject and not message.from_address


@dataclass(frozen=True)
class Analysis:
    """What reading a message tells us, before anything is recorded: the part of the pipeline that
    needs no database or mailbox, so worker processes can do it."""

    message: ParsedMessage | None  # None: the source could not be read
    prediction: Prediction | None = None  # None: unusable, already recorded, or failed
    facts: Extraction | None = None  # for a rejection
    company: str | None = None  # for a rejection, an acknowledgement, an interview or an offer
    failure: Failure | None = None  # classifying or extracting raised


def analyse(model: RejectionModel, items: Sequence[SourceMessage], max_text_bytes: int,
            known: Callable[[list[str]], Any] | None = None, slim: bool = False) -> list[Analysis]:
    """Parse, classify and extract. `known(message_ids)` names messages recorded before, which are
    not classified again (a worker process has no database and classifies everything). `slim`
    keeps only what recording needs of the text: a worker then sends back a tenth of the bytes."""
    parsed = [None if item.error else _parse(item, max_text_bytes) for item in items]
    skip = known([m.message_id for m in parsed if m is not None]) if known else ()
    to_classify = [i for i, m in enumerate(parsed) if m is not None and not _is_unusable(m) and m.message_id not in skip]
    predictions = dict(zip(to_classify, _predict(model, [parsed[i] for i in to_classify]),  # type: ignore[misc]
                           strict=True))
    analyses = []
    for index, message in enumerate(parsed):
        prediction = predictions.get(index)
        if isinstance(prediction, Failure):
            analyses.append(Analysis(message, failure=prediction))
            continue
        facts: Extraction | None = None
        company: str | None = None
        if message is not None and prediction is not None:
            found = attempt("read", _facts, message, prediction)
            if isinstance(found, Failure):
                analyses.append(Analysis(message, failure=found))
                continue
            facts, company = found
        if slim and message is not None:
            message = _slim(message)
            if prediction is not None:  # recording keeps the verdict, category and score only
                prediction = replace(prediction, probabilities={})
        analyses.append(Analysis(message, prediction, facts, company))
    return analyses


def _parse(item: SourceMessage, max_text_bytes: int) -> ParsedMessage:
    message = parse_message(item.raw, max_text_bytes)
    if item.size is None:
        return message
    # only the headers and the start of the body were fetched: say so, and keep the real size
    return replace(message, size=item.size, defects=(*message.defects, f"only {len(item.raw)} of its {item.size} "
                                                     "bytes read: the whole header and the start of the body"))


def _predict(model: RejectionModel, messages: list[ParsedMessage]) -> list[Prediction | Failure]:
    """The whole batch at once; when that raises, message by message, so that only the message at
    fault fails."""
    batch = attempt("read", model.predict, messages, False)
    if not isinstance(batch, Failure):
        return list(batch)
    results: list[Prediction | Failure] = []
    for message in messages:
        one = attempt("read", model.predict, [message], False)
        results.append(one if isinstance(one, Failure) else one[0])
    return results


def _facts(message: ParsedMessage, prediction: Prediction) -> tuple[Extraction | None, str | None]:
    """What recording keeps of a job message: the facts of a rejection, the company of the others."""
    if prediction.verdict == "rejection":
        facts = extract(message)
        return facts, facts.value("company", 0.5)
    if prediction.category in ("application_ack", "interview", "offer"):
        # the company alone is enough to link this message to a later rejection
        found = extract_company(message)
        return None, found.value if found.confidence >= 0.5 else None
    return None, None


def _slim(message: ParsedMessage) -> ParsedMessage:
    """The message without the text that recording and acting do not read (they read the excerpt,
    and whether there is any text at all)."""
    excerpt = message.text[:EXCERPT_CHARS]
    return replace(message, text=excerpt if excerpt.strip() else message.text, quoted="", signature="")


class Processor:
    def __init__(
        self,
        store: Store,
        model: RejectionModel,
        account: str,
        actions: Actions,
        settings: ActSettings,
        from_address: str,
        my_name: str = "",
        templates: dict[str, Template] | None = None,
        keep_excerpt: bool = False,
        max_text_bytes: int = 2 * 1024 * 1024,
        on_outcome: Callable[[Outcome], None] | None = None,
    ) -> None:
        self.store = store
        self.model = model
        self.account = account
        self.actions = actions
        self.settings = settings
        self.from_address = from_address
        self.my_name = my_name
        self.templates = templates if templates is not None else load_templates()
        self.keep_excerpt = keep_excerpt
        self.max_text_bytes = max_text_bytes
        self.on_outcome = on_outcome
        self._tone_failures: set[str] = set()
        self._events: dict[int, Any] = {}  # rejection events of the batch in hand, by message row

    # -- one batch -------------------------------------------------------------------------------
    def process(self, folder: str, items: Sequence[tuple[SourceMessage, int | None]],
                analyses: Sequence[Analysis] | None = None) -> list[Outcome]:
        """Record the whole batch in one transaction, then act on what was recorded. `analyses`,
        when given, were made elsewhere (a worker process) from the same items."""
        if analyses is None:
            analyses = analyse(self.model, [item for item, _ in items], self.max_text_bytes,
                               lambda ids: self.store.message_rows(self.account, ids))
        parsed = [a.message for a in analyses]
        self._events = {}
        known = self.store.message_rows(self.account, [m.message_id for m in parsed if m is not None])
        try:
            # one transaction and no savepoints: the common case, where every message records cleanly
            with self.store.transaction():
                recorded = self._record_batch(folder, items, analyses, known, isolate=False)
        except Exception as exc:
            if caused_by_surroundings(exc):
                raise
            # something in the batch failed: undo it all and record message by message, each in its
            # own savepoint, so one bad message is recorded as such and the others are kept
            with self.store.transaction():
                recorded = self._record_batch(folder, items, analyses, known, isolate=True)
        # only now, with every message saved, do we touch the mailbox
        self._tag_batch(folder, recorded, items, parsed)
        self._draft_batch(folder, recorded, items, parsed)
        outcomes = []
        for (outcome, row_id, _facts), (item, uid), message in zip(recorded, items, parsed, strict=True):
            if row_id is not None and message is not None:
                moved = attempt("move", self._act, folder, uid, message, row_id, outcome)
                if isinstance(moved, Failure):  # e.g. a server refusing this move: the others go on
                    self._fail(folder, item, uid, outcome, moved)
            outcomes.append(outcome)
            if self.on_outcome:
                self.on_outcome(outcome)
        return outcomes

    def _event(self, row_id: int) -> Any:
        """The message's rejection event, looked up once per batch (tagging, drafting and moving ask)."""
        if row_id not in self._events:
            self._events[row_id] = self.store.rejection_for(row_id)
        return self._events[row_id]

    def _record_batch(self, folder: str, items: Sequence[tuple[SourceMessage, int | None]],
                      analyses: Sequence[Analysis], known: dict[str, Any],
                      isolate: bool) -> list[tuple[Outcome, int | None, Extraction | None]]:
        recorded: list[tuple[Outcome, int | None, Extraction | None]] = []
        in_batch: set[str] = set()
        for (item, uid), analysis in zip(items, analyses, strict=True):
            message = analysis.message
            if message is not None:
                if message.message_id in in_batch:
                    analysis = Analysis(message)  # a second copy: it finds the first one's row
                in_batch.add(message.message_id)
            if not isolate:
                recorded.append(self._record(folder, item, uid, analysis, known))
                continue
            result = attempt("record", self._record_alone, folder, item, uid, analysis, known)
            if isinstance(result, Failure):  # one bad message must not end the scan
                outcome = Outcome(location=item.location, message_id=message.message_id if message else item.key)
                self._fail(folder, item, uid, outcome, result, new_row=True)
                result = (outcome, None, None)
            recorded.append(result)
        return recorded

    def _record_alone(self, folder: str, item: SourceMessage, uid: int | None, analysis: Analysis,
                      known: dict[str, Any]) -> tuple[Outcome, int | None, Extraction | None]:
        with self.store.savepoint():
            return self._record(folder, item, uid, analysis, known)

    def _record(self, folder: str, item: SourceMessage, uid: int | None, analysis: Analysis,
                known: dict[str, Any]) -> tuple[Outcome, int | None, Extraction | None]:
        """`known`: the rows recorded before this batch, by Message-ID."""
        message, prediction = analysis.message, analysis.prediction
        if message is None:
            return self._record_failure(folder, item, uid, item.key, "unreadable", item.error or "unreadable"), None, None
        if _is_unusable(message):
            return (self._record_failure(folder, item, uid, message.message_id, "malformed", "; ".join(message.defects)),
                    None, None)
        outcome = Outcome(location=item.location, message_id=message.message_id, subject=message.subject,
                          sender=message.from_address)
        row = known.get(message.message_id)
        if row is None and prediction is None:  # a duplicate of a message earlier in this batch
            row = self.store.message_row(self.account, message.message_id)
        if row is None:
            if analysis.failure is not None:
                outcome = Outcome(location=item.location, message_id=message.message_id)
                self._fail(folder, item, uid, outcome, analysis.failure, new_row=True)
                return outcome, None, None
            if prediction is None:
                raise RuntimeError(f"message {message.message_id} has no prediction")
            outcome.category, outcome.verdict, outcome.score = prediction.category, prediction.verdict, prediction.score
            facts = analysis.facts
            row_id = self.store.insert_message(self.account, folder, self._message_values(
                message, prediction, uid, item, facts, analysis.company))
            if prediction.verdict == "rejection" and facts is not None:
                self._record_rejection(row_id, message, facts)
            return outcome, row_id, facts
        outcome.status = "known"
        outcome.category, outcome.verdict, outcome.score = row["category"], row["verdict"], row["score"]
        if row["uid"] != uid or row["folder"] != folder:
            self.store.record_message(self.account, folder, {"message_id": message.message_id, "uid": uid})
        return outcome, row["id"], analysis.facts

    def _record_failure(self, folder: str, item: SourceMessage, uid: int | None, message_id: str, status: str,
                        error: str) -> Outcome:
        self.store.record_message(self.account, folder, {
            "message_id": message_id, "uid": uid, "source_key": item.key, "status": status, "error": error[:500],
        })
        log.info("recorded %s message %s: %s", status, item.location, error[:200])
        return Outcome(location=item.location, message_id=message_id, status=status, error=error)

    def _fail(self, folder: str, item: SourceMessage, uid: int | None, outcome: Outcome, failure: Failure,
              new_row: bool = False) -> None:
        """Report a message's failure and record it once, so that later scans neither try that step
        again nor report it again. `new_row`: the message is not recorded yet; it gets a row that
        says it failed, so that a rescan knows it."""
        outcome.status, outcome.failed_at, outcome.error_class = "failed", failure.step, failure.error_class
        outcome.error = str(failure)
        first = attempt("record", self._record_failed, folder, item, uid, outcome.message_id, failure, new_row)
        if isinstance(first, Failure):
            log.warning("message %s: %s; and recording that failed too: %s", item.location, failure, first)
        elif first:
            log.warning("message %s: %s; recorded, the scan goes on", item.location, failure)

    def _record_failed(self, folder: str, item: SourceMessage, uid: int | None, message_id: str, failure: Failure,
                       new_row: bool) -> bool:
        with self.store.savepoint("failure"):
            if new_row:
                self.store.record_message(self.account, folder, {
                    "message_id": message_id, "uid": uid, "source_key": item.key, "status": "failed",
                    "error": str(failure)[:500]})
            return self.store.record_failure(self.account, folder, uid, message_id, failure.step, failure.error_class,
                                             failure.error)

    def _message_values(self, message: ParsedMessage, prediction: Prediction, uid: int | None, item: SourceMessage,
                        facts: Extraction | None, company: str | None) -> dict[str, Any]:
        return {
            "message_id": message.message_id,
            "uid": uid,
            "source_key": item.key,
            "received_at": message.date.isoformat() if message.date else None,
            "from_addr": message.from_address,
            "from_name": message.from_[0],
            "subject": message.subject,
            "company": company,
            "role": facts.value("role", 0.5) if facts else None,
            "in_reply_to": message.in_reply_to,
            "thread_refs": list(message.references),
            "category": prediction.category,
            "verdict": prediction.verdict,
            "score": prediction.score,
            "model_version": self.model.version,
            "status": "classified",
            "error": "; ".join(message.defects)[:500] or None,
            "excerpt": message.text[:EXCERPT_CHARS] if self.keep_excerpt else None,
        }

    def _record_rejection(self, row_id: int, message: ParsedMessage, facts: Extraction) -> None:
        """The event of a message recorded just now (so it has none yet)."""
        stage = facts.value("stage") or "unknown"
        company = facts.value("company", 0.5)
        application = None
        if company:
            earlier = self.store.earlier_job_messages(self.account, company, message.date.isoformat() if message.date else None)
            application = next((r["id"] for r in earlier if r["category"] == "application_ack"), None)
            if any(r["category"] == "interview" for r in earlier) and stage in ("application", "unknown"):
                stage = "interview"  # they interviewed you, even if this mail does not say so
            if application is None and earlier:
                application = earlier[0]["id"]
        self.store.record_rejection(row_id, {
            "company": company,
            "role": facts.value("role", 0.5),
            "stage": stage,
            "reason": facts.value("reason") or "none",
            "signer": facts.value("signer", 0.5),
            "reply_to": facts.value("reply_to"),
            "lang": facts.value("lang"),
            "received_at": message.date.isoformat() if message.date else None,
            "application_message": application,
        }, new_message=True)

    # -- actions ------------------------------------------------------------------------------------
    def _once(self, message_id: str, action: str, do: Callable[[], bool], detail: str | None = None) -> bool:
        """Run an action unless the store says it was done; record it when it succeeds."""
        if self.store.action_done(self.account, message_id, action) or not do():
            return False
        self.store.record_action(self.account, message_id, action, detail)
        return True

    def _tag_batch(self, folder: str, recorded: Sequence[tuple[Outcome, int | None, Extraction | None]],
                   items: Sequence[tuple[SourceMessage, int | None]], parsed: Sequence[ParsedMessage | None]) -> None:
        """One STORE per keyword for the whole batch: a command per message was most of a scan's
        time on the server."""
        if not (self.settings.tag and self.actions.can_tag):
            return
        pending: dict[tuple[str, str], list[tuple[str, int | None, Outcome]]] = {}
        for (outcome, row_id, _facts), (_item, uid), message in zip(recorded, items, parsed, strict=True):
            if row_id is None or message is None:
                continue
            if outcome.verdict == "unsure":
                action, keyword = "tag_unsure", UNSURE_KEYWORD
            elif outcome.verdict == "rejection" and self._event(row_id) is not None:
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

    def _draft_batch(self, folder: str, recorded: Sequence[tuple[Outcome, int | None, Extraction | None]],
                     items: Sequence[tuple[SourceMessage, int | None]], parsed: Sequence[ParsedMessage | None]) -> None:
        """A draft for each new rejection, all saved at once (one APPEND for the batch)."""
        if not self.settings.drafts:
            return
        candidates = []
        for (outcome, row_id, facts), (item, uid), message in zip(recorded, items, parsed, strict=True):
            if row_id is None or message is None or outcome.verdict != "rejection":
                continue
            event = self._event(row_id)
            if event is None:  # recorded by an older run that did not know it was a rejection
                continue
            if self.store.action_done(self.account, message.message_id, "draft"):
                outcome.draft = "exists"
                continue
            if self._too_old(message):
                outcome.draft = "too_old"
                if event["draft_status"] != "too_old":
                    self.store.set_draft_status(event["id"], "too_old")
                continue
            candidates.append((outcome, event, facts, item, uid, message))
        failed_before = self.store.failed(self.account, "draft", [c[-1].message_id for c in candidates])
        pending: list[tuple[Draft, Outcome, Any, str]] = []
        for outcome, event, facts, item, uid, message in candidates:
            if message.message_id in failed_before:  # reported when it failed; not tried on every scan
                outcome.draft = "failed"
                continue
            draft = attempt("draft", self._draft, message, event, outcome, facts, item)
            if isinstance(draft, Failure):
                self.store.set_draft_status(event["id"], "failed")
                outcome.draft = "failed"
                self._fail(folder, item, uid, outcome, draft)
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
                    outcome.draft = "would_draft"
                elif was_saved:
                    outcome.draft = "drafted" if draft.to else "no_recipient"
                else:
                    outcome.draft = "exists"
                outcome.draft_to = draft.to
                self.store.record_action(self.account, message_id, "draft", draft.message_id)
                self.store.set_draft_status(event["id"], "drafted" if draft.to else "drafted_no_recipient",
                                            draft.message_id)
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
        rows = self.store.earlier_senders(self.account, company, "" if is_relay(message.from_address) else
                                          message.from_address,
                                          message.date.isoformat() if message.date else None)
        return find_person([dict(r) for r in rows], message, company)

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
            self.store.set_draft_status(event["id"], "tone_failed")
            outcome.draft, outcome.error = "tone_failed", str(exc)
            return None
        draft.as_bytes()  # a draft that cannot be written fails here, alone, not in the batch's APPEND
        return draft

    def _act(self, folder: str, uid: int | None, message: ParsedMessage, row_id: int, outcome: Outcome) -> None:
        """What follows tags and drafts, message by message: the move (which changes the UID)."""
        if outcome.verdict != "rejection":
            return
        event = self._event(row_id)
        if event is None:  # recorded by an older run that did not know it was a rejection
            return
        outcome.company, outcome.stage, outcome.reason = event["company"], event["stage"], event["reason"]
        if not self.settings.drafts:
            outcome.draft = "off"
        move_to = self.settings.move_to
        if move_to and self.actions.can_tag and self._once(message.message_id, "move",
                                                           lambda: self.actions.move(folder, uid, move_to), move_to):
            outcome.actions.append(f"move to {move_to}")

    def run(self, folder: str, items: Iterable[tuple[SourceMessage, int | None]]) -> Summary:
        summary = Summary(account=self.account)
        batch: list[tuple[SourceMessage, int | None]] = []

        def flush() -> None:
            for outcome in self.process(folder, batch):
                summary.add(outcome)
            batch.clear()

        for entry in items:
            batch.append(entry)
            if len(batch) >= BATCH_SIZE:
                flush()
        if batch:
            flush()
        return summary


def open_store(config: Config, dry_run: bool) -> Store:
    return Store.dry_run_copy(config.database) if dry_run else Store(config.database)


def scan_local(
    config: Config,
    model: RejectionModel,
    sources: Iterable[SourceMessage],
    label: str,
    dry_run: bool = False,
    drafts_dir: Path | None = None,
    from_address: str = "me@localhost",
    my_name: str | None = None,
    drafts: bool = True,
    on_outcome: Callable[[Outcome], None] | None = None,
) -> Summary:
    """A local mailbox (files, mbox, Maildir) through the same pipeline; drafts become .eml files."""
    templates = load_templates(config.templates_dir)
    actions: Actions = DryRunActions(can_tag=False) if dry_run else LocalActions(drafts_dir or config.effective_drafts_dir)
    with open_store(config, dry_run) as store:
        settings = ActSettings(tag=False, drafts=drafts, draft_max_age_days=config.draft_age_limit)
        processor = Processor(store, model, LOCAL_ACCOUNT, actions, settings, from_address=from_address,
                              my_name=config.name if my_name is None else my_name, templates=templates,
                              keep_excerpt=config.keep_excerpt, max_text_bytes=config.max_text_bytes,
                              on_outcome=on_outcome)
        return processor.run(label, ((item, None) for item in sources))
