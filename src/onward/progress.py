"""The live line of a scan on a terminal: `1,234/3,010 (41%) · 300 msg/s · ETA 6 s`.

click's progress bar draws it (terminal width, redraw in place, nothing when stderr is not a
terminal); we only say what the line holds. The total grows as each folder reports its new mail.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Iterator
from typing import Any

import click

REDRAW_SECONDS = 0.1  # a redraw per message would cost more than the scan at 2,000 msg/s


def _no_length() -> Iterator[Any]:
    yield from ()  # a generator has no length hint: click then draws a bar of unknown length


class ScanProgress:
    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled and sys.stderr.isatty()
        self.total: int | None = None
        self.done = 0
        self._unshown = 0
        self._started: float | None = None
        self._last_draw = 0.0
        self._bar: Any = None
        if self.enabled:
            self._bar = click.progressbar(_no_length(), label="scanning", file=sys.stderr, width=20,
                                          show_eta=False, show_percent=False, show_pos=False,
                                          item_show_func=lambda _item: self.describe())
            self._bar.__enter__()

    def found(self, count: int) -> None:
        """A folder has `count` messages to read."""
        self.total = (self.total or 0) + count
        if self._bar is not None:
            self._bar.length = self.total
            self._bar.finished = False

    def advance(self) -> None:
        now = time.monotonic()
        if self._started is None:
            self._started = now
        self.done += 1
        self._unshown += 1
        if self._bar is not None and now - self._last_draw >= REDRAW_SECONDS:
            self._draw(now)

    def _draw(self, now: float) -> None:
        self._last_draw = now
        self._bar.update(self._unshown)
        self._unshown = 0

    def describe(self) -> str:
        parts = [f"{self.done:,}/{self.total:,} ({self.done / self.total:.0%})" if self.total else f"{self.done:,}"]
        elapsed = time.monotonic() - self._started if self._started is not None else 0.0
        if elapsed > 0 and self.done:
            rate = self.done / elapsed
            parts.append(f"{rate:,.0f} msg/s")
            if self.total and self.total > self.done:
                parts.append(f"ETA {math.ceil((self.total - self.done) / rate):,} s")
        return " · ".join(parts)

    def clear(self) -> None:
        """Wipe the line so that a message line can be printed where it was."""
        if self._bar is not None:
            click.echo("\r\033[K", nl=False, err=True)
            self._last_draw = 0.0  # redraw at the next message

    def close(self) -> None:
        if self._bar is not None:
            click.echo("\r\033[K\033[?25h", nl=False, err=True)  # click hid the cursor while drawing
            self._bar = None

    def __enter__(self) -> ScanProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
