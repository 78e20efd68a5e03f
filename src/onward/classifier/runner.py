"""Classify a stream of raw messages, in this process or spread over worker processes."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

from onward.classifier.model import Prediction, RejectionModel, load_model
from onward.parsing import ParsedMessage, parse_message
from onward.sources import SourceMessage

log = logging.getLogger(__name__)

BATCH = 64


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


_worker_model: RejectionModel | None = None


def _init_worker(model_path: Path | None) -> None:
    global _worker_model
    _worker_model = load_model(model_path)


def _work(batch: list[SourceMessage], max_text_bytes: int, explain: bool) -> list[tuple[ParsedMessage, Prediction]]:
    assert _worker_model is not None
    return classify_batch(_worker_model, batch, max_text_bytes, explain)


def classify_stream(
    items: Iterable[SourceMessage],
    model: RejectionModel,
    jobs: int = 1,
    max_text_bytes: int = 2 * 1024 * 1024,
    explain: bool = True,
) -> Iterator[Classified]:
    """Results come back in input order. Unreadable items are passed over (the caller sees their error)."""
    readable = (item for item in items if not item.error)
    if jobs <= 1:
        for batch in _batches(readable, BATCH):
            for item, (message, prediction) in zip(batch, classify_batch(model, batch, max_text_bytes, explain),
                                                   strict=True):
                yield Classified(item, message, prediction)
        return
    with ProcessPoolExecutor(max_workers=jobs, initializer=_init_worker, initargs=(model.path,)) as pool:
        pending: list[tuple[list[SourceMessage], object]] = []
        for batch in _batches(readable, BATCH):
            pending.append((batch, pool.submit(_work, batch, max_text_bytes, explain)))
            if len(pending) >= jobs * 3:  # bounded read-ahead keeps memory flat
                yield from _drain(pending.pop(0))
        while pending:
            yield from _drain(pending.pop(0))


def _drain(entry: tuple[list[SourceMessage], object]) -> Iterator[Classified]:
    batch, future = entry
    results = future.result()  # type: ignore[attr-defined]
    for item, (message, prediction) in zip(batch, results, strict=True):
        yield Classified(item, message, prediction)
