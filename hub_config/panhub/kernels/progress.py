"""Progress of a build: one updating line on a terminal, plain lines otherwise."""

from __future__ import annotations

import sys
import time
from typing import TextIO

from panhub.kernels.build import STEPS


class ProgressLine:
    """Callable as :data:`panhub.kernels.build.Progress`: ``(kernel id, step)``.

    On a terminal, a bar of the steps of the current kernel and its elapsed time,
    rewritten in place; otherwise (logs, CI) one line per step with the time the
    previous one took.
    """

    def __init__(self, total: int, out: TextIO | None = None, tty: bool | None = None) -> None:
        self.total = total
        self.out = out or sys.stdout
        self.tty = self.out.isatty() if tty is None else tty
        self.index = 0
        self.kernel = ""
        self.started = self.step_started = time.perf_counter()

    def __call__(self, kernel_id: str, step: str) -> None:
        now = time.perf_counter()
        if kernel_id != self.kernel:
            self.kernel, self.started = kernel_id, now
            self.index += 1
        head = f"[{self.index}/{self.total}] {kernel_id}"
        elapsed = now - self.started
        if step in ("skip", "respec", "done"):
            text = {"skip": "unchanged, skipped", "respec": "new kernelspec (same environment)"}
            text["done"] = f"built in {elapsed:.1f} s"
            self._write(f"{head}: {text[step]}", final=True)
            return
        done = STEPS.index(step) if step in STEPS else 0
        if self.tty:
            bar = "#" * done + "." * (len(STEPS) - done)
            self._write(f"{head} [{bar}] {step} ({elapsed:.0f} s)", final=False)
        else:
            self._write(f"{head}: {step} (at {elapsed:.1f} s)", final=True)
        self.step_started = now

    def _write(self, text: str, final: bool) -> None:
        if self.tty:
            self.out.write(f"\r\x1b[K{text}" + ("\n" if final else ""))
        else:
            self.out.write(text + "\n")
        self.out.flush()
