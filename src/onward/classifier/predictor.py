"""The classifier as classify, filter, scan and watch run it: plain arrays and numpy.

Of the trained scikit-learn pipeline, prediction needs only numbers: each field's hashed n-gram
columns and idf weights, the sender facts' column names, the weight of each field, and the
logistic regression's coefficients and intercepts. model.save_model writes them to a file of
JSON and raw numbers beside the joblib one (see `to_bytes`), and loading that neither imports
scikit-learn, which took 1.5 s of a 2 s run on one message, nor unpickles anything, which runs code.

The arithmetic is scikit-learn's and scipy's (blocks weighted in their own dtype, the same
features in the same order, the same softmax), so the probabilities agree to about 1e-14 and the
verdicts and evidence are the same (tests/test_predictor.py holds them so on all our mail).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from onward.classifier.evidence import Evidence
from onward.classifier.features import Document, field_text, to_document
from onward.classifier.hashed import HashedColumns, segment_sums
from onward.mail.message import ParsedMessage
from onward.vocab import Category, Verdict

# 1: hashed word/char blocks and a block of named terms, a (classes x features) coefficient matrix
PREDICTOR_FORMAT = 1
# a word in more than about one message in six ("we", "the") may tip a score but explains nothing
EVIDENCE_MIN_IDF = 2.8
_UNITS = ("word", "char")
_FIELDS = ("subject", "body", "opening", "quoted", "facts")  # the Document's texts
_MAGIC = b"onward predictor\n"
_DTYPES = ("<f8", "<f4", "<i4")  # all an array of a predictor file may hold: plain numbers


@dataclass(frozen=True)
class Prediction:
    category: str
    verdict: str  # rejection | unsure | not_rejection
    score: float  # probability that the message is a rejection
    probabilities: dict[str, float]
    evidence: tuple[str, ...]

    @property
    def is_rejection(self) -> bool:
        return self.verdict == Verdict.REJECTION


class TermColumns:
    """A field of whitespace-separated names (the sender facts), one column per name: 1 when the
    name is there, as scikit-learn's CountVectorizer(token_pattern=r"\\S+", lowercase=False,
    binary=True) counts them."""

    def __init__(self, terms: Sequence[str]) -> None:
        self.terms = [str(term) for term in terms]
        self._index = {term: column for column, term in enumerate(self.terms)}

    @property
    def width(self) -> int:
        return len(self.terms)

    def prepare(self) -> None:
        pass

    def rows(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        found = [sorted({self._index[t] for t in text.split() if t in self._index}) for text in texts]
        indptr = np.zeros(len(texts) + 1, dtype=np.int64)
        np.cumsum([len(columns) for columns in found], out=indptr[1:])
        columns = np.fromiter((c for row in found for c in row), dtype=np.int32, count=int(indptr[-1]))
        return np.ones(len(columns), dtype=np.float64), columns, indptr

    def describe(self, text: str, columns: Sequence[int]) -> dict[int, str]:
        return {column: self.terms[column] for column in columns}


@dataclass(frozen=True)
class Block:
    """One field's columns in the feature matrix."""

    name: str
    field: str
    weight: float
    offset: int
    columns: HashedColumns | TermColumns

    def explains(self, column: int) -> bool:
        """Whether this column may be shown as evidence: character n-grams weigh in, but a fragment
        like "regr" explains nothing to a person; nor does a word found in many messages."""
        if isinstance(self.columns, TermColumns):
            return True
        return self.columns.unit != "char" and self.columns.idf[column] >= EVIDENCE_MIN_IDF


