#!/usr/bin/env python3
"""Print the Scores tables of models/README.md from a model's sidecar, so the card shows what
training measured: `scripts/model_card_scores.py models/onward-model.json`."""

from __future__ import annotations

import json
import sys
from pathlib import Path


def table(header: list[str], rows: list[list[object]]) -> str:
    def cell(value: object) -> str:
        return f"{value:.3f}" if isinstance(value, float) else str(value)
    lines = ["| " + " | ".join(header) + " |", "|---" + "|---:" * (len(header) - 1) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def main(path: str) -> None:
    sidecar = json.loads(Path(path).read_text())
    cv = sidecar["scores"]["cross_validated"]
    rest, swap = cv["rejection_vs_rest"], cv["sender_swap"]
    print(f"- rejection verdict vs the rest: precision {rest['precision']:.3f}, recall {rest['recall']:.3f} "
          f"at the threshold {sidecar['thresholds']['rejection']}")
    print(f"- unsure rate: {cv['unsure_rate']:.3f} of all messages")
    print(f"- sender-swap flip rate: {swap['flip_rate']:.3f} of {swap['rejections']} held-out rejections\n")
    print(table(["category (argmax)", "precision", "recall", "f1", "n"],
                [[c, s["precision"], s["recall"], s["f1"], s["support"]] for c, s in cv["categories"].items()]))
    print()
    for title, key in (("language", "by_language"), ("sender kind", "by_sender_kind")):
        rows = [[k, s["messages"], s["support"], s["precision"], s["recall"], s["f1"]]
                for k, s in cv[key].items() if s["messages"] >= 20]
        print(table([title, "messages", "rejections", "precision", "recall", "f1"], rows))
        print()
    print(table(["source", "n", "accuracy", "rejection precision", "rejection recall", "rejections"],
                [[s, v["messages"], v["accuracy"], v["rejection"]["precision"], v["rejection"]["recall"],
                  v["rejection"]["support"]] for s, v in cv["by_source"].items()]))
    print()
    print(table(["threshold", "precision", "recall"],
                [[cut, s["precision"], s["recall"]] for cut, s in cv["threshold_curve"].items()]))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "models/onward-model.json")
