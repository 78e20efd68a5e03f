"""The model: its training pipeline, and safe persistence.

A model is three files: the scikit-learn pipeline (joblib, for training and re-exporting), the
numbers prediction runs on (.predictor, see onward.classifier.predictor) and a sidecar JSON with
the checksums of both, the library versions and the scores. Classifying loads only the
.predictor file, from which nothing but numbers can come. A joblib file is code, so it is
unpickled only by `onward model export`, and only after its checksum and library versions match
the sidecar.

The sidecar is an integrity check, not a signature: it tells that the files are the ones that
were saved together, not who saved them. Whoever can write the files can write a sidecar to
match, so a model file or sidecar that someone other than you (or root) owns or can write to
is refused.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import platform
import stat
import time
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from onward.classifier import CATEGORIES
from onward.classifier.hashed import HashedColumns
from onward.classifier.predictor import PREDICTOR_FORMAT, Block, RejectionModel, TermColumns
from onward.errors import ModelError, ModelFormatError
from onward.vocab import Category

if TYPE_CHECKING:
    from sklearn.pipeline import Pipeline

log = logging.getLogger(__name__)

MODEL_FILENAME = "onward-model.joblib"
# 2: hashed n-grams (onward.classifier.hashed); format 1 models used scikit-learn's vectorizers
FORMAT_VERSION = 2
# the sender facts' CountVectorizer, as build_pipeline makes it and predictor.TermColumns reads it
_TERMS_VECTORIZER = {"analyzer": "word", "token_pattern": r"\S+", "lowercase": False, "binary": True,
                     "ngram_range": (1, 1), "preprocessor": None, "tokenizer": None, "stop_words": None,
                     "strip_accents": None}


def default_model_path() -> Path:
    """The model shipped inside the package (top-level models/ in the source tree)."""
    return Path(str(resources.files("onward.shipped_model").joinpath(MODEL_FILENAME)))


def sidecar_path(model_path: Path) -> Path:
    return model_path.with_suffix(".json")


def predictor_path(model_path: Path) -> Path:
    return model_path.with_suffix(".predictor")


def model_files(model_path: Path) -> tuple[Path, Path, Path]:
    """The pipeline, the predictor and the sidecar, in the order they are written (the sidecar
    last, so that a crash leaves no set that verifies)."""
    return model_path, predictor_path(model_path), sidecar_path(model_path)


def build_pipeline(c: float = 8.0, corpus_size: int = 10_000) -> Pipeline:
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import FeatureUnion, Pipeline

    from onward.classifier.estimators import FieldPicker, HashedTfidf

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


def model_from_pipeline(pipeline: Pipeline, metadata: dict[str, Any], path: Path | None = None) -> RejectionModel:
    """The arrays a fitted pipeline predicts with (see build_pipeline for its shape)."""
    from onward.classifier.estimators import HashedTfidf

    union = pipeline.named_steps["features"]
    weights = union.transformer_weights or {}
    blocks, offset = [], 0
    for name, transformer in union.transformer_list:
        picker, vectorizer = transformer.steps[0][1], transformer.steps[-1][1]
        columns: HashedColumns | TermColumns
        if isinstance(vectorizer, HashedTfidf):
            columns = vectorizer.columns()
        elif {key: getattr(vectorizer, key, None) for key in _TERMS_VECTORIZER} == _TERMS_VECTORIZER:
            columns = TermColumns(vectorizer.get_feature_names_out().tolist())
        else:
            raise ModelError(f"cannot export the {name!r} features: not a vectorizer onward can predict with")
        blocks.append(Block(name, picker.field, float(weights.get(name, 1.0)), offset, columns))
        offset += columns.width
    classifier = pipeline.named_steps["classify"]
    coef = np.ascontiguousarray(classifier.coef_, dtype=np.float64)
    return RejectionModel([str(c) for c in classifier.classes_], blocks, coef,
                          np.asarray(classifier.intercept_, dtype=np.float64), metadata.get("thresholds", {}),
                          metadata, path)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _major_minor(version: str) -> str:
    return ".".join(version.split(".")[:2])


def runtime_versions() -> dict[str, str]:
    import joblib
    import sklearn

    return {"python": platform.python_version(), "scikit-learn": sklearn.__version__, "joblib": joblib.__version__}


def check_trusted(path: Path) -> None:
    """Refuse a file that anyone but us (or root) owns or can write to: see the module's docstring."""
    try:
        status = path.stat()
    except FileNotFoundError:
        raise ModelError(f"{path}: missing, though its model's other files are there; retrain, or "
                         f"run `onward model use shipped`") from None
    if status.st_uid not in (os.getuid(), 0):
        raise ModelError(f"{path}: owned by another user (uid {status.st_uid}); refusing to load a model "
                         f"someone else can change")
    if status.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise ModelError(f"{path}: writable by group or others, so anyone of them could change the model; refusing "
                         f"to load it (fix: chmod go-w {path})")


def _publish(tmp: Path, path: Path) -> None:
    os.chmod(tmp, 0o644)  # whatever the umask: a group-writable model would be refused
    tmp.replace(path)


