from __future__ import annotations

import mailbox
from pathlib import Path

import pytest

from onward.errors import SourceError
from onward.mailbox.local import EmlFile, EmlFolder, MaildirFolder, MboxFile, iter_local, open_local_source

MESSAGES = [
    b"From: a@x.example\nSubject: one\nMessage-ID: <1@x>\n\nfirst\n",
    b"From: b@x.example\nSubject: two\nMessage-ID: <2@x>\n\nsecond\n",
    b"From: c@x.example\nSubject: three\nMessage-ID: <3@x>\n\nthird\n",
]


def make_eml_folder(root: Path) -> Path:
    folder = root / "emls"
    (folder / "sub").mkdir(parents=True)
    for i, raw in enumerate(MESSAGES):
        (folder / ("sub" if i == 2 else "") / f"{i}.eml").write_bytes(raw)
    (folder / "notes.txt").write_text("not mail")
    return folder


def make_mbox(root: Path) -> Path:
    path = root / "box.mbox"
    box = mailbox.mbox(path)
    for raw in MESSAGES:
        box.add(raw)
    box.close()
    return path


def make_maildir(root: Path) -> Path:
    path = root / "Maildir"
    box = mailbox.Maildir(path, create=True)
    for raw in MESSAGES:
        box.add(raw)
    return path


def subjects(source) -> list[bytes]:
    return sorted(next(line for line in m.raw.splitlines() if line.startswith(b"Subject")) for m in source)


@pytest.mark.parametrize("maker,kind", [(make_eml_folder, EmlFolder), (make_mbox, MboxFile),
                                        (make_maildir, MaildirFolder)])
def test_each_local_source_yields_every_message_with_stable_keys(tmp_path, maker, kind):
    path = maker(tmp_path)
    source = open_local_source(path)
    assert isinstance(source, kind)
    first = list(source)
    assert subjects(first) == [b"Subject: one", b"Subject: three", b"Subject: two"]
    assert [m.key for m in first] == [m.key for m in open_local_source(path)]
    assert len({m.key for m in first}) == 3


def test_single_eml_file(tmp_path):
    path = tmp_path / "one.eml"
    path.write_bytes(MESSAGES[0])
    source = open_local_source(path)
    assert isinstance(source, EmlFile)
    assert [m.raw for m in source] == [MESSAGES[0]]


def test_missing_path_is_a_clear_error_before_any_message_is_read(tmp_path):
    good = tmp_path / "one.eml"
    good.write_bytes(MESSAGES[0])
    with pytest.raises(SourceError, match="no such file or folder"):
        list(iter_local([good, tmp_path / "missing"]))


def test_unreadable_file_in_a_folder_is_reported_not_fatal(tmp_path):
    folder = make_eml_folder(tmp_path)
    bad = folder / "bad.eml"
    bad.mkdir()  # a directory named like a message cannot be read as one
    (folder / "broken.eml").symlink_to(tmp_path / "nowhere")
    items = list(open_local_source(folder))
    assert len([i for i in items if not i.error]) == 3
