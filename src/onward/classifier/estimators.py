"""The scikit-learn transformers of the training pipeline (see model.build_pipeline).

Only training, cross-validation and `onward model export` import this module: prediction runs
on the plain arrays these transformers fit (onward.classifier.predictor), without scikit-learn.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin

from onward.classifier.features import Document, field_text
from onward.classifier.hashed import HashedColumns, extract_terms


class FieldPicker(BaseEstimator, TransformerMixin):
    """Selects one field of each Document for a vectorizer."""

    def __init__(self, field: str = "body") -> None:
        self.field = field

    def fit(self, documents: Sequence[Document], y: object = None) -> FieldPicker:
        return self

    def transform(self, documents: Iterable[Document]) -> list[str]:
        return [field_text(d, self.field) for d in documents]

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        return np.array([self.field], dtype=object)


class HashedTfidf(BaseEstimator, TransformerMixin):
    """Word or character n-grams of one text per row -> idf-weighted, length-normalised sparse rows
    (onward.classifier.hashed).

    Only buckets seen in at least `min_df` training messages become columns (at most
    `max_features`, the most frequent), so the model stays small and a new word costs nothing.
    """

    def __init__(self, unit: str = "word", ngram_range: tuple[int, int] = (1, 1), min_df: int = 1,
                 max_features: int | None = None, bits: int = 21) -> None:
        self.unit = unit
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.max_features = max_features
        self.bits = bits

    def fit(self, texts: Sequence[str], y: object = None) -> HashedTfidf:
        terms = extract_terms(list(texts), self.unit, tuple(self.ngram_range), self.bits)  # type: ignore[arg-type]
        documents = len(texts)
        pairs = np.unique((terms.doc().astype(np.int64) << self.bits) | terms.bucket)
        frequency = np.bincount(pairs & ((1 << self.bits) - 1), minlength=1 << self.bits)
        kept = np.flatnonzero(frequency >= self.min_df)
        if self.max_features is not None and len(kept) > self.max_features:
            # most frequent first; ties broken by bucket so refits agree
            order = np.lexsort((kept, -frequency[kept]))[: self.max_features]
            kept = np.sort(kept[order])
        self.buckets_ = kept.astype(np.int32)
        self.idf_ = (np.log((1 + documents) / (1 + frequency[kept])) + 1).astype(np.float32)
        self._fitted: HashedColumns | None = None
        return self

    def columns(self) -> HashedColumns:
        """What this transformer fitted, as prediction uses it."""
        fitted = getattr(self, "_fitted", None)
        if fitted is None:
            fitted = HashedColumns(self.unit, self.ngram_range, self.bits, self.buckets_, self.idf_)
            self._fitted = fitted
        return fitted

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        data, columns, indptr = self.columns().rows(list(texts))
        return sp.csr_matrix((data, columns, indptr), shape=(len(texts), len(self.buckets_)))

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        return np.array([f"bucket{b}" for b in self.buckets_], dtype=object)

    def __getstate__(self) -> dict[str, Any]:
        state = super().__getstate__()
        state.pop("_fitted", None)  # its 4-8 MB lookup table is rebuilt in milliseconds; keep it out of the file
        return state
