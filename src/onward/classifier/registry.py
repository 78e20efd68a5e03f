"""The life of a model: where the models are, which one is active, installing, listing and
switching them.

The active model is the file at `user_model_path()` when it exists, else the shipped one (a
`model` in the config or `--model` names another). An active model saved by an older onward,
which this one cannot read, gives way to the shipped one with a warning. Replacing it keeps the
one before as `onward-model.previous.joblib`, so `onward model use previous` always undoes the
last change; `onward train` compares a new model with the current one on held-out mail first.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from onward.classifier.model import (
    MODEL_FILENAME,
    default_model_path,
    load_model,
    model_files,
    read_sidecar,
    save_model,
)
from onward.classifier.predictor import RejectionModel
from onward.errors import ModelFormatError, OnwardError

if TYPE_CHECKING:
    from sklearn.pipeline import Pipeline

    from onward.classifier.data import LabelledMessage

PREVIOUS = "onward-model.previous.joblib"
STAGED = "onward-model.staged.joblib"
SWAP = "onward-model.swap.joblib"
NAMES = {MODEL_FILENAME: "active", PREVIOUS: "previous"}


def user_model_path() -> Path:
    """Where `onward train` saves by default; when present, it is the active model."""
    from onward.config import default_data_dir

    return default_data_dir() / "models" / MODEL_FILENAME


def resolve_model_path(configured: Path | None = None) -> Path:
    if configured:
        return Path(configured).expanduser()
    user = user_model_path()
    return user if user.is_file() else default_model_path()


def load_active(configured: Path | None, warn: Callable[[str], None]) -> RejectionModel:
    """The model to classify with: the one named (`--model`, or `model` in the config), else the
    active one; `warn` hears why when that one gives way to the shipped one."""
    try:
        return load_model(resolve_model_path(configured))
    except ModelFormatError as exc:
        if configured:  # a model the user named: say so rather than silently use another
            raise
        # the model trained with an older onward: this one cannot read it; the shipped one works
        warn(f"{exc}; using the shipped model meanwhile")
        return load_model(default_model_path())


def install(pipeline: Pipeline, metadata: dict[str, Any]) -> Path:
    """Make a freshly trained model the active one, keeping the current one as the previous."""
    active = user_model_path()
    staged = active.parent / STAGED
    save_model(pipeline, metadata, staged)
    current = active if active.is_file() else default_model_path()
    _copy_files(current, active.parent / PREVIOUS)
    _move_files(staged, active)
    return active


def _copy_files(source: Path, target: Path) -> None:
    """A model's files (a model saved by an older onward has no predictor: neither has the copy)."""
    for source_file, target_file in zip(model_files(source), model_files(target), strict=True):
        if not source_file.is_file():
            target_file.unlink(missing_ok=True)
            continue
        tmp = target_file.with_suffix(target_file.suffix + ".tmp")
        shutil.copyfile(source_file, tmp)
        os.chmod(tmp, 0o644)  # as save_model writes them, whatever the umask: see model.check_trusted
        tmp.replace(target_file)


def _move_files(source: Path, target: Path) -> None:
    for source_file, target_file in zip(model_files(source), model_files(target), strict=True):
        if source_file.is_file():
            source_file.replace(target_file)
        else:
            target_file.unlink(missing_ok=True)


def list_models() -> list[dict[str, object]]:
    active_path = user_model_path() if user_model_path().is_file() else default_model_path()
    entries = [("shipped", default_model_path())]
    folder = user_model_path().parent
    if folder.is_dir():
        for path in sorted(folder.glob("*.joblib")):
            if path.name not in (STAGED, SWAP):
                entries.append((NAMES.get(path.name, path.stem), path))
    out = []
    for name, path in entries:
        try:
            meta = read_sidecar(path)
        except OnwardError as exc:
            meta = {"error": str(exc)}
        scores = meta.get("scores", {}).get("cross_validated", {}).get("rejection_vs_rest", {})
        out.append({"name": name, "path": str(path), "active": path == active_path,
                    "version": meta.get("model_version"), "trained_at": meta.get("trained_at"),
                    "messages": meta.get("training_data", {}).get("messages"),
                    "precision": scores.get("precision"), "recall": scores.get("recall")})
    return out


def use_model(name: str) -> Path:
    """`previous` swaps back; `shipped` returns to the model that came with onward; else a saved name."""
    active = user_model_path()
    folder = active.parent
    if name == "shipped":
        if active.is_file():
            _copy_files(active, folder / PREVIOUS)
            for file in model_files(active):
                file.unlink(missing_ok=True)
        return default_model_path()
    source = folder / (PREVIOUS if name == "previous" else f"{name}.joblib")
    if not source.is_file():
        raise OnwardError(f"no model named {name!r} in {folder} (see `onward model list`)")
    load_model(source)  # refuse a broken or tampered one before it becomes active
    current = active if active.is_file() else default_model_path()
    swap = folder / SWAP
    _copy_files(current, swap)
    _copy_files(source, active)
    _move_files(swap, folder / PREVIOUS)
    return active


def held_out_comparison(old: RejectionModel, messages: list[LabelledMessage]) -> dict[str, dict]:
    """Old model vs a new one trained without a grouped fifth of the data, on that fifth."""
    import numpy as np
    from sklearn.model_selection import StratifiedGroupKFold

    from onward.classifier.evaluation import evaluate
    from onward.classifier.training import train

    labels = np.array([m.label for m in messages])
    groups = np.array([m.group for m in messages])
    if len(set(groups)) < 5:
        raise OnwardError(f"only {len(set(groups))} independent groups of messages; need 5 to hold some out")
    splitter = StratifiedGroupKFold(n_splits=5, shuffle=True, random_state=11)
    train_idx, test_idx = next(splitter.split(np.zeros(len(messages)), labels, groups))
    held_out = [messages[i] for i in test_idx]
    candidate = train([messages[i] for i in train_idx], folds=0).model
    return {"messages": {"held_out": len(held_out)},
            "old": evaluate(old, held_out)["rejection_vs_rest"],
            "new": evaluate(candidate, held_out)["rejection_vs_rest"]}
