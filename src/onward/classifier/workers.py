"""Classify a stream of raw messages, in this process or spread over worker processes."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from itertools import islice
from typing import TYPE_CHECKING, Any, TypeVar

from onward.classifier.predictor import Prediction, RejectionModel
from onward.mail.message import ParsedMessage
from onward.mail.parse import parse_message
from onward.mailbox import SourceMessage

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

log = logging.getLogger(__name__)

BATCH = 64
POOL_BATCH = 128  # larger batches for workers: fewer round trips to them
T = TypeVar("T")


@dataclass(frozen=True)
class Classified:
    item: SourceMessage
    message: ParsedMessage
    prediction: Prediction


def _batches(items: Iterable[SourceMessage], size: int) -> Iterator[list[SourceMessage]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def classify_batch(model: RejectionModel, batch: list[SourceMessage], max_text_bytes: int,
                   explain: bool = True) -> list[tuple[ParsedMessage, Prediction]]:
    parsed = [parse_message(item.raw, max_text_bytes) for item in batch]
    return list(zip(parsed, model.predict(parsed, explain=explain), strict=True))


def _classify_in_worker(model: RejectionModel, batch: list[bytes], max_text_bytes: int,
                        explain: bool) -> list[tuple[ParsedMessage, Prediction]]:
    """Only the raw bytes travel to the worker, and only the headers' part of each message comes
    back: pickling the texts both ways cost the parent as much as the workers saved."""
    parsed = [parse_message(raw, max_text_bytes) for raw in batch]
    predictions = model.predict(parsed, explain=explain)
    return [(replace(message, text="", quoted="", signature=""), prediction)
            for message, prediction in zip(parsed, predictions, strict=True)]


_worker_model: RejectionModel | None = None


def _init_worker(model: RejectionModel) -> None:
    global _worker_model
    _worker_model = model


def with_model(function: Callable[..., T], *args: Any) -> T:
    """Run `function(model, *args)` in a worker of `model_pool`."""
    assert _worker_model is not None
    return function(_worker_model, *args)


def model_pool(model: RejectionModel, jobs: int) -> ProcessPoolExecutor:
    """Worker processes that each hold the model. Forked where the platform allows: the model is
    then shared with the parent page by page instead of loaded again."""
    # imported here: a one-process run (a mail filter, one message) would pay a tenth of its start for them
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    model.prepare()
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    return ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=_init_worker, initargs=(model,))


def classify_stream(
    items: Iterable[SourceMessage],
    model: RejectionModel,
    jobs: int = 1,
    max_text_bytes: int = 2 * 1024 * 1024,
    explain: bool = True,
) -> Iterator[Classified]:
    """Results come back in input order. Unreadable items are passed over (the caller sees their error).
    With jobs > 1 the messages come back without their text (headers, ids and defects only)."""
    readable = (item for item in items if not item.error)
    if jobs <= 1:
        for batch in _batches(readable, BATCH):
            for item, (message, prediction) in zip(batch, classify_batch(model, batch, max_text_bytes, explain),
                                                   strict=True):
                yield Classified(item, message, prediction)
        return
    with model_pool(model, jobs) as pool:
        pending: list[tuple[list[SourceMessage], object]] = []
        for batch in _batches(readable, POOL_BATCH):
            pending.append((batch, pool.submit(with_model, _classify_in_worker, [item.raw for item in batch],
                                               max_text_bytes, explain)))
            if len(pending) >= jobs * 3:  # bounded read-ahead keeps memory flat
                yield from _drain(pending.pop(0))
        while pending:
            yield from _drain(pending.pop(0))


def _drain(entry: tuple[list[SourceMessage], object]) -> Iterator[Classified]:
    batch, future = entry
    results = future.result()  # type: ignore[attr-defined]
    for item, (message, prediction) in zip(batch, results, strict=True):
        yield Classified(item, message, prediction)
