"""Local mail: a single .eml, a folder of .eml files, an mbox file or a Maildir."""

from __future__ import annotations

import logging
import mailbox
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from onward.errors import SourceError
from onward.mailbox import MessageSource, SourceMessage

log = logging.getLogger(__name__)

MESSAGE_SUFFIXES = (".eml", ".msg.txt", ".mail")


def _read(path: Path) -> tuple[bytes, str | None]:
    try:
        return path.read_bytes(), None
    except OSError as exc:
        return b"", f"cannot read {path}: {exc.strerror or exc}"


class EmlFile:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.name = str(path)

    def __iter__(self) -> Iterator[SourceMessage]:
        raw, error = _read(self.path)
        yield SourceMessage(key=str(self.path), raw=raw, location=str(self.path), error=error)


class EmlFolder:
    """Every *.eml below a folder, in name order so results are repeatable."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.name = str(path)

    def __iter__(self) -> Iterator[SourceMessage]:
        files = sorted(p for p in self.path.rglob("*") if p.is_file() and p.name.lower().endswith(MESSAGE_SUFFIXES))
        for file in files:
            raw, error = _read(file)
            key = str(file.relative_to(self.path))
            yield SourceMessage(key=key, raw=raw, location=str(file), error=error)


class MboxFile:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.name = str(path)

    def __iter__(self) -> Iterator[SourceMessage]:
        box = mailbox.mbox(self.path, create=False)
        try:
            for index, key in enumerate(box.iterkeys()):
                try:
                    raw = box.get_bytes(key)
                    error = None
                except Exception as exc:  # a damaged mbox entry must not end the scan
                    raw, error = b"", f"cannot read message {index}: {exc}"
                yield SourceMessage(key=f"mbox:{index}", raw=raw, location=f"{self.path}#{index}", error=error)
        finally:
            box.close()


class MaildirFolder:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.name = str(path)

    def __iter__(self) -> Iterator[SourceMessage]:
        box = mailbox.Maildir(self.path, factory=None, create=False)
        for key in sorted(box.iterkeys()):
            try:
                raw = box.get_bytes(key)
                error = None
            except Exception as exc:
                raw, error = b"", f"cannot read {key}: {exc}"
            yield SourceMessage(key=f"maildir:{key}", raw=raw, location=f"{self.path}/{key}", error=error)


def is_maildir(path: Path) -> bool:
    return all((path / sub).is_dir() for sub in ("cur", "new", "tmp"))


def _looks_like_mbox(path: Path) -> bool:
    try:
        with open(path, "rb") as fh:
            return fh.read(5) == b"From "
    except OSError:
        return False


def open_local_source(path: str | os.PathLike[str]) -> MessageSource:
    p = Path(path).expanduser()
    if not p.exists():
        raise SourceError(f"{p}: no such file or folder")
    if not os.access(p, os.R_OK):
        raise SourceError(f"{p}: permission denied")
    if p.is_dir():
        if is_maildir(p):
            return MaildirFolder(p)
        return EmlFolder(p)
    if _looks_like_mbox(p) and not p.name.lower().endswith(".eml"):
        return MboxFile(p)
    return EmlFile(p)


def iter_local(paths: Iterable[str | os.PathLike[str]]) -> Iterator[SourceMessage]:
    """All messages of several paths; every path is checked before the first message is read."""
    sources = [open_local_source(p) for p in paths]
    for source in sources:
        yield from source