class RejectionModel:
    def __init__(self, labels: Sequence[str], blocks: Sequence[Block], coef: np.ndarray, intercept: np.ndarray,
                 thresholds: Mapping[str, float], metadata: dict[str, Any] | None = None,
                 path: Path | None = None) -> None:
        self.labels = [str(label) for label in labels]
        self.blocks = list(blocks)
        self.coef = coef  # (classes, features), as scikit-learn's: one row for a model of two classes
        self.intercept = intercept
        self.metadata = metadata or {}
        self.path = path
        self.reject_threshold = float(thresholds.get(Verdict.REJECTION, 0.6))
        self.unsure_threshold = float(thresholds.get(Verdict.UNSURE, 0.3))
        self._rejection_index = self.labels.index(Category.REJECTION)
        self.evidence = Evidence(self.labels, self.blocks, coef)

    def prepare(self) -> None:
        """Build the hashed columns' lookup tables now (a few milliseconds). Called before worker
        processes are forked, so that they share these tables instead of each building its own."""
        for block in self.blocks:
            block.columns.prepare()

    @property
    def version(self) -> str:
        return str(self.metadata.get("model_version", "unknown"))

    def verdict_for(self, score: float) -> str:
        if score >= self.reject_threshold:
            return Verdict.REJECTION
        if score >= self.unsure_threshold:
            return Verdict.UNSURE
        return Verdict.NOT_REJECTION

    def predict(self, messages: Sequence[ParsedMessage], explain: bool = True) -> list[Prediction]:
        if not messages:
            return []
        documents = [to_document(m) for m in messages]
        data, columns, indptr = self.features(documents)
        probabilities = self.probabilities(data, columns, indptr)
        rounded = np.round(probabilities, 4).tolist()  # once per batch, not per number
        best = np.argmax(probabilities, axis=1).tolist()
        out = []
        for row, probs in enumerate(rounded):
            score = float(probabilities[row, self._rejection_index])
            verdict = self.verdict_for(score)
            category = Category.REJECTION if verdict == Verdict.REJECTION else self.labels[best[row]]
            evidence: tuple[str, ...] = ()
            if explain:
                span = slice(indptr[row], indptr[row + 1])
                evidence = self.evidence.explain(columns[span], data[span], documents[row], category)
            out.append(Prediction(category=category, verdict=verdict, score=probs[self._rejection_index],
                                  probabilities=dict(zip(self.labels, probs, strict=True)), evidence=evidence))
        return out

    def features(self, documents: Sequence[Document]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The pipeline's feature matrix as CSR arrays (data, columns, indptr): each field's block
        weighted in its own dtype, as scikit-learn's FeatureUnion does, then the blocks side by side."""
        blocks = []
        for block in self.blocks:
            data, columns, indptr = block.columns.rows([field_text(d, block.field) for d in documents])
            data *= block.weight
            blocks.append((data, columns, indptr, block.offset))
        indptr = np.zeros(len(documents) + 1, dtype=np.int64)
        np.cumsum(sum(np.diff(block_indptr) for _, _, block_indptr, _ in blocks), out=indptr[1:])
        data = np.empty(indptr[-1], dtype=np.float64)
        columns = np.empty(indptr[-1], dtype=np.int64)
        start = indptr[:-1].copy()  # where each row's next block goes
        for values, block_columns, block_indptr, offset in blocks:
            counts = np.diff(block_indptr)
            target = np.repeat(start - block_indptr[:-1], counts) + np.arange(len(values))
            data[target] = values
            columns[target] = block_columns + offset
            start += counts
        return data, columns, indptr

    def probabilities(self, data: np.ndarray, columns: np.ndarray, indptr: np.ndarray) -> np.ndarray:
        """Rows of class probabilities, as LogisticRegression.predict_proba computes them."""
        # numpy adds a row's products up pairwise where scipy adds them one after another: the
        # scores differ in the last bits (about 1e-14), and adding them scipy's way took 3 times as long
        scores = np.stack([segment_sums(weights.take(columns) * data, indptr, np.float64) for weights in self.coef],
                          axis=1)
        scores += self.intercept
        if scores.shape[1] == 1:  # two classes: the logistic function of the one score
            positive = 1.0 / (1.0 + np.exp(-scores[:, 0]))
            return np.stack([1 - positive, positive], axis=1)
        scores -= scores.max(axis=1).reshape(-1, 1)
        np.exp(scores, out=scores)
        scores /= scores.sum(axis=1).reshape(-1, 1)
        return scores

    def to_bytes(self) -> bytes:
        """This model as one file: a JSON header (the layout, and where each array lies) and the
        arrays' raw little-endian bytes. `from_bytes` reads it back without copying the arrays."""
        layout: dict[str, Any] = {"format": PREDICTOR_FORMAT, "labels": self.labels,
                                  "thresholds": {Verdict.REJECTION: self.reject_threshold,
                                                 Verdict.UNSURE: self.unsure_threshold},
                                  "blocks": []}
        arrays = {"coef": self.coef, "intercept": self.intercept}
        for block in self.blocks:
            entry: dict[str, Any] = {"name": block.name, "field": block.field, "weight": block.weight}
            if isinstance(block.columns, HashedColumns):
                entry.update(kind="hashed", unit=block.columns.unit, ngram_range=list(block.columns.ngram_range),
                             bits=block.columns.bits)
                arrays[f"{block.name}.buckets"] = block.columns.buckets
                arrays[f"{block.name}.idf"] = block.columns.idf
            else:
                entry.update(kind="terms", terms=block.columns.terms)
            layout["blocks"].append(entry)
        places, chunks, offset = {}, [], 0
        for name, array in arrays.items():
            dtype = array.dtype.newbyteorder("<")
            chunk = np.ascontiguousarray(array, dtype=dtype).tobytes()
            chunks.append(chunk + bytes(-len(chunk) % 8))
            places[name] = {"dtype": dtype.str, "shape": list(array.shape), "offset": offset}
            offset += len(chunks[-1])
        header = json.dumps({"layout": layout, "arrays": places}).encode()
        header += b" " * (-(len(_MAGIC) + 8 + len(header)) % 8)  # the arrays start 8-aligned
        return b"".join([_MAGIC, len(header).to_bytes(8, "little"), header, *chunks])

    @classmethod
    def from_bytes(cls, content: bytes, metadata: dict[str, Any] | None = None,
                   path: Path | None = None) -> RejectionModel:
        """Raises ValueError, KeyError or TypeError when `content` is not a model of this format.
        Whatever it holds, only numbers come out of it: no dtype but plain numbers is accepted."""
        _require(content.startswith(_MAGIC), "start of file")
        start = len(_MAGIC) + 8
        end = start + int.from_bytes(content[len(_MAGIC):start], "little")
        header = json.loads(content[start:end])
        arrays = {}
        for name, place in header["arrays"].items():
            _require(place["dtype"] in _DTYPES, f"{name}: type")
            dtype, shape, offset = np.dtype(place["dtype"]), [int(n) for n in place["shape"]], int(place["offset"])
            count = math.prod(shape)
            _require(min(shape, default=0) >= 0 and offset >= 0
                     and end + offset + count * dtype.itemsize <= len(content), f"{name}: size")
            arrays[name] = np.frombuffer(content, dtype, count, end + offset).reshape(shape)
        layout = header["layout"]
        _require(layout.get("format") == PREDICTOR_FORMAT, f"predictor format {layout.get('format')!r}")
        blocks, offset = _read_blocks(layout["blocks"], arrays)
        _require(all(block.field in _FIELDS for block in blocks), "fields")
        labels, coef, intercept = layout["labels"], arrays["coef"], arrays["intercept"]
        classes = len(labels) if len(labels) > 2 else 1
        _require(Category.REJECTION in labels and len(set(labels)) == len(labels) >= 2, "labels")
        _require(coef.dtype == np.float64 and coef.shape == (classes, offset), "coefficients")
        _require(intercept.dtype == np.float64 and intercept.shape == (classes,), "intercepts")
        return cls(labels, blocks, coef, intercept, layout["thresholds"], metadata, path)


def _read_blocks(entries: Sequence[dict[str, Any]], arrays: Mapping[str, np.ndarray]) -> tuple[list[Block], int]:
    """The feature blocks a predictor file lays out, each checked, and the width of them all."""
    blocks, offset = [], 0
    for entry in entries:
        name = str(entry["name"])
        if entry["kind"] == "hashed":
            unit, (low, high), bits = entry["unit"], entry["ngram_range"], int(entry["bits"])
            buckets, idf = arrays[f"{name}.buckets"], arrays[f"{name}.idf"]
            _require(unit in _UNITS and 1 <= low <= high <= 8 and 1 <= bits <= 24, f"{name}: parameters")
            _require(buckets.dtype == np.int32 and idf.dtype == np.float32 and buckets.shape == idf.shape
                     and buckets.ndim == 1, f"{name}: arrays")
            _require(not len(buckets) or (buckets[0] >= 0 and buckets[-1] < 1 << bits
                                           and bool(np.all(np.diff(buckets) > 0))), f"{name}: buckets")
            columns: HashedColumns | TermColumns = HashedColumns(unit, (int(low), int(high)), bits, buckets, idf)
        else:
            _require(entry["kind"] == "terms", f"{name}: kind")
            columns = TermColumns([str(term) for term in entry["terms"]])
        blocks.append(Block(name, str(entry["field"]), float(entry["weight"]), offset, columns))
        offset += columns.width
    return blocks, offset


def _require(condition: bool, what: str) -> None:
    if not condition:
        raise ValueError(f"unexpected {what}")
