"""One ``squeue`` for all of a hub's jobs, shared by every spawner's periodic poll.

JupyterHub polls each running server every ``poll_interval`` seconds; batchspawner runs
one ``sudo squeue`` per server and poll, and after a hub restart every server is polled
at once. :class:`SharedPoller` answers all polls within ``max_age`` seconds of each other
from a single ``squeue -j id1,id2,...``; callers that arrive while that call runs wait
for it instead of starting their own.

squeue is asked for ended jobs too (``--states=all``), so a job cancelled outside the
hub, or ended by its time limit or a node failure, is seen as such at the next poll. A
job squeue leaves out is gone only once that is confirmed (:func:`panhub.jobend.judge_missing`):
the second source (``confirm`` command, e.g. ``scontrol show job``) is asked for such
jobs only, so the normal case stays one scheduler call per interval.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from panhub.jobend import ABSENT_LIMIT, judge_missing
from panhub.slurm import SQUEUE_FORMAT, JobInfo, JobPhase, parse_scontrol_job, parse_squeue

#: the shared query: job id first, then the fields :func:`panhub.slurm.parse_squeue` reads
SHARED_FORMAT = "%i|" + SQUEUE_FORMAT

#: at most this many second-source calls per refresh; the others wait for the next one
MAX_CONFIRM = 10

Run = Callable[[str], Awaitable[str]]


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
    """One refresh: when, which jobs it asked for, and what it found of each."""

    time: float = -1e18
    asked: frozenset[str] = frozenset()
    jobs: dict[str, JobInfo] = field(default_factory=dict)


async def ask_text(run: Run, command: str) -> str:
    """``command``'s output, or its error text (which the parsers read as UNKNOWN)."""
    try:
        return await run(command)
    except Exception as exc:
        return str(exc) or type(exc).__name__


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
    confirm
        The second source, with ``{job_id}``, asked about jobs squeue left out
        (``""``: none; such a job is gone once squeue left it out twice in a row).
    """

    def __init__(self, run: Run, command: str, max_age: float, confirm: str = "") -> None:
        self.run = run
        self.command = command
        self.max_age = max_age
        self.confirm = confirm
        self._jobs: set[str] = set()
        self._watchers: dict[str, Callable[[], object]] = {}
        self._misses: dict[str, int] = {}
        self._answer = Answer()
        self._running: asyncio.Task[None] | None = None

    def _usable(self, job_id: str) -> bool:
        answer = self._answer
        return job_id in answer.asked and time.monotonic() - answer.time <= self.max_age

    def watch(self, job_id: str, on_end: Callable[[], object]) -> None:
        """Call ``on_end()`` (once) when an answer, asked by any spawner, finds the job ended.

        So a job's end is acted on at the first squeue that sees it, not at its own
        spawner's next poll: within one interval of the shared poll.
        """
        self._watchers[job_id] = on_end

    async def status(self, job_id: str) -> JobInfo:
        """What the scheduler says of ``job_id``.

        GONE only when the job's end is known or confirmed; UNKNOWN when the scheduler
        did not answer or a missing job is not confirmed yet (keep the server).
        """
        self._jobs.add(job_id)
        for _ in range(2):  # a call already running may not include this job: then one more
            if self._usable(job_id):
                break
            if self._running is None:
                self._running = asyncio.ensure_future(self._refresh())
            await asyncio.shield(self._running)
            if job_id in self._answer.asked:
                break  # the answer just awaited, however short max_age
        info = self._answer.jobs.get(job_id, JobInfo(JobPhase.UNKNOWN))
        if info.phase is JobPhase.GONE:
            self._jobs.discard(job_id)  # gone: stop asking for it
            self._misses.pop(job_id, None)
        return info

    async def _refresh(self) -> None:
        asked = frozenset(self._jobs)
        started = time.monotonic()
        try:
            try:
                text = await self.run(self.command.format(job_ids=",".join(sorted(asked))))
            except Exception as exc:
                error = str(exc) or type(exc).__name__
                if "Invalid job id specified" not in error:
                    # the scheduler did not answer: every job UNKNOWN, no miss counted
                    unknown = JobInfo(JobPhase.UNKNOWN, reason=error)
                    self._answer = Answer(started, asked, dict.fromkeys(asked, unknown))
                    return
                text = ""  # squeue says so only when none of the jobs asked for exists
            self._answer = Answer(started, asked, await self._classify(asked, text))
        finally:
            self._running = None
        for job_id, info in self._answer.jobs.items():
            if info.phase is JobPhase.GONE and job_id in self._watchers:
                self._watchers.pop(job_id)()

    async def _classify(self, asked: frozenset[str], text: str) -> dict[str, JobInfo]:
        """Each asked job's state from squeue's answer, missing ones judged."""
        jobs = {job_id: parse_squeue(line) for job_id, line in parse_squeue_many(text).items()}
        missing = sorted(asked - jobs.keys())
        for job_id in jobs:
            self._misses.pop(job_id, None)
        for job_id in missing:
            self._misses[job_id] = self._misses.get(job_id, 0) + 1
        to_confirm = [j for j in missing if self._misses[j] < ABSENT_LIMIT][:MAX_CONFIRM]
        second = await self._ask_second(to_confirm)
        for job_id in missing:
            jobs[job_id] = judge_missing(self._misses[job_id], second.get(job_id))
        return jobs

    async def _ask_second(self, job_ids: list[str]) -> dict[str, JobInfo]:
        if not self.confirm or not job_ids:
            return {}
        texts = await asyncio.gather(
            *(ask_text(self.run, self.confirm.format(job_id=j)) for j in job_ids)
        )
        return {j: parse_scontrol_job(t) for j, t in zip(job_ids, texts, strict=True)}


async def run_shell(command: str, timeout: float = 30) -> str:
    """Run ``command`` in a shell with a deadline; return stdout, raise with stderr.

    The command runs in its own process group, killed whole at the deadline: a ``sudo``
    or ``ssh`` in front of a hung ``squeue`` would otherwise keep its output open, and
    the caller waiting, past the deadline.
    """
    proc = await asyncio.create_subprocess_shell(
        command,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        start_new_session=True,
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(), timeout)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        await proc.wait()
        raise RuntimeError(f"{command!r} timed out after {timeout} s") from None
    if proc.returncode:
        raise RuntimeError(err.decode(errors="replace").strip() or f"exit code {proc.returncode}")
    return out.decode(errors="replace")
