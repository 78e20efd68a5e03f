from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from dovecot_server import INSTALL_HINT, DovecotServer, TestAccount, find_dovecot  # noqa: E402
from onward.classifier.model import default_model_path, model_files  # noqa: E402

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def dovecot() -> Iterator[DovecotServer]:
    binary = find_dovecot()
    if binary is None:
        pytest.fail(INSTALL_HINT, pytrace=False)
    server = DovecotServer(binary)
    try:
        server.start()
        yield server
    finally:
        server.cleanup()


@pytest.fixture
def imap_account(dovecot: DovecotServer) -> TestAccount:
    """A fresh, empty mailbox on the real server for this test alone."""
    return dovecot.new_account()


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Per-test config and data dirs, so no test reads or writes the real user's files."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    for key in list(os.environ):
        if key.startswith("ONWARD_"):
            monkeypatch.delenv(key)
    return home


@pytest.fixture
def model_copy(tmp_path: Path) -> Path:
    """A copy of the shipped model's files, to tamper with."""
    target = tmp_path / "model.joblib"
    for source, copy in zip(model_files(default_model_path()), model_files(target), strict=True):
        shutil.copy(source, copy)
    return target
