"""Labelled mail for training and evaluation.

Two layouts: a corpus folder (`labels.jsonl` + `eml/*.eml`, as in training_data/ and the
shared corpora) or `LABEL=DIR`, a folder of messages that all have one label.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from onward.classifier import CATEGORIES
from onward.errors import SourceError
from onward.mailbox.local import open_local_source

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LabelledMessage:
    id: str  # unique: "<source>/<file>"
    raw: bytes = field(repr=False)
    label: str
    lang: str
    source: str
    group: str  # near-duplicates share a group; cross-validation never splits a group


def _group_for(source: str, file: str) -> str:
    """Messages written together, or filled from one template, belong to one group."""
    stem = Path(file).stem
    prefix, sep, rest = stem.partition("__")
    if sep and re.fullmatch(r"[a-z]{2}(?:_[A-Z]{2})?", prefix):  # "<locale>__<template>": one template
        return f"{source}/{rest}"
    if "-" in stem and stem.rsplit("-", 1)[1].isdigit():  # our written batches: "<batch>-NNN"
        return f"{source}/{stem.rsplit('-', 1)[0]}"
    return f"{source}/{stem}"


def load_corpus_folder(folder: Path) -> list[LabelledMessage]:
    labels_file = folder / "labels.jsonl"
    if not labels_file.is_file():
        raise SourceError(f"{folder}: no labels.jsonl (expected a corpus folder, or use LABEL=DIR)")
    out: list[LabelledMessage] = []
    for lineno, line in enumerate(labels_file.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            file, label = record["file"], record["label"]
        except (ValueError, KeyError) as exc:
            raise SourceError(f"{labels_file}:{lineno}: bad record: {exc}") from None
        if label not in CATEGORIES:
            raise SourceError(f"{labels_file}:{lineno}: unknown label {label!r}")
        try:
            raw = (folder / file).read_bytes()
        except OSError as exc:
            raise SourceError(f"{folder / file}: cannot read: {exc.strerror}") from None
        source = record.get("source") or folder.name
        out.append(LabelledMessage(id=f"{source}/{file}", raw=raw, label=label, lang=record.get("lang", "und"),
                                   source=source, group=_group_for(source, file)))
    return out


def load_label_folder(label: str, folder: Path) -> list[LabelledMessage]:
    if label not in CATEGORIES:
        raise SourceError(f"{label}={folder}: label must be one of {', '.join(CATEGORIES)}")
    out = []
    for item in open_local_source(folder):
        if item.error:
            log.warning("skipped %s: %s", item.location, item.error)
            continue
        out.append(LabelledMessage(id=f"{folder.name}/{item.key}", raw=item.raw, label=label, lang="und",
                                   source=folder.name, group=f"{folder.name}/{item.key}"))
    return out


def load_data(specs: Iterable[str]) -> list[LabelledMessage]:
    """`DIR` (corpus folder) or `LABEL=DIR` specs, in order."""
    out: list[LabelledMessage] = []
    for spec in specs:
        label, sep, path = spec.partition("=")
        if sep and label in CATEGORIES:
            out.extend(load_label_folder(label, Path(path).expanduser()))
        else:
            folder = Path(spec).expanduser()
            if not folder.is_dir():
                raise SourceError(f"{folder}: no such folder")
            out.extend(load_corpus_folder(folder))
    if not out:
        raise SourceError("no labelled messages found in the given --data")
    return out


def manifest(messages: list[LabelledMessage]) -> dict[str, object]:
    """What a model was trained on: counts per source and label, and one hash of all of it."""
    digest = hashlib.sha256()
    for m in sorted(messages, key=lambda m: m.id):
        digest.update(m.id.encode())
        digest.update(m.label.encode())
        digest.update(hashlib.sha256(m.raw).digest())
    sources: dict[str, dict[str, int]] = {}
    for m in messages:
        sources.setdefault(m.source, Counter())[m.label] += 1  # type: ignore[index]
    return {
        "messages": len(messages),
        "labels": dict(Counter(m.label for m in messages)),
        "sources": {s: dict(c) for s, c in sorted(sources.items())},
        "sha256": digest.hexdigest(),
    }
