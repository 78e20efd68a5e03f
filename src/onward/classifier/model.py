"""The model: its pipeline, its verdicts, and safe persistence.

A joblib file is code, so a model is only ever loaded after its sidecar JSON vouches for it:
the file's sha256 must match, and it must come from the scikit-learn and joblib versions we
run. Anything else is refused with one clear line.
"""

from __future__ import annotations

import hashlib
import json
import logging
import platform
import time
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import scipy.sparse as sp
import sklearn
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline

from onward.classifier import CATEGORIES
from onward.classifier.features import Document, FieldPicker, as_array, to_document
from onward.classifier.hashed import HashedTfidf
from onward.errors import ModelError, ModelFormatError
from onward.mail.parse import ParsedMessage

log = logging.getLogger(__name__)

MODEL_FILENAME = "onward-model.joblib"
# 2: hashed n-grams (onward.classifier.hashed); format 1 models used scikit-learn's vectorizers
FORMAT_VERSION = 2
EVIDENCE_COUNT = 5
# a word in more than about one message in six ("we", "the") may tip a score but explains nothing
EVIDENCE_MIN_IDF = 2.8


def default_model_path() -> Path:
    """The model shipped inside the package (top-level models/ in the source tree)."""
    return Path(str(resources.files("onward.shipped_model").joinpath(MODEL_FILENAME)))


def user_model_path() -> Path:
    """Where `onward train` saves by default; when present, it is the active model."""
    from onward.config import default_data_dir

    return default_data_dir() / "models" / MODEL_FILENAME


def resolve_model_path(configured: Path | None = None) -> Path:
    if configured:
        return Path(configured).expanduser()
    user = user_model_path()
    return user if user.is_file() else default_model_path()


def sidecar_path(model_path: Path) -> Path:
    return model_path.with_suffix(".json")


def build_pipeline(c: float = 8.0, corpus_size: int = 10_000) -> Pipeline:
    small = corpus_size < 500  # a user's own small corpus: keep rare words, or nothing is left

    def words(field: str, ngrams: tuple[int, int], min_df: int = 2, max_features: int | None = None,
              bits: int = 21) -> Pipeline:
        return Pipeline([
            ("pick", FieldPicker(field)),
            ("tfidf", HashedTfidf("word", ngrams, min_df=1 if small else min_df, max_features=max_features,
                                  bits=bits)),
        ])

    def chars(field: str) -> Pipeline:
        # character n-grams of the opening lines: robust to typos, stripped punctuation, odd
        # word forms and languages with little data
        return Pipeline([
            ("pick", FieldPicker(field)),
            ("tfidf", HashedTfidf("char", (3, 4), min_df=1 if small else 3, max_features=100_000)),
        ])

    features = FeatureUnion([
        ("subject", words("subject", (1, 2), bits=20)),
        ("body", words("body", (1, 2), max_features=150_000)),
        ("opening", chars("opening")),
        ("quoted", words("quoted", (1, 1), min_df=3, bits=20)),
        ("facts", Pipeline([("pick", FieldPicker("facts")),
                            ("count", CountVectorizer(token_pattern=r"\S+", lowercase=False, binary=True))])),
    ], transformer_weights={"subject": 0.8, "body": 1.0, "opening": 0.7, "quoted": 0.3, "facts": 0.5})
    classifier = LogisticRegression(C=c, max_iter=3000, class_weight="balanced")
    return Pipeline([("features", features), ("classify", classifier)])


@dataclass(frozen=True)
class Prediction:
    category: str
    verdict: str  # rejection | unsure | not_rejection
    score: float  # probability that the message is a rejection
    probabilities: dict[str, float]
    evidence: tuple[str, ...]

    @property
    def is_rejection(self) -> bool:
        return self.verdict == "rejection"


