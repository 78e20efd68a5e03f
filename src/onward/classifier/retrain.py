"""Retraining on the user's own mail: corrections, labelled IMAP folders, and switching models.

The active model is the file at `user_model_path()` when it exists, else the shipped one.
Replacing it keeps the one before as `onward-model.previous.joblib`, so `onward model use
previous` always undoes the last change.
"""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from onward.classifier import CATEGORIES
from onward.classifier.data import LabelledMessage
from onward.classifier.model import (
    MODEL_FILENAME,
    RejectionModel,
    default_model_path,
    load_model,
    model_files,
    read_sidecar,
    save_model,
    user_model_path,
)
from onward.config import Config
from onward.errors import MailboxError, OnwardError
from onward.mail.parse import parse_message
from onward.mailbox.imap import ImapMailbox
from onward.mailbox.local import iter_local
from onward.store import Store

if TYPE_CHECKING:
    from sklearn.pipeline import Pipeline

log = logging.getLogger(__name__)

CORRECTION_REPEATS = 3  # a correction is the user telling us directly: it weighs more than one example
PREVIOUS = "onward-model.previous.joblib"
STAGED = "onward-model.staged.joblib"
SWAP = "onward-model.swap.joblib"
NAMES = {MODEL_FILENAME: "active", PREVIOUS: "previous"}


@dataclass(frozen=True)
class ImapFolderSpec:
    account: str
    folder: str
    label: str


def parse_imap_spec(spec: str) -> ImapFolderSpec:
    where, sep, label = spec.rpartition("=")
    account, colon, folder = where.partition(":")
    if not sep or not colon or not account or not folder:
        raise OnwardError(f"--from-imap {spec!r}: expected ACCOUNT:FOLDER=LABEL")
    if label not in CATEGORIES:
        raise OnwardError(f"--from-imap {spec!r}: label must be one of {', '.join(CATEGORIES)}")
    return ImapFolderSpec(account, folder, label)


def load_imap_folders(config: Config, specs: Iterable[ImapFolderSpec]) -> list[LabelledMessage]:
    out: list[LabelledMessage] = []
    for spec in specs:
        with ImapMailbox(config.account(spec.account)) as mailbox:
            mailbox.select(spec.folder, readonly=True)
            uids = mailbox.new_uids(0, None)
            for item, uid in mailbox.fetch(uids, spec.folder):
                source = f"imap:{spec.account}/{spec.folder}"
                out.append(LabelledMessage(id=f"{source}/{uid}", raw=item.raw, label=spec.label, lang="und",
                                           source=source, group=f"{source}/{uid}"))
        log.info("read %d messages from %s:%s as %s", len(uids), spec.account, spec.folder, spec.label)
    return out


def corrected_messages(config: Config, store: Store, local_copies: Iterable[Path] = ()) -> list[LabelledMessage]:
    """The raw text of every corrected message, from its mailbox again or from a local copy."""
    rows = store.corrected_messages()
    if not rows:
        return []
    wanted = {r["message_id"]: r for r in rows}
    found: dict[str, bytes] = {}
    local = list(local_copies)
    if local:
        for item in iter_local(local):
            if item.error:
                continue
            message_id = parse_message(item.raw).message_id
            if message_id in wanted:
                found[message_id] = item.raw
    by_account: dict[str, list[sqlite3.Row]] = {}
    for row in rows:
        if row["message_id"] not in found and row["account"] in config.accounts:
            by_account.setdefault(row["account"], []).append(row)
    for account, account_rows in by_account.items():
        with ImapMailbox(config.account(account)) as mailbox:
            for row in account_rows:
                try:
                    mailbox.select(row["folder"], readonly=True)
                except MailboxError:  # the folder is gone: reported below as not found
                    continue
                uids = mailbox.imap.search(["HEADER", "Message-ID", row["message_id"]])
                for item, _uid in mailbox.fetch(uids[:1], row["folder"]):
                    found[row["message_id"]] = item.raw
    missing = [mid for mid in wanted if mid not in found]
    if missing:
        log.warning("%d corrected message(s) could not be found again (give --corrections-from PATH): %s",
                    len(missing), ", ".join(missing[:5]))
    out = []
    for message_id, raw in found.items():
        label = wanted[message_id]["category"]
        for n in range(CORRECTION_REPEATS):
            out.append(LabelledMessage(id=f"correction/{message_id}/{n}", raw=raw, label=label, lang="und",
                                       source="corrections", group=f"correction/{message_id}"))
    return out


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
            "old": evaluate(old, held_out)["rejection_vs_rest"], "new": evaluate(candidate, held_out)["rejection_vs_rest"]}
