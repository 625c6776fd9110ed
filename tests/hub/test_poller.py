"""The shared poller: one squeue for many spawners, errors kept apart from "gone"."""

from __future__ import annotations

import asyncio

import pytest
from panhub.poller import SharedPoller, parse_squeue_many, run_shell
from panhub.slurm import JobPhase, parse_squeue


class FakeSqueue:
    """Answers like squeue for the jobs it knows; counts calls."""

    def __init__(self, jobs: dict[str, str]) -> None:
        self.jobs = jobs
        self.commands: list[str] = []
        self.fail = ""

    async def __call__(self, command: str) -> str:
        self.commands.append(command)
        await asyncio.sleep(0.01)
        if self.fail:
            raise RuntimeError(self.fail)
        asked = command.rsplit(" ", 1)[1].split(",")
        known = [j for j in asked if j in self.jobs]
        if not known:
            raise RuntimeError("slurm_load_jobs error: Invalid job id specified")
        return "".join(f"{j}|{self.jobs[j]}\n" for j in known)


def test_parse_squeue_many() -> None:
    out = "12|RUNNING|node1|2026-11-24T12:00:00|None\n13|PENDING|n/a|N/A|Resources\njunk\n"
    assert parse_squeue_many(out) == {
        "12": "RUNNING|node1|2026-11-24T12:00:00|None",
        "13": "PENDING|n/a|N/A|Resources",
    }


async def test_many_polls_share_one_call() -> None:
    fake = FakeSqueue({"1": "RUNNING|n1|x|None", "2": "PENDING|n/a|N/A|Resources"})
    poller = SharedPoller(fake, "squeue -j {job_ids}", max_age=60)
    poller._jobs.update({"1", "2"})
    first = await asyncio.gather(*(poller.status(j) for j in ["1", "2", "1", "2"]))
    assert first == ["RUNNING|n1|x|None", "PENDING|n/a|N/A|Resources"] * 2
    assert fake.commands == ["squeue -j 1,2"]
    assert await poller.status("1") == "RUNNING|n1|x|None"
    assert len(fake.commands) == 1  # still fresh


async def test_a_new_job_is_asked_for_at_once() -> None:
    fake = FakeSqueue({"1": "RUNNING|n1|x|None", "3": "RUNNING|n1|x|None"})
    poller = SharedPoller(fake, "squeue -j {job_ids}", max_age=60)
    await poller.status("1")
    assert await poller.status("3") == "RUNNING|n1|x|None"  # not "gone" from the old answer
    assert fake.commands == ["squeue -j 1", "squeue -j 1,3"]


async def test_gone_jobs_are_dropped_and_errors_are_unknown() -> None:
    fake = FakeSqueue({"1": "RUNNING|n1|x|None"})
    poller = SharedPoller(fake, "squeue -j {job_ids}", max_age=0)
    assert await poller.status("9") == ""  # alone and invalid: squeue's error means gone
    assert parse_squeue(await poller.status("9")).phase is JobPhase.GONE
    await poller.status("1")
    assert fake.commands[-1] == "squeue -j 1"  # 9 is no longer asked for
    fake.fail = "slurm_load_jobs error: Unable to contact slurm controller (connect failure)"
    text = await poller.status("1")
    assert parse_squeue(text).phase is JobPhase.UNKNOWN


async def test_run_shell() -> None:
    assert await run_shell("echo hi") == "hi\n"
    with pytest.raises(RuntimeError, match=r"^oops$"):
        await run_shell("echo oops >&2; exit 3")
    with pytest.raises(RuntimeError, match=r"timed out after 0\.2 s"):
        await run_shell("sleep 5", timeout=0.2)