def save_model(pipeline: Pipeline, metadata: dict[str, Any], path: Path) -> Path:
    """Write the pipeline, its predictor and the sidecar; the sidecar is written last, so a crash
    leaves no valid set."""
    import joblib

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".joblib.tmp")
    joblib.dump({"format": FORMAT_VERSION, "pipeline": pipeline}, tmp, compress=3)
    _publish(tmp, path)
    sidecar = {
        **metadata,
        "format": FORMAT_VERSION,
        "file": path.name,
        "sha256": file_sha256(path),
        "versions": runtime_versions(),
        "labels": [str(c) for c in pipeline.classes_],
    }
    _write_predictor(model_from_pipeline(pipeline, sidecar), path, sidecar)
    return path


def export_model(path: Path) -> Path:
    """Write the predictor of a model saved without one (by an onward before it had them), from
    its verified pipeline; the sidecar then vouches for both. Returns the predictor's path."""
    pipeline, metadata = load_pipeline(path)
    return _write_predictor(model_from_pipeline(pipeline, metadata), path, metadata)


def _write_predictor(model: RejectionModel, path: Path, sidecar: dict[str, Any]) -> Path:
    target = predictor_path(path)
    tmp = target.with_suffix(".predictor.tmp")
    tmp.write_bytes(model.to_bytes())
    _publish(tmp, target)
    sidecar = {**sidecar, "predictor": {"file": target.name, "format": PREDICTOR_FORMAT, "sha256": file_sha256(target)}}
    sidecar_tmp = sidecar_path(path).with_suffix(".json.tmp")
    sidecar_tmp.write_text(json.dumps(sidecar, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    _publish(sidecar_tmp, sidecar_path(path))
    return target


def read_sidecar(path: Path) -> dict[str, Any]:
    side = sidecar_path(path)
    try:
        return json.loads(side.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelError(f"{path}: no sidecar {side.name} beside it, so it cannot be verified; "
                         "refusing to load") from None
    except (OSError, ValueError) as exc:
        raise ModelError(f"{side}: unreadable model sidecar: {exc}") from None


def _check_format(path: Path, metadata: dict[str, Any]) -> None:
    if metadata.get("format") != FORMAT_VERSION:
        raise ModelFormatError(f"{path}: saved by another version of onward (model format {metadata.get('format')!r}, "
                               f"this one reads {FORMAT_VERSION}); retrain it with `onward train`, or run "
                               f"`onward model use shipped`")


def _checksum_error(path: Path) -> ModelError:
    return ModelError(f"{path}: checksum does not match its sidecar (file changed or tampered with); refusing to load")


def verify(path: Path, metadata: dict[str, Any]) -> None:
    """The checks a joblib file must pass before it is unpickled."""
    _check_format(path, metadata)
    check_trusted(sidecar_path(path))
    check_trusted(path)
    if file_sha256(path) != metadata.get("sha256"):
        raise _checksum_error(path)
    versions = metadata.get("versions", {})
    ours = runtime_versions()
    for package in ("scikit-learn", "joblib"):
        theirs = str(versions.get(package, "?"))
        if _major_minor(theirs) != _major_minor(ours[package]):
            raise ModelError(
                f"{path}: trained with {package} {theirs} but {ours[package]} is installed; "
                f"install {package}=={_major_minor(theirs)}.* or retrain with `onward train`"
            )


def load_pipeline(path: Path) -> tuple[Pipeline, dict[str, Any]]:
    """The scikit-learn pipeline of a model file and its sidecar, once both are verified."""
    import joblib
    from sklearn.pipeline import Pipeline

    if not path.is_file():
        raise ModelError(f"no model at {path}")
    metadata = read_sidecar(path)
    verify(path, metadata)
    try:
        payload = joblib.load(path)
    except Exception as exc:
        raise ModelError(f"{path}: cannot load model: {exc.__class__.__name__}: {exc}") from None
    pipeline = payload.get("pipeline") if isinstance(payload, dict) else None
    if not isinstance(pipeline, Pipeline) or Category.REJECTION not in getattr(pipeline, "classes_", ()):
        raise ModelError(f"{path}: not an onward model")
    return pipeline, metadata


def load_model(path: Path | None = None) -> RejectionModel:
    """The model to classify with, from its .predictor file (never the joblib one: see the module's docstring)."""
    path = Path(path) if path else default_model_path()
    numbers = predictor_path(path)
    if not path.is_file() and not numbers.is_file():
        raise ModelError(f"no model at {path}: train one with `onward train` or reinstall onward")
    started = time.perf_counter()
    metadata = read_sidecar(path)
    _check_format(path, metadata)
    entry = metadata.get("predictor")
    if not isinstance(entry, dict) or entry.get("format") != PREDICTOR_FORMAT:
        raise ModelFormatError(f"{path}: saved by an older onward, without the predictor file this one classifies "
                               f"with; run `onward model export {path}` once, or retrain with `onward train`")
    check_trusted(sidecar_path(path))
    check_trusted(numbers)
    content = numbers.read_bytes()  # checked and loaded from the same bytes: no swap in between
    if hashlib.sha256(content).hexdigest() != entry.get("sha256"):
        raise _checksum_error(numbers)
    try:
        model = RejectionModel.from_bytes(content, metadata, path)
    except (ValueError, KeyError, TypeError, AttributeError, IndexError) as exc:
        raise ModelError(f"{numbers}: not an onward predictor ({exc.__class__.__name__}: {exc})") from None
    log.debug("model %s loaded in %.3fs", numbers, time.perf_counter() - started)
    missing = set(CATEGORIES) - set(model.labels)
    if missing:
        log.warning("model %s does not know the categories: %s", path, ", ".join(sorted(missing)))
    return model
