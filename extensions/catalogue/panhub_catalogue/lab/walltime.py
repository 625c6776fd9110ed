"""When this server's SLURM job ends: what the Lab's walltime warning needs.

The job script exports ``PANHUB_JOB_END`` (its start plus its time limit, in seconds
since 1970: SLURM 22.05 gives a job no ``SLURM_JOB_END_TIME``), the spawner
``PANHUB_WALLTIME_WARNING_MINUTES`` (``FacilitySlurmSpawner.walltime_warning_minutes``),
and SLURM ``SLURM_JOB_ID`` and ``SLURMD_NODENAME``. An administrator may change a running
job's limit (``scontrol update JobId=ID TimeLimit=...``), so :class:`JobClock` asks
``squeue`` for the job's end too, at most every :attr:`PanhubWalltime.refresh_seconds`,
and keeps what it knew when squeue fails. A server outside SLURM has no job and no end:
the Lab then shows nothing.

No web framework here: the route (:mod:`panhub_catalogue.lab.job`) is a thin adapter.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from traitlets import Float, List, Unicode, default
from traitlets.config import Configurable

#: The job's end, seconds since 1970 (the job script's export).
END_ENV = "PANHUB_JOB_END"
#: Minutes before the end at which the Lab warns (the spawner's export).
WARNING_ENV = "PANHUB_WALLTIME_WARNING_MINUTES"
DEFAULT_WARNING_MINUTES = 10.0

log = logging.getLogger(__name__)

#: Runs squeue for a job id and returns what it printed; raises when squeue fails.
Ask = Callable[[str], Awaitable[str]]


class PanhubWalltime(Configurable):
    """The walltime warning's settings in the user's server (``c.PanhubWalltime``).

    Every setting has a default, from the environment the job gives the server where
    there is one, so a deployment sets none of them.
    """

    warning_minutes = Float(
        config=True,
        help="Minutes before the job's end at which the Lab warns its user, e.g. 10 "
        f"(0: no warning). Defaults to ${WARNING_ENV} (set by the hub's "
        f"FacilitySlurmSpawner.walltime_warning_minutes), else {DEFAULT_WARNING_MINUTES:g}.",
    )
    refresh_seconds = Float(
        180.0,
        config=True,
        help="Seconds one squeue answer about the job's end is used before the next Lab "
        "request asks again (so that a changed TimeLimit is seen), e.g. 180.",
    )
    squeue_command = List(
        Unicode(),
        ["squeue", "-h", "-j", "{job_id}", "-o", "%e"],
        config=True,
        help="The command that prints the job's end time (squeue's %e, local time "
        "YYYY-MM-DDTHH:MM:SS); '{job_id}' is replaced by the job id. Empty: never ask, "
        f"use ${END_ENV} only.",
    )
    squeue_timeout = Float(
        10.0, config=True, help="Seconds squeue may take before its answer is given up."
    )

    @default("warning_minutes")
    def _default_warning_minutes(self) -> float:
        return read_minutes(os.environ.get(WARNING_ENV, ""))


@dataclass(frozen=True)
class JobTime:
    """The job this server runs in, as far as the walltime warning cares."""

    job_id: str | None
    node: str | None
    #: seconds since 1970; None outside SLURM or when nothing says
    end: float | None
    warning_minutes: float

    def describe(self, now: float) -> dict[str, Any]:
        """The route's JSON: ``now`` is this server's clock, against the browser's skew."""
        return {
            "jobId": self.job_id,
            "node": self.node,
            "end": self.end,
            "warningMinutes": self.warning_minutes,
            "now": now,
        }


def read_minutes(text: str) -> float:
    """A lead time in minutes from the environment; the default if missing or bad.

    >>> read_minutes("2.5"), read_minutes(""), read_minutes("-3"), read_minutes("x")
    (2.5, 10.0, 10.0, 10.0)
    """
    try:
        minutes = float(text)
    except ValueError:
        return DEFAULT_WARNING_MINUTES
    return minutes if 0 <= minutes < float("inf") else DEFAULT_WARNING_MINUTES


def read_job_env(env: Mapping[str, str], warning_minutes: float) -> JobTime:
    """The job as its environment tells it: id, node, end (no job: all None)."""
    job_id = env.get("SLURM_JOB_ID", "").strip() or None
    node = (env.get("SLURMD_NODENAME") or env.get("SLURM_JOB_NODELIST") or "").strip() or None
    end: float | None = None
    if job_id:
        try:
            end = float(env.get(END_ENV, ""))
        except ValueError:
            end = None
    return JobTime(job_id, node, end, warning_minutes)


def parse_end(text: str) -> float | None:
    """squeue's ``%e`` (local time, ``2026-03-01T17:45:00``) as seconds since 1970.

    None for anything else: ``Unknown``, ``NONE`` (no limit), an error message, nothing.
    """
    lines = text.strip().splitlines()
    try:
        when = datetime.fromisoformat(lines[-1].strip()) if lines else None
    except ValueError:
        return None
    return when.timestamp() if when is not None and when.year > 1970 else None


class JobClock:
    """The job's end, from its environment, refreshed from squeue now and then.

    Parameters
    ----------
    job
        What the environment said (:func:`read_job_env`).
    ask
        Runs squeue for a job id (:func:`make_squeue`); None: never ask.
    refresh_seconds
        How long one answer (or one failure) is used before asking again.
    clock
        Monotonic seconds (a fake in tests).
    """

    def __init__(
        self,
        job: JobTime,
        ask: Ask | None,
        refresh_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.job = job
        self._ask = ask
        self._refresh = refresh_seconds
        self._clock = clock
        self._asked: float | None = None

    async def get(self) -> JobTime:
        """The job, with its end as squeue last gave it (asked if that is too old)."""
        if self._ask is None or self.job.job_id is None or not self._is_stale():
            return self.job
        # claimed before the call: requests meanwhile get the last answer, no second squeue
        self._asked = self._clock()
        try:
            end = parse_end(await self._ask(self.job.job_id))
        except (OSError, RuntimeError, TimeoutError) as exc:
            log.warning("panhub walltime: squeue failed (%s); keeping the end time known", exc)
            return self.job
        if end is None:
            log.warning("panhub walltime: squeue gave no end time; keeping the one known")
        elif end != self.job.end:
            self.job = replace(self.job, end=end)
        return self.job

    def _is_stale(self) -> bool:
        return self._asked is None or self._clock() - self._asked >= self._refresh


def make_squeue(command: Sequence[str], timeout: float) -> Ask | None:
    """An :data:`Ask` running ``command`` (``{job_id}`` filled in); None without a command."""
    if not command:
        return None

    async def ask(job_id: str) -> str:
        argv = [part.replace("{job_id}", job_id) for part in command]
        process = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            out, err = await asyncio.wait_for(process.communicate(), timeout)
        except TimeoutError:
            process.kill()
            await process.wait()
            raise TimeoutError(f"{argv[0]} took over {timeout:g} s") from None
        if process.returncode != 0:
            message = err.decode(errors="replace").strip()[:200]
            raise RuntimeError(f"{argv[0]} exited with {process.returncode}: {message}")
        return out.decode(errors="replace")

    return ask


def make_job_clock(config: PanhubWalltime, env: Mapping[str, str]) -> JobClock:
    """The server's one clock, from its settings and environment."""
    job = read_job_env(env, config.warning_minutes)
    ask = make_squeue(config.squeue_command, config.squeue_timeout)
    return JobClock(job, ask, config.refresh_seconds)
