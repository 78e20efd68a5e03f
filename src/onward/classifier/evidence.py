"""Evidence: the few words and sender facts that pushed a message hardest towards the category it
was given, named as `Prediction.evidence` shows them. `RejectionModel` keeps one `Evidence` over
its feature blocks and class weights, and asks it once per message when evidence is wanted.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from onward.classifier.features import Document, field_text

if TYPE_CHECKING:
    from onward.classifier.predictor import Block

EVIDENCE_COUNT = 5


class Evidence:
    def __init__(self, labels: Sequence[str], blocks: Sequence[Block], coef: np.ndarray) -> None:
        self.labels = list(labels)
        self.blocks = list(blocks)
        # how much each column speaks for each class; with two classes the one row speaks for the
        # second and against the first
        self._class_weights = coef if len(coef) > 1 else np.vstack((-coef, coef))
        self._starts = [block.offset for block in self.blocks]

    def explain(self, columns: np.ndarray, values: np.ndarray, document: Document,
                category: str) -> tuple[str, ...]:
        """The words and facts that pushed hardest towards the category we chose."""
        # a repeated word is one entry per occurrence until here; adding them up in order is what
        # scipy's sum_duplicates does, so ties between words are broken the same way
        present, position = np.unique(columns, return_inverse=True)
        totals = np.bincount(position, weights=values)
        contributions = totals * self._class_weights[self.labels.index(category)][present]
        ranked = np.argsort(-contributions)
        order = present[ranked[contributions[ranked] > 0]]
        named: dict[int, dict[int, str]] = {}  # per block: its columns' words in this message
        names: list[str] = []
        for column in order.tolist():
            if len(names) >= EVIDENCE_COUNT:
                break
            index = bisect_right(self._starts, column) - 1
            block = self.blocks[index]
            local = column - block.offset
            if not block.explains(local):
                continue
            if index not in named:  # one pass over the text for all of this block's columns
                inside = (order >= block.offset) & (order < block.offset + block.columns.width)
                named[index] = block.columns.describe(field_text(document, block.field),
                                                      (order[inside] - block.offset).tolist())
            name = named[index].get(local, "")
            if name and name not in names:
                names.append(name)
        return tuple(names)
