"""Child servers of the tests and benchmarks: started in their own process group, waited
for with a deadline, stopped (SIGTERM, then SIGKILL) whatever happens."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path


@contextlib.contextmanager
def serving(
    argv: Sequence[str],
    probe: str,
    log: Path,
    *,
    cwd: Path,
    env: Mapping[str, str],
    what: str,
    deadline: float = 60.0,
) -> Iterator[subprocess.Popen[bytes]]:
    """Run ``argv`` until ``probe`` (a URL) answers; yield the process; stop its group.

    A process that exits before answering, or no answer by ``deadline`` seconds, fails
    with the end of ``log`` (where the process writes).
    """
    with log.open("w") as out:
        proc = subprocess.Popen(
            list(argv), cwd=cwd, env=dict(env), stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    try:
        end = time.monotonic() + deadline
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"{what} exited: {log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(probe, timeout=2):
                    break
            except OSError:
                if time.monotonic() > end:
                    raise TimeoutError(f"{what} did not answer at {probe}") from None
                time.sleep(0.2)
        yield proc
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=15)
