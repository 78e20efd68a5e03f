"""Recording a batch in the store: `Recorder` writes one row per message (and, for a rejection,
its event) in one transaction per batch, falling back to one savepoint per message when one of
them fails, and gives back a `MessageRecord` per message for acting on; `Failures` records a
message's failure at any step once, so that later scans neither try that step again nor report it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from onward.classifier.predictor import Prediction, RejectionModel
from onward.errors import caused_by_surroundings
from onward.facts.company import COMPANY_CONFIDENCE
from onward.facts.model import Extraction
from onward.mail.message import ParsedMessage
from onward.mailbox import SourceMessage
from onward.pipeline.run import EXCERPT_CHARS, Analysis, Failure, Outcome, _is_unusable, attempt
from onward.store import Store
from onward.vocab import Reason, Stage

log = logging.getLogger(__name__)


@dataclass
class MessageRecord:
    """One message of a batch as recorded: where it came from, what it is, and its row (None when
    it is not recorded as classified: unreadable, malformed or failed)."""

    item: SourceMessage
    uid: int | None
    message: ParsedMessage | None  # None: the source could not be read
    outcome: Outcome
    row_id: int | None
    facts: Extraction | None  # for a rejection recorded in this batch


class Failures:
    """The failures of one account's messages, each recorded once."""

    def __init__(self, store: Store, account: str) -> None:
        self.store = store
        self.account = account

    def fail(self, folder: str, item: SourceMessage, uid: int | None, outcome: Outcome, failure: Failure,
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


class Recorder:
    """Writes a batch into the store before anything is acted on."""

    def __init__(self, store: Store, model: RejectionModel, account: str, failures: Failures,
                 keep_excerpt: bool = False) -> None:
        self.store = store
        self.model = model
        self.account = account
        self.failures = failures
        self.keep_excerpt = keep_excerpt

    def record(self, folder: str, items: Sequence[tuple[SourceMessage, int | None]],
               analyses: Sequence[Analysis]) -> list[MessageRecord]:
        """The whole batch in one transaction; a message that fails is recorded as failed."""
        parsed = [a.message for a in analyses]
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
        return recorded

    def _record_batch(self, folder: str, items: Sequence[tuple[SourceMessage, int | None]],
                      analyses: Sequence[Analysis], known: dict[str, Any],
                      isolate: bool) -> list[MessageRecord]:
        recorded: list[MessageRecord] = []
        in_batch: set[str] = set()
        for (item, uid), analysis in zip(items, analyses, strict=True):
            message = analysis.message
            if message is not None:
                if message.message_id in in_batch:
                    analysis = Analysis(message)  # a second copy: it finds the first one's row
                in_batch.add(message.message_id)
            if not isolate:
                recorded.append(MessageRecord(item, uid, message, *self._record(folder, item, uid, analysis, known)))
                continue
            result = attempt("record", self._record_alone, folder, item, uid, analysis, known)
            if isinstance(result, Failure):  # one bad message must not end the scan
                outcome = Outcome(location=item.location, message_id=message.message_id if message else item.key)
                self.failures.fail(folder, item, uid, outcome, result, new_row=True)
                result = (outcome, None, None)
            recorded.append(MessageRecord(item, uid, message, *result))
        return recorded

    def _record_alone(self, folder: str, item: SourceMessage, uid: int | None, analysis: Analysis,
                      known: dict[str, Any]) -> tuple[Outcome, int | None, Extraction | None]:
        with self.store.savepoint():
            return self._record(folder, item, uid, analysis, known)

    def _record(self, folder: str, item: SourceMessage, uid: int | None, analysis: Analysis,
                known: dict[str, Any]) -> tuple[Outcome, int | None, Extraction | None]:
        """`known`: the rows recorded before this batch, by Message-ID."""
        message, prediction = analysis.message, analysis.prediction
        if message is None and analysis.failure is not None:  # never read: the server could not send it
            outcome = Outcome(location=item.location, message_id=item.key)
            self.failures.fail(folder, item, uid, outcome, analysis.failure, new_row=True)
            return outcome, None, None
        if message is None:
            return (self._record_failure(folder, item, uid, item.key, "unreadable", item.error or "unreadable"),
                    None, None)
        if _is_unusable(message):
            return (self._record_failure(folder, item, uid, message.message_id, "malformed",
                                         "; ".join(message.defects)),
                    None, None)
        outcome = Outcome(location=item.location, message_id=message.message_id, subject=message.subject,
                          sender=message.from_address)
        row = known.get(message.message_id)
        if row is None and prediction is None:  # a duplicate of a message earlier in this batch
            row = self.store.message_row(self.account, message.message_id)
        if row is None:
            if analysis.failure is not None:
                outcome = Outcome(location=item.location, message_id=message.message_id)
                self.failures.fail(folder, item, uid, outcome, analysis.failure, new_row=True)
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
        stage = facts.value("stage") or Stage.UNKNOWN
        company = facts.value("company", COMPANY_CONFIDENCE)
        application = None
        if company:
            earlier = self.store.earlier_job_messages(self.account, company,
                                                      message.date.isoformat() if message.date else None)
            application = next((r["id"] for r in earlier if r["category"] == "application_ack"), None)
            if any(r["category"] == "interview" for r in earlier) and stage in (Stage.APPLICATION, Stage.UNKNOWN):
                stage = Stage.INTERVIEW  # they interviewed you, even if this mail does not say so
            if application is None and earlier:
                application = earlier[0]["id"]
        self.store.record_rejection(row_id, {
            "company": company,
            "role": facts.value("role", 0.5),
            "stage": stage,
            "reason": facts.value("reason") or Reason.NONE,
            "signer": facts.value("signer", 0.5),
            "reply_to": facts.value("reply_to"),
            "lang": facts.value("lang"),
            "received_at": message.date.isoformat() if message.date else None,
            "application_message": application,
        }, new_message=True)
