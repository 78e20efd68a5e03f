"""Files that hold what mail said (the database, draft copies) are readable by their owner alone."""

from __future__ import annotations

import os
from pathlib import Path
from typing import BinaryIO

PRIVATE_MODE = 0o600


def create_private(path: Path) -> BinaryIO:
    """A new file open for writing, mode 0600 whatever the umask; FileExistsError if it exists."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_MODE)
    try:
        os.fchmod(fd, PRIVATE_MODE)  # the umask may have taken bits away; this sets exactly 0600
        return os.fdopen(fd, "wb")
    except BaseException:
        os.close(fd)
        raise
