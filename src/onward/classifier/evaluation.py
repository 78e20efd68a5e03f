"""Scores for a model on labelled mail: per category, rejection vs the rest, confusion, misses."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from onward.classifier import CATEGORIES
from onward.classifier.data import LabelledMessage
from onward.classifier.features import to_document
from onward.classifier.model import RejectionModel
from onward.classifier.sender_swap import SENDER_KINDS, sender_kind, variants
from onward.mail.parse import parse_message


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


def category_scores(truth: Sequence[str], predicted: Sequence[str]) -> dict[str, Any]:
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
    is_rejection = np.array([t == "rejection" for t in truth])
    misclassified = [
        {"id": m.id, "label": m.label, "category": p.category, "verdict": p.verdict, "score": p.score}
        for m, p in zip(messages, predictions, strict=True)
        if p.category != m.label or (m.label == "rejection") != p.is_rejection
    ]
    return {
        "model_version": model.version,
        "messages": len(messages),
        "thresholds": {"rejection": model.reject_threshold, "unsure": model.unsure_threshold},
        "accuracy": _ratio(sum(t == c for t, c in zip(truth, categories, strict=True)), len(truth)),
        "categories": category_scores(truth, categories),
        "rejection_vs_rest": binary_scores(is_rejection, np.array([v == "rejection" for v in verdicts])),
        "unsure": {
            "rejections": int(sum(1 for t, v in zip(truth, verdicts, strict=True) if t == "rejection" and v == "unsure")),
            "others": int(sum(1 for t, v in zip(truth, verdicts, strict=True) if t != "rejection" and v == "unsure")),
        },
        "by_language": _grouped([m.lang.split("-")[0] for m in messages], is_rejection, verdicts),
        "by_sender_kind": _grouped([sender_kind(to_document(p)) for p in parsed], is_rejection, verdicts),
        "sender_swap": sender_swap(model, [p for p, t in zip(parsed, truth, strict=True) if t == "rejection"]),
        "confusion": confusion(truth, categories),
        "misclassified": misclassified,
    }


def _grouped(keys: Sequence[str], is_rejection: np.ndarray, verdicts: Sequence[str]) -> dict[str, Any]:
    flagged = np.array([v == "rejection" for v in verdicts])
    keys_a = np.asarray(keys)
    return {key: {"messages": int((keys_a == key).sum()),
                  **binary_scores(is_rejection[keys_a == key], flagged[keys_a == key])}
            for key in sorted(set(keys))}


def sender_swap(model: RejectionModel, rejections: Sequence[Any]) -> dict[str, Any]:
    """The rejections' verdicts as if each had come from a company mailbox, an ATS relay, a
    freemail address and no address at all: recall per kind and how often the verdict flips."""
    if not rejections:
        return {"rejections": 0, "flip_rate": None, "recall": {}}
    documents = [to_document(p) for p in rejections]
    classifier = model.pipeline
    column = list(classifier.classes_).index("rejection")
    flagged = {kind: classifier.predict_proba(docs)[:, column] >= model.reject_threshold
               for kind, docs in variants(documents).items()}
    stacked = np.stack(list(flagged.values()), axis=1)
    flipped = stacked.any(axis=1) & ~stacked.all(axis=1)
    return {"rejections": len(documents), "flip_rate": round(float(flipped.mean()), 4),
            "recall": {kind: round(float(flagged[kind].mean()), 4) for kind in SENDER_KINDS}}
