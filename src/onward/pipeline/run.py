"""What one run of the pipeline is made of, before anything is written: the fault boundary every
step runs behind (`attempt`, `Failure`), the reading of a batch (`analyse`: parse, classify,
extract; worker processes run it too), the `Outcome` of one message, the `Summary` of a run and
the store a run writes to (`open_store`). Recording (record.py) and acting (act.py) build on it;
processor.py runs batches through both.

Each step of each message runs behind a fault boundary (`attempt`): an error in one message
becomes that message's recorded failure, once, and the batch goes on; only errors of the
surroundings (connection, disk, a locked database) end a batch, which is then read again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from onward.classifier.predictor import Prediction, RejectionModel
from onward.config import Config
from onward.errors import caused_by_surroundings
from onward.facts.company import COMPANY_CONFIDENCE, extract_company
from onward.facts.extract import extract
from onward.facts.model import Extraction
from onward.mail.message import ParsedMessage
from onward.mail.parse import parse_message
from onward.mailbox import SourceMessage
from onward.store import Store
from onward.vocab import DraftOutcome

log = logging.getLogger(__name__)

EXCERPT_CHARS = 300
T = TypeVar("T")


@dataclass(frozen=True)
class Failure:
    """What went wrong with one message at one step; text only, as it comes back from workers."""

    step: str  # fetch | read | record | draft | move
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
    draft: DraftOutcome | None = None
    draft_to: str | None = None
    actions: list[str] = field(default_factory=list)
    error: str | None = None
    failed_at: str | None = None  # the step of a failed message: fetch | read | record | draft | move
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
        if outcome.draft in (DraftOutcome.DRAFTED, DraftOutcome.NO_RECIPIENT, DraftOutcome.WOULD_DRAFT):
            self.drafts += 1
        elif outcome.draft == DraftOutcome.TOO_OLD:
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
    failure: Failure | None = None  # classifying or extracting raised, or (message None) fetching did


def analyse(model: RejectionModel, items: Sequence[SourceMessage], max_text_bytes: int,
            known: Callable[[list[str]], Any] | None = None, slim: bool = False) -> list[Analysis]:
    """Parse, classify and extract. `known(message_ids)` names messages recorded before, which are
    not classified again (a worker process has no database and classifies everything). `slim`
    keeps only what recording needs of the text: a worker then sends back a tenth of the bytes."""
    parsed = [None if item.error else _parse(item, max_text_bytes) for item in items]
    skip = known([m.message_id for m in parsed if m is not None]) if known else ()
    to_classify = [i for i, m in enumerate(parsed)
                   if m is not None and not _is_unusable(m) and m.message_id not in skip]
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
        return facts, facts.value("company", COMPANY_CONFIDENCE)
    if prediction.category in ("application_ack", "interview", "offer"):
        # the company alone is enough to link this message to a later rejection
        found = extract_company(message)
        return None, found.value if found.confidence >= COMPANY_CONFIDENCE else None
    return None, None


def _slim(message: ParsedMessage) -> ParsedMessage:
    """The message without the text that recording and acting do not read (they read the excerpt,
    and whether there is any text at all)."""
    excerpt = message.text[:EXCERPT_CHARS]
    return replace(message, text=excerpt if excerpt.strip() else message.text, quoted="", signature="")


def open_store(config: Config, dry_run: bool) -> Store:
    return Store.dry_run_copy(config.database) if dry_run else Store(config.database)
