"""When the server's job ends: its environment, squeue's answer, how often squeue is asked."""

from __future__ import annotations

import asyncio
from datetime import datetime

import pytest
from panhub_catalogue.lab.walltime import (
    JobClock,
    JobTime,
    PanhubWalltime,
    make_squeue,
    parse_end,
    read_job_env,
)

JOB = JobTime("77", "gpu1", 1_900_000_000.0, 10.0)


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        (
            {"SLURM_JOB_ID": "77", "SLURMD_NODENAME": "gpu1", "PANHUB_JOB_END": "1900000000"},
            JobTime("77", "gpu1", 1_900_000_000.0, 5.0),
        ),
        # no PANHUB_JOB_END (a job from another spawner): squeue may still tell
        ({"SLURM_JOB_ID": "77", "SLURM_JOB_NODELIST": "cpu1"}, JobTime("77", "cpu1", None, 5.0)),
        ({"SLURM_JOB_ID": "77", "PANHUB_JOB_END": "soon"}, JobTime("77", None, None, 5.0)),
        # outside SLURM a stray end is no end
        ({"PANHUB_JOB_END": "1900000000"}, JobTime(None, None, None, 5.0)),
    ],
)
def test_read_job_env(env: dict[str, str], expected: JobTime) -> None:
    assert read_job_env(env, 5.0) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2030-03-01T17:45:00\n", datetime(2030, 3, 1, 17, 45).timestamp()),
        ("Unknown", None),
        ("NONE", None),
        ("N/A", None),
        ("", None),
        ("slurm_load_jobs error: Invalid job id specified", None),
    ],
)
def test_parse_end(text: str, expected: float | None) -> None:
    assert parse_end(text) == expected


@pytest.mark.parametrize(
    ("value", "expected"), [("2.5", 2.5), ("0", 0.0), ("-1", 10.0), ("", 10.0)]
)
def test_the_lead_time_comes_from_the_spawner(
    monkeypatch: pytest.MonkeyPatch, value: str, expected: float
) -> None:
    monkeypatch.setenv("PANHUB_WALLTIME_WARNING_MINUTES", value)
    assert PanhubWalltime().warning_minutes == expected


class Scheduler:
    """squeue's stand-in: answers ``end`` (or raises ``error``) and counts the calls."""

    def __init__(self) -> None:
        self.end = "2030-03-01T17:45:00"
        self.error: Exception | None = None
        self.calls = 0
        self.gate = asyncio.Event()
        self.gate.set()

    async def ask(self, job_id: str) -> str:
        assert job_id == "77"
        self.calls += 1
        await self.gate.wait()
        if self.error is not None:
            raise self.error
        return self.end


async def test_the_end_is_asked_again_only_after_the_refresh_period() -> None:
    now = [1000.0]
    scheduler = Scheduler()
    clock = JobClock(JOB, scheduler.ask, 180.0, clock=lambda: now[0])
    first = datetime(2030, 3, 1, 17, 45).timestamp()
    assert (await clock.get()).end == first
    scheduler.end = "2030-03-01T19:45:00"
    now[0] += 179.0
    assert (await clock.get()).end == first
    now[0] += 1.0
    assert (await clock.get()).end == datetime(2030, 3, 1, 19, 45).timestamp()
    assert scheduler.calls == 2


@pytest.mark.parametrize(
    "error", [RuntimeError("squeue exited with 1"), TimeoutError("slow"), OSError("no squeue")]
)
async def test_a_failure_keeps_the_end_and_waits_a_period(error: Exception) -> None:
    now = [0.0]
    scheduler = Scheduler()
    scheduler.error = error
    clock = JobClock(JOB, scheduler.ask, 60.0, clock=lambda: now[0])
    assert await clock.get() == JOB
    assert await clock.get() == JOB  # not asked again at once: a down controller is spared
    assert scheduler.calls == 1
    now[0] += 60.0
    scheduler.error = None
    assert (await clock.get()).end == datetime(2030, 3, 1, 17, 45).timestamp()


async def test_requests_at_once_ask_once() -> None:
    scheduler = Scheduler()
    scheduler.gate.clear()
    clock = JobClock(JOB, scheduler.ask, 60.0)
    first = asyncio.ensure_future(clock.get())
    await asyncio.sleep(0)
    assert await clock.get() == JOB  # meanwhile: what is known
    scheduler.gate.set()
    assert (await first).end == datetime(2030, 3, 1, 17, 45).timestamp()
    assert scheduler.calls == 1


async def test_no_job_no_squeue() -> None:
    scheduler = Scheduler()
    outside = JobTime(None, None, None, 10.0)
    assert await JobClock(outside, scheduler.ask, 0.0).get() == outside
    assert scheduler.calls == 0


async def test_squeue_that_hangs_is_given_up() -> None:
    ask = make_squeue(["sleep", "30", "{job_id}"], timeout=0.2)
    assert ask is not None
    with pytest.raises(TimeoutError, match=r"took over 0\.2 s"):
        await ask("77")


async def test_squeue_fills_in_the_job_id() -> None:
    ask = make_squeue(["echo", "-n", "job={job_id}"], timeout=5)
    assert ask is not None
    assert await ask("77") == "job=77"
    assert make_squeue([], timeout=5) is None
