"""Local mail: a single .eml, a folder of .eml files, an mbox file or a Maildir.

With a `limit`, a message larger than that is read as IMAP fetches one (see
`mailbox/imap/reading.py`): its whole header and the first `limit` bytes of its body, with its
real size kept, so that a scan's memory does not follow attachments."""

from __future__ import annotations

import logging
import mailbox
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Protocol

from onward.errors import SourceError
from onward.mailbox import MessageSource, SourceMessage

log = logging.getLogger(__name__)

MESSAGE_SUFFIXES = (".eml", ".msg.txt", ".mail")


class Readable(Protocol):
    """An open file, or the part of an mbox file that is one message (`mailbox.mbox.get_file`)."""

    def read(self, size: int | None = ..., /) -> bytes: ...
    def seek(self, offset: int, whence: int = ..., /) -> object: ...
    def tell(self) -> int: ...


def read_capped(stream: Readable, limit: int | None) -> tuple[bytes, int | None]:
    """(the bytes read, the message's size when that is not all of it). A header that does not end
    within `limit` bytes is not a header anything reads: it is cut there, and no body follows."""
    if limit is None:
        return stream.read(), None
    stream.seek(0, os.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    if size <= limit:
        return stream.read(), None
    head = stream.read(limit)
    ends = [at + len(blank) for blank in (b"\n\n", b"\n\r\n") if (at := head.find(blank)) >= 0]
    if not ends:
        return head, size
    # `head` holds the header and limit - min(ends) bytes of the body: min(ends) more make `limit`
    return head + stream.read(min(ends)), size


def _read(path: Path, limit: int | None) -> tuple[bytes, int | None, str | None]:
    try:
        with open(path, "rb") as stream:
            return *read_capped(stream, limit), None
    except OSError as exc:
        return b"", None, f"cannot read {path}: {exc.strerror or exc}"


class EmlFile:
    def __init__(self, path: Path, limit: int | None = None) -> None:
        self.path = path
        self.name = str(path)
        self.limit = limit

    def __iter__(self) -> Iterator[SourceMessage]:
        raw, size, error = _read(self.path, self.limit)
        yield SourceMessage(key=str(self.path), raw=raw, location=str(self.path), error=error, size=size)


class EmlFolder:
    """Every *.eml below a folder, in name order so results are repeatable."""

    def __init__(self, path: Path, limit: int | None = None) -> None:
        self.path = path
        self.name = str(path)
        self.limit = limit

    def __iter__(self) -> Iterator[SourceMessage]:
        files = sorted(p for p in self.path.rglob("*") if p.is_file() and p.name.lower().endswith(MESSAGE_SUFFIXES))
        for file in files:
            raw, size, error = _read(file, self.limit)
            key = str(file.relative_to(self.path))
            yield SourceMessage(key=key, raw=raw, location=str(file), error=error, size=size)


class MboxFile:
    def __init__(self, path: Path, limit: int | None = None) -> None:
        self.path = path
        self.name = str(path)
        self.limit = limit

    def __iter__(self) -> Iterator[SourceMessage]:
        box = mailbox.mbox(self.path, create=False)
        try:
            for index, key in enumerate(box.iterkeys()):
                try:
                    # the bytes get_bytes gives (after the From_ line), read only as far as needed
                    raw, size = read_capped(box.get_file(key), self.limit)
                    error = None
                except Exception as exc:  # a damaged mbox entry must not end the scan
                    raw, size, error = b"", None, f"cannot read message {index}: {exc}"
                yield SourceMessage(key=f"mbox:{index}", raw=raw, location=f"{self.path}#{index}", error=error,
                                    size=size)
        finally:
            box.close()


class MaildirFolder:
    def __init__(self, path: Path, limit: int | None = None) -> None:
        self.path = path
        self.name = str(path)
        self.limit = limit

    def __iter__(self) -> Iterator[SourceMessage]:
        box = mailbox.Maildir(self.path, factory=None, create=False)
        for key in sorted(box.iterkeys()):
            try:
                with box.get_file(key) as stream:
                    raw, size = read_capped(stream, self.limit)
                error = None
            except Exception as exc:
                raw, size, error = b"", None, f"cannot read {key}: {exc}"
            yield SourceMessage(key=f"maildir:{key}", raw=raw, location=f"{self.path}/{key}", error=error,
                                size=size)


def is_maildir(path: Path) -> bool:
    return all((path / sub).is_dir() for sub in ("cur", "new", "tmp"))


def _looks_like_mbox(path: Path) -> bool:
    try:
        with open(path, "rb") as fh:
            return fh.read(5) == b"From "
    except OSError:
        return False


def open_local_source(path: str | os.PathLike[str], limit: int | None = None) -> MessageSource:
    """`limit`: what is read of a large message, as over IMAP (`mailbox.fetch_limit`); None: all of it."""
    p = Path(path).expanduser()
    if not p.exists():
        raise SourceError(f"{p}: no such file or folder")
    if not os.access(p, os.R_OK):
        raise SourceError(f"{p}: permission denied")
    if p.is_dir():
        if is_maildir(p):
            return MaildirFolder(p, limit)
        return EmlFolder(p, limit)
    if _looks_like_mbox(p) and not p.name.lower().endswith(".eml"):
        return MboxFile(p, limit)
    return EmlFile(p, limit)


def iter_local(paths: Iterable[str | os.PathLike[str]], limit: int | None = None) -> Iterator[SourceMessage]:
    """All messages of several paths; every path is checked before the first message is read."""
    sources = [open_local_source(p, limit) for p in paths]
    for source in sources:
        yield from source
