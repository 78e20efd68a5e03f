"""Scores for a model on labelled mail: per category, rejection vs the rest, confusion, misses."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from onward.classifier import CATEGORIES
from onward.classifier.data import LabelledMessage
from onward.classifier.predictor import RejectionModel
from onward.classifier.sender_swap import sender_kind, sender_swap_scores
from onward.mail.parse import parse_message
from onward.vocab import Category, Verdict


def _ratio(num: int, den: int) -> float:
    return round(num / den, 4) if den else 0.0


def binary_scores(truth: np.ndarray, predicted: np.ndarray) -> dict[str, Any]:
    truth, predicted = np.asarray(truth, bool), np.asarray(predicted, bool)
    tp = int(np.sum(truth & predicted))
    fp = int(np.sum(~truth & predicted))
    fn = int(np.sum(truth & ~predicted))
    precision, recall = _ratio(tp, tp + fp), _ratio(tp, tp + fn)
    f1 = round(2 * precision * recall / (precision + recall), 4) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "support": int(truth.sum()),
            "true_positives": tp, "false_positives": fp, "false_negatives": fn}


def category_scores(truth: Sequence[str] | np.ndarray, predicted: Sequence[str] | np.ndarray) -> dict[str, Any]:
    truth_a, pred_a = np.asarray(truth), np.asarray(predicted)
    out = {}
    for category in CATEGORIES:
        if (truth_a == category).any() or (pred_a == category).any():
            out[category] = binary_scores(truth_a == category, pred_a == category)
    return out


def confusion(truth: Sequence[str], predicted: Sequence[str]) -> dict[str, dict[str, int]]:
    present = [c for c in CATEGORIES if c in set(truth) | set(predicted)]
    matrix = {t: {p: 0 for p in present} for t in present}
    for t, p in zip(truth, predicted, strict=True):
        matrix[t][p] += 1
    return matrix


def evaluate(model: RejectionModel, messages: Sequence[LabelledMessage], max_text_bytes: int | None = None
             ) -> dict[str, Any]:
    parsed = [parse_message(m.raw) if max_text_bytes is None else parse_message(m.raw, max_text_bytes)
              for m in messages]
    predictions = model.predict(parsed, explain=False)
    truth = [m.label for m in messages]
    categories = [p.category for p in predictions]
    verdicts = [p.verdict for p in predictions]
    is_rejection = np.array([t == Category.REJECTION for t in truth])
    flagged = np.array([v == Verdict.REJECTION for v in verdicts])
    misclassified = [
        {"id": m.id, "label": m.label, "category": p.category, "verdict": p.verdict, "score": p.score}
        for m, p in zip(messages, predictions, strict=True)
        if p.category != m.label or (m.label == Category.REJECTION) != p.is_rejection
    ]
    return {
        "model_version": model.version,
        "messages": len(messages),
        "thresholds": {Verdict.REJECTION: model.reject_threshold, Verdict.UNSURE: model.unsure_threshold},
        "accuracy": _ratio(sum(t == c for t, c in zip(truth, categories, strict=True)), len(truth)),
        "categories": category_scores(truth, categories),
        "rejection_vs_rest": binary_scores(is_rejection, flagged),
        "unsure": {
            "rejections": int(sum(1 for t, v in zip(truth, verdicts, strict=True)
                                  if t == Category.REJECTION and v == Verdict.UNSURE)),
            "others": int(sum(1 for t, v in zip(truth, verdicts, strict=True)
                              if t != Category.REJECTION and v == Verdict.UNSURE)),
        },
        "by_language": grouped_scores([m.lang.split("-")[0] for m in messages], is_rejection, flagged),
        "by_sender_kind": grouped_scores([sender_kind(p) for p in parsed], is_rejection, flagged),
        "sender_swap": sender_swap_scores(
            [m.raw for m in messages if m.label == Category.REJECTION],
            lambda swapped: [p.is_rejection for p in model.predict(swapped, explain=False)]),
        "confusion": confusion(truth, categories),
        "misclassified": misclassified,
    }


def grouped_scores(keys: Sequence[str], is_rejection: np.ndarray, flagged: np.ndarray) -> dict[str, Any]:
    """Rejection-vs-rest scores per group (language, sender kind)."""
    keys_a = np.asarray(keys)
    return {key: {"messages": int((keys_a == key).sum()),
                  **binary_scores(is_rejection[keys_a == key], flagged[keys_a == key])}
            for key in sorted(set(keys))}
