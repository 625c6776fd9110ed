"""A dependency-free progress bar for long command-line runs."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    """Redraws ``[#####     ] 120/400 files  210/s`` at most every ``interval`` seconds.

    Parameters
    ----------
    total
        Number of steps.
    stream
        Where to draw (standard error by default).
    enabled
        ``None``: draw only when ``stream`` is a terminal.
    interval
        Seconds between redraws.
    """

    def __init__(
        self,
        total: int,
        stream: TextIO | None = None,
        enabled: bool | None = None,
        interval: float = 0.2,
    ) -> None:
        self.total = total
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.interval = interval
        self.started = time.monotonic()
        self.last = 0.0
        self.done = 0

    def render(self, done: int, elapsed: float, width: int = 30) -> str:
        """The bar's text for ``done`` steps after ``elapsed`` seconds."""
        filled = width * done // self.total if self.total else width
        rate = done / elapsed if elapsed > 0 else 0.0
        return f"[{'#' * filled}{' ' * (width - filled)}] {done}/{self.total} files  {rate:.0f}/s"

    def update(self, done: int) -> None:
        """Record progress; redraw when the interval has passed."""
        self.done = done
        now = time.monotonic()
        if self.enabled and (now - self.last >= self.interval or done == self.total):
            self.last = now
            self.stream.write("\r" + self.render(done, now - self.started))
            self.stream.flush()

    def close(self) -> None:
        """Draw the final state and end the line."""
        if self.enabled:
            self.stream.write("\r" + self.render(self.done, time.monotonic() - self.started) + "\n")
            self.stream.flush()
