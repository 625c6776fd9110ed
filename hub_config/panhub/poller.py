"""One ``squeue`` for all of a hub's jobs, shared by every spawner's periodic poll.

JupyterHub polls each running server every ``poll_interval`` seconds; batchspawner runs
one ``sudo squeue`` per server and poll, and after a hub restart every server is polled
at once. :class:`SharedPoller` answers all polls within ``max_age`` seconds of each other
from a single ``squeue -j id1,id2,...``; callers that arrive while that call runs wait
for it instead of starting their own.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from panhub.slurm import SQUEUE_FORMAT

#: the shared query: job id first, then the fields :func:`panhub.slurm.parse_squeue` reads
SHARED_FORMAT = "%i|" + SQUEUE_FORMAT


def parse_squeue_many(output: str) -> dict[str, str]:
    """Split ``squeue -o SHARED_FORMAT`` output into job id -> the per-job line."""
    jobs = {}
    for line in output.splitlines():
        job_id, sep, rest = line.strip().partition("|")
        if sep and job_id:
            jobs[job_id] = rest
    return jobs


@dataclass(frozen=True)
class Answer:
    """One squeue call: when, which jobs it asked for, and what it said."""

    time: float = -1e18
    asked: frozenset[str] = frozenset()
    jobs: dict[str, str] | None = field(default_factory=dict)
    error: str = ""


class SharedPoller:
    """Job states for many spawners from one command run at most every ``max_age`` s.

    Parameters
    ----------
    run
        Runs a shell command and returns its output; raises on failure.
    command
        The command, with ``{job_ids}`` for the comma-separated job ids.
    max_age
        How old an answer may be and still be used.
    """

    def __init__(self, run: Callable[[str], Awaitable[str]], command: str, max_age: float) -> None:
        self.run = run
        self.command = command
        self.max_age = max_age
        self._jobs: set[str] = set()
        self._answer = Answer()
        self._running: asyncio.Task[None] | None = None

    def _usable(self, job_id: str) -> bool:
        answer = self._answer
        return job_id in answer.asked and time.monotonic() - answer.time <= self.max_age

    async def status(self, job_id: str) -> str:
        """What squeue says of ``job_id``: its line, ``""`` if gone, or the error text.

        An error text (the scheduler did not answer) makes the job UNKNOWN to
        :func:`panhub.slurm.parse_squeue`, never gone.
        """
        self._jobs.add(job_id)
        for _ in range(2):  # a call already running may not include this job: then one more
            if self._usable(job_id):
                break
            if self._running is None:
                self._running = asyncio.ensure_future(self._refresh())
            await asyncio.shield(self._running)
        answer = self._answer
        if answer.jobs is None:
            return answer.error or "squeue failed"
        line = answer.jobs.get(job_id, "")
        if not line:
            self._jobs.discard(job_id)  # gone: stop asking for it
        return line

    async def _refresh(self) -> None:
        asked = frozenset(self._jobs)
        started = time.monotonic()
        try:
            output = await self.run(self.command.format(job_ids=",".join(sorted(asked))))
        except Exception as exc:
            if "Invalid job id specified" in str(exc):
                # squeue says so only when none of the jobs asked for exists any more
                self._answer = Answer(started, asked, {})
            else:
                self._answer = Answer(started, asked, None, str(exc) or type(exc).__name__)
        else:
            self._answer = Answer(started, asked, parse_squeue_many(output))
        finally:
            self._running = None


async def run_shell(command: str, timeout: float = 30) -> str:
    """Run ``command`` in a shell with a deadline; return stdout, raise with stderr."""
    proc = await asyncio.create_subprocess_shell(
        command, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(), timeout)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise RuntimeError(f"{command!r} timed out after {timeout} s") from None
    if proc.returncode:
        raise RuntimeError(err.decode(errors="replace").strip() or f"exit code {proc.returncode}")
    return out.decode(errors="replace")