class RejectionModel:
    def __init__(self, pipeline: Pipeline, metadata: dict[str, Any], path: Path | None = None) -> None:
        self.pipeline = pipeline
        self.metadata = metadata
        self.path = path
        self.labels: list[str] = [str(c) for c in pipeline.classes_]
        self._rejection_index = self.labels.index("rejection")
        thresholds = metadata.get("thresholds", {})
        self.reject_threshold = float(thresholds.get("rejection", 0.6))
        self.unsure_threshold = float(thresholds.get("unsure", 0.3))
        self._layout: list[_Block] | None = None

    def prepare(self) -> None:
        """Build the vectorizers' lookup tables now (a few milliseconds). Called before worker
        processes are forked, so that they share these tables instead of each building its own."""
        for _, transformer in self.pipeline.named_steps["features"].transformer_list:
            vectorizer = transformer.steps[-1][1]
            if isinstance(vectorizer, HashedTfidf):
                vectorizer.prepare()

    @property
    def version(self) -> str:
        return str(self.metadata.get("model_version", "unknown"))

    def verdict_for(self, score: float) -> str:
        if score >= self.reject_threshold:
            return "rejection"
        if score >= self.unsure_threshold:
            return "unsure"
        return "not_rejection"

    def predict(self, messages: Sequence[ParsedMessage], explain: bool = True) -> list[Prediction]:
        if not messages:
            return []
        documents = as_array([to_document(m) for m in messages])
        features = self.features(documents)
        probabilities = self.pipeline.named_steps["classify"].predict_proba(features)
        rounded = np.round(probabilities, 4).tolist()  # once per batch, not per number
        best = np.argmax(probabilities, axis=1).tolist()
        out = []
        for row, probs in enumerate(rounded):
            score = float(probabilities[row, self._rejection_index])
            verdict = self.verdict_for(score)
            category = "rejection" if verdict == "rejection" else self.labels[best[row]]
            evidence = self._evidence(features[row], documents[row], category) if explain else ()
            out.append(Prediction(category=category, verdict=verdict, score=probs[self._rejection_index],
                                  probabilities=dict(zip(self.labels, probs, strict=True)), evidence=evidence))
        return out

    def features(self, documents: np.ndarray) -> Any:
        """What the pipeline's FeatureUnion computes, without its per-call overhead (a joblib
        dispatch and a copy of each block to weight it): a fifth of the time to classify a message."""
        union = self.pipeline.named_steps["features"]
        weights = union.transformer_weights or {}
        blocks = []
        for name, transformer in union.transformer_list:
            block = sp.csr_matrix(transformer.transform(documents))
            if block.dtype.kind != "f":  # the facts' counts
                block = block.astype(np.float64)
            if name in weights:
                block.data *= weights[name]  # in the block's own dtype, as FeatureUnion does
            blocks.append(block)
        return sp.hstack(blocks, format="csr")

    def _evidence(self, row: Any, document: Document, category: str) -> tuple[str, ...]:
        """The words and facts that pushed hardest towards the category we chose (character
        n-grams weigh in too, but a fragment like "regr" explains nothing to a person)."""
        classifier = self.pipeline.named_steps["classify"]
        weights = classifier.coef_[self.labels.index(category)]
        row = row.tocsr()
        row.sum_duplicates()  # a repeated word is one entry per occurrence until here
        contributions = row.data * weights[row.indices]
        order = [int(row.indices[p]) for p in np.argsort(-contributions) if contributions[p] > 0]
        blocks = self._blocks()
        starts = [block.offset for block in blocks]
        named: dict[int, dict[int, str]] = {}  # per block: its columns' words in this message
        names: list[str] = []
        for column in order:
            if len(names) >= EVIDENCE_COUNT:
                break
            index = bisect_right(starts, column) - 1
            block, local = blocks[index], column - blocks[index].offset
            if block.name == "opening":
                continue
            if block.names is not None:
                name = str(block.names[local])
            elif block.vectorizer.idf_[local] < EVIDENCE_MIN_IDF:
                continue
            else:
                if index not in named:  # one pass over the text for all of this block's columns
                    text = block.picker.transform([document])[0]
                    wanted = [c - block.offset for c in order if block.offset <= c < block.offset + block.width]
                    named[index] = block.vectorizer.describe(text, wanted)
                name = named[index].get(local, "")
            if name and name not in names:
                names.append(name)
        return tuple(names)

    def _blocks(self) -> list[_Block]:
        """Where each field's columns sit in the feature matrix, worked out once per model."""
        if self._layout is None:
            layout, offset = [], 0
            for name, transformer in self.pipeline.named_steps["features"].transformer_list:
                vectorizer = transformer.steps[-1][1]
                hashed = isinstance(vectorizer, HashedTfidf)
                names = None if hashed else vectorizer.get_feature_names_out()
                width = len(vectorizer.buckets_) if hashed else len(names)
                layout.append(_Block(name, transformer.steps[0][1], vectorizer, offset, width, names))
                offset += width
            self._layout = layout
        return self._layout


