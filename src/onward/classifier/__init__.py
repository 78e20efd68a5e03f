"""The rejection classifier: features, training, evaluation and model persistence."""

from onward.vocab import CATEGORIES

__all__ = ["CATEGORIES"]
