"""TF-IDF over hashed n-grams, computed with whole-batch numpy operations.

scikit-learn's text vectorizers build every n-gram as a Python string and look it up in a
dict, one at a time: for a few thousand n-grams per message that was most of the time it
took to classify one. Here the texts of a batch become one array of code points (messages
separated by NUL), and every n-gram of every message is hashed at once from prefix sums of
a polynomial hash: nothing per term runs in Python. The positions of each n-gram are kept
(lazily), so the words themselves come back when a verdict is explained.

Repeated terms are not merged into counts (that needs a sort, which would cost as much as
everything else): each occurrence adds its idf, and each row is scaled by the root of the
sum of its squared entries. The model is trained on exactly this representation.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

# 32-bit arithmetic: half the memory traffic of 64-bit, and 2**32 hash values are plenty for the
# at most 2**21 buckets we keep. Unsigned numpy arrays wrap silently, which is what we want.
_P = 0x01000193  # FNV's prime; odd, so it has an inverse modulo 2**32
_P_INVERSE = pow(_P, -1, 1 << 32)
_GOLDEN = np.uint32(0x9E3779B9)  # Fibonacci hashing: the top bits of h * this are well spread
_COMBINE = np.uint32(0x85EBCA6B)
_SEPARATOR = 0  # between messages; never inside a text (it is replaced)
_SPACE = 32
_S = ord("s")
_ZERO = ord("0")
_ASCII_WORD = np.zeros(128, dtype=bool)
for _c in "0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ":
    _ASCII_WORD[ord(_c)] = True
_WIDE_SPACES = np.array([0x85, 0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000], dtype=np.uint32)

_powers = np.ones(1, dtype=np.uint32)
_inverse_powers = np.ones(1, dtype=np.uint32)


def _power_tables(length: int) -> tuple[np.ndarray, np.ndarray]:
    """P**i and P**-i modulo 2**32 for i < length, grown on demand and shared by all vectorizers."""
    global _powers, _inverse_powers
    if len(_powers) < length:
        size = max(length, 2 * len(_powers))
        one = np.ones(1, dtype=np.uint32)
        _powers = np.concatenate((one, np.cumprod(np.full(size - 1, _P, dtype=np.uint32), dtype=np.uint32)))
        _inverse_powers = np.concatenate(
            (one, np.cumprod(np.full(size - 1, _P_INVERSE, dtype=np.uint32), dtype=np.uint32)))
    return _powers, _inverse_powers


def _is_word(codes: np.ndarray) -> np.ndarray:
    """Letters, digits and '_' in ASCII; beyond ASCII everything but spaces and punctuation blocks
    (normalised text has few such characters left, and a rough line costs nothing per message)."""
    word = np.zeros(len(codes), dtype=bool)
    narrow = codes < 128
    word[narrow] = _ASCII_WORD[codes[narrow]]
    wide = ~narrow
    if wide.any():
        c = codes[wide]
        punctuation = ((c >= 0x80) & (c <= 0xBF)) | ((c >= 0x2000) & (c <= 0x2BFF)) | (
            (c >= 0x3000) & (c <= 0x303F)) | ((c >= 0xFE30) & (c <= 0xFE4F)) | ((c >= 0xFF00) & (c <= 0xFF0F)) | (
            c == 0xD7) | (c == 0xF7)
        word[wide] = ~punctuation
    return word


def _drop_repeats(codes: np.ndarray, mask: np.ndarray, replacement: int) -> np.ndarray:
    """Each run of positions in `mask` becomes one `replacement` character."""
    if not mask.any():
        return codes
    codes = np.where(mask, np.uint32(replacement), codes)
    repeat = mask.copy()
    repeat[1:] &= mask[:-1]
    repeat[0] = False
    return codes[~repeat]


def _fold_digit_runs(codes: np.ndarray) -> np.ndarray:
    """Any run of digits becomes one '0': numbers say little, and every date would be a new word."""
    return _drop_repeats(codes, (codes >= _ZERO) & (codes <= _ZERO + 9), _ZERO)


def _fold_spaces(codes: np.ndarray) -> np.ndarray:
    space = (codes == _SPACE) | ((codes >= 9) & (codes <= 13))
    wide = codes > 127
    if wide.any():
        space[wide] = np.isin(codes[wide], _WIDE_SPACES)
    return _drop_repeats(codes, space, _SPACE)


class Terms:
    """Every n-gram occurrence of a batch, in message order: its hash bucket, how many each
    message has, and (computed only when asked) where each one is in `codes`."""

    def __init__(self, codes: np.ndarray, bucket: np.ndarray, counts: np.ndarray, spans: Any) -> None:
        self.codes, self.bucket, self.counts = codes, bucket, counts
        self._spans = spans

    def doc(self) -> np.ndarray:
        return np.repeat(np.arange(len(self.counts)), self.counts)

    def text_of(self, indices: np.ndarray) -> list[str]:
        starts, ends = self._spans(indices)
        return ["".join(map(chr, self.codes[s:e])) for s, e in zip(starts, ends, strict=True)]


def _encode(texts: Sequence[str], unit: str) -> np.ndarray:
    cleaned = (t.replace("\x00", " ") for t in texts)
    # character texts are padded with spaces, so n-grams see the start of a text's first word
    # and the end of its last
    joined = " " + " \x00 ".join(cleaned) + " " if unit == "char" else "\x00".join(cleaned)
    codes = np.frombuffer(joined.encode("utf-32-le", "replace"), dtype=np.uint32)
    codes = _fold_digit_runs(codes)
    return _fold_spaces(codes) if unit == "char" else codes


def _ngram_counts(lengths: np.ndarray, sizes: Sequence[int]) -> np.ndarray:
    """How many n-grams of these sizes a sequence of each length has."""
    return sum(np.maximum(lengths - n + 1, 0) for n in sizes).astype(np.int64)  # type: ignore[union-attr]


def extract_terms(texts: Sequence[str], unit: str, ngram_range: tuple[int, int], bits: int) -> Terms:
    """Texts are already lower-cased and stripped of accents (see features.normalise)."""
    codes = _encode(texts, unit)
    length = len(codes)
    powers, inverse = _power_tables(length + 1)
    prefix = np.zeros(length + 1, dtype=np.uint32)
    np.cumsum(codes * powers[:length], out=prefix[1:], dtype=np.uint32)
    is_separator = codes == _SEPARATOR
    separators = np.flatnonzero(is_separator)
    low, high = ngram_range
    sizes = list(range(low, high + 1))
    shift = np.uint32(32 - bits)

    if unit == "char":
        # one column per n-gram size: read row by row, occurrences stay in message order, as a
        # CSR matrix needs, and every hash comes from contiguous slices
        hashes = np.zeros((length, len(sizes)), dtype=np.uint32)
        valid = np.zeros((length, len(sizes)), dtype=bool)
        outside = np.concatenate(([0], np.cumsum(is_separator, dtype=np.int32)))
        for column, n in enumerate(sizes):
            count = length - n + 1
            if count > 0:
                hashes[:count, column] = (prefix[n:] - prefix[:count]) * inverse[:count] + np.uint32(n)
                valid[:count, column] = outside[n:] == outside[:count]  # no separator inside
        flat_valid = valid.ravel()
        bucket = (hashes.ravel()[flat_valid] * _GOLDEN) >> shift
        bounds = np.concatenate(([-1], separators, [length]))
        counts = _ngram_counts(np.diff(bounds) - 1, sizes)

        def spans(indices: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            flat = np.flatnonzero(flat_valid)[indices]
            starts = flat // len(sizes)
            return starts, starts + flat % len(sizes) + low

        return Terms(codes, bucket, counts, spans)

    word = _is_word(codes)
    starts = np.flatnonzero(word & ~np.concatenate(([False], word[:-1])))
    ends = np.flatnonzero(word & ~np.concatenate((word[1:], [False]))) + 1
    # 'candidates' reads as 'candidate' ('process' stays): plural and singular agree
    plural = (ends - starts >= 4) & (codes[ends - 1] == _S) & (codes[ends - 2] != _S)
    token = (prefix[ends - plural] - prefix[starts]) * inverse[starts]
    doc_of_token = np.searchsorted(separators, starts)
    tokens = len(starts)
    hashes = np.zeros((tokens, len(sizes)), dtype=np.uint32)
    valid = np.zeros((tokens, len(sizes)), dtype=bool)
    for column, n in enumerate(sizes):
        span = tokens - n + 1
        if span > 0:
            h = token[:span].copy()
            for k in range(1, n):
                h = h * _COMBINE + token[k:k + span]
            hashes[:span, column] = h + np.uint32(n)
            valid[:span, column] = doc_of_token[n - 1:] == doc_of_token[:span]
    flat_valid = valid.ravel()
    bucket = (hashes.ravel()[flat_valid] * _GOLDEN) >> shift
    counts = _ngram_counts(np.bincount(doc_of_token, minlength=len(texts)), sizes)

    def word_spans(indices: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        flat = np.flatnonzero(flat_valid)[indices]
        first = flat // len(sizes)
        return starts[first], ends[first + flat % len(sizes) + low - 1]

    return Terms(codes, bucket, counts, word_spans)


def _offsets(counts: np.ndarray) -> np.ndarray:
    offsets = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    return offsets


def segment_sums(values: np.ndarray, offsets: np.ndarray, dtype: Any) -> np.ndarray:
    """values[offsets[i]:offsets[i+1]].sum() for each i, in one pass (reduceat, which cannot
    express an empty segment, only sees the non-empty ones)."""
    sums = np.zeros(len(offsets) - 1, dtype=dtype)
    filled = offsets[1:] > offsets[:-1]
    if filled.any():
        sums[filled] = np.add.reduceat(values, offsets[:-1][filled], dtype=dtype)
    return sums


class HashedColumns:
    """The fitted part of one field's hashed tf-idf: which hash buckets are columns, and their idf.

    It is all that prediction needs of a field, in plain arrays; `onward.classifier.estimators`
    wraps it in the scikit-learn transformer that training fits.
    """

    def __init__(self, unit: str, ngram_range: tuple[int, int], bits: int, buckets: np.ndarray,
                 idf: np.ndarray) -> None:
        self.unit = unit
        self.ngram_range = (int(ngram_range[0]), int(ngram_range[1]))
        self.bits = bits
        self.buckets = buckets
        self.idf = idf
        self._lookup: np.ndarray | None = None
        self._looked_up = 0

    @property
    def width(self) -> int:
        return len(self.buckets)

    def __getstate__(self) -> dict[str, Any]:
        # a worker that is spawned, not forked, rebuilds the 4-8 MB table rather than receive it
        return {**self.__dict__, "_lookup": None, "_looked_up": 0}

    def prepare(self) -> None:
        self._columns()

    def _columns(self) -> np.ndarray:
        if self._lookup is None:
            lookup = np.full(1 << self.bits, -1, dtype=np.int32)
            lookup[self.buckets] = np.arange(len(self.buckets), dtype=np.int32)
            self._lookup = lookup
        return self._lookup

    def column_of(self, bucket: np.ndarray) -> np.ndarray:
        """The column of each bucket, -1 for a bucket that is not one. A table of every bucket
        answers fastest, but building it (4-8 MB) costs more than binary searches for a few
        messages' terms, which is all that a mail filter or a one-message run ever looks up: the
        table is built once this many lookups would have paid for it."""
        self._looked_up += len(bucket)
        if self._lookup is None and len(self.buckets) > 0 and self._looked_up < (1 << self.bits) >> 6:
            at = np.searchsorted(self.buckets, bucket).astype(np.int32)
            at[at == len(self.buckets)] = 0
            return np.where(self.buckets[at] == bucket, at, np.int32(-1))
        return np.take(self._columns(), bucket)

    def _terms(self, texts: Sequence[str]) -> Terms:
        return extract_terms(texts, self.unit, self.ngram_range, self.bits)

    def rows(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """One CSR row per text, as (data, columns, indptr): float32 idf per occurrence, each row
        scaled to unit length."""
        terms = self._terms(texts)
        columns = self.column_of(terms.bucket)
        known = columns >= 0
        indptr = np.zeros(len(texts) + 1, dtype=np.int64)
        np.cumsum(segment_sums(known, _offsets(terms.counts), np.int64), out=indptr[1:])
        columns = columns[known]
        data = np.take(self.idf, columns)
        norms = np.sqrt(segment_sums(data * data, indptr, np.float64))
        norms[norms == 0] = 1.0
        data *= np.repeat((1.0 / norms).astype(np.float32), np.diff(indptr))
        return data, columns, indptr

    def describe(self, text: str, columns: Sequence[int]) -> dict[int, str]:
        """The term each of these columns stands for in this text (the first one, when hashes collide)."""
        terms = self._terms([text])
        found = self.column_of(terms.bucket)
        # a mask rather than np.isin, whose np.unique imports numpy.ma: a fifth of numpy's import time
        wanted = np.zeros(self.width + 1, dtype=bool)  # the last entry stands for column -1, no column
        wanted[np.asarray(columns, dtype=np.int64)] = True
        hits = np.flatnonzero(wanted[found])
        hit_columns, first = np.unique(found[hits], return_index=True)
        return dict(zip(hit_columns.tolist(), terms.text_of(hits[first]), strict=True))


def __getattr__(name: str) -> Any:
    # Models saved before the scikit-learn transformer moved name it here; unpickling them (for
    # training and `onward model export` only) finds it, without this module importing scikit-learn.
    if name == "HashedTfidf":
        from onward.classifier.estimators import HashedTfidf

        return HashedTfidf
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