@dataclass(frozen=True)
class _Block:
    name: str
    picker: Any
    vectorizer: Any
    offset: int
    width: int
    names: Any  # the column names of a vectorizer that has them; None for hashed ones


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _major_minor(version: str) -> str:
    return ".".join(version.split(".")[:2])


def runtime_versions() -> dict[str, str]:
    return {"python": platform.python_version(), "scikit-learn": sklearn.__version__, "joblib": joblib.__version__}


def save_model(pipeline: Pipeline, metadata: dict[str, Any], path: Path) -> Path:
    """Write the model and its sidecar; the sidecar is written last, so a crash leaves no valid pair."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".joblib.tmp")
    joblib.dump({"format": FORMAT_VERSION, "pipeline": pipeline}, tmp, compress=3)
    tmp.replace(path)
    sidecar = {
        **metadata,
        "format": FORMAT_VERSION,
        "file": path.name,
        "sha256": file_sha256(path),
        "versions": runtime_versions(),
        "labels": [str(c) for c in pipeline.classes_],
    }
    sidecar_tmp = sidecar_path(path).with_suffix(".json.tmp")
    sidecar_tmp.write_text(json.dumps(sidecar, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    sidecar_tmp.replace(sidecar_path(path))
    return path


def read_sidecar(path: Path) -> dict[str, Any]:
    side = sidecar_path(path)
    try:
        return json.loads(side.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelError(f"{path}: no sidecar {side.name} beside it, so it cannot be verified; refusing to load") from None
    except (OSError, ValueError) as exc:
        raise ModelError(f"{side}: unreadable model sidecar: {exc}") from None


def verify(path: Path, metadata: dict[str, Any]) -> None:
    if metadata.get("format") != FORMAT_VERSION:
        raise ModelFormatError(f"{path}: saved by another version of onward (model format {metadata.get('format')!r}, "
                               f"this one reads {FORMAT_VERSION}); retrain it with `onward train`, or run "
                               f"`onward model use shipped`")
    actual = file_sha256(path)
    if actual != metadata.get("sha256"):
        raise ModelError(f"{path}: checksum does not match its sidecar (file changed or tampered with); refusing to load")
    versions = metadata.get("versions", {})
    ours = runtime_versions()
    for package in ("scikit-learn", "joblib"):
        theirs = str(versions.get(package, "?"))
        if _major_minor(theirs) != _major_minor(ours[package]):
            raise ModelError(
                f"{path}: trained with {package} {theirs} but {ours[package]} is installed; "
                f"install {package}=={_major_minor(theirs)}.* or retrain with `onward train`"
            )


def load_model(path: Path | None = None) -> RejectionModel:
    path = Path(path) if path else default_model_path()
    if not path.is_file():
        raise ModelError(f"no model at {path}: train one with `onward train` or reinstall onward")
    started = time.perf_counter()
    metadata = read_sidecar(path)
    verify(path, metadata)
    try:
        payload = joblib.load(path)
    except Exception as exc:
        raise ModelError(f"{path}: cannot load model: {exc.__class__.__name__}: {exc}") from None
    pipeline = payload.get("pipeline") if isinstance(payload, dict) else None
    if not isinstance(pipeline, Pipeline) or "rejection" not in getattr(pipeline, "classes_", ()):
        raise ModelError(f"{path}: not an onward model")
    log.debug("model %s loaded in %.2fs", path, time.perf_counter() - started)
    missing = set(CATEGORIES) - set(str(c) for c in pipeline.classes_)
    if missing:
        log.warning("model %s does not know the categories: %s", path, ", ".join(sorted(missing)))
    return RejectionModel(pipeline, metadata, path)
