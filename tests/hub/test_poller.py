"""The shared poller: one squeue for many spawners; a job is gone only when that is sure."""

from __future__ import annotations

import asyncio
import time

import pytest
from panhub.poller import SharedPoller, parse_squeue_many, run_shell
from panhub.slurm import JobInfo, JobPhase

RUNNING = "RUNNING|n1|2026-11-24T12:00:00|2026-11-24T13:00:00|None"
PENDING = "PENDING|n/a|N/A|N/A|Resources"
CONFIRM = "scontrol show job -o {job_id}"


class FakeSlurm:
    """Answers like squeue (``-j`` list) and ``scontrol show job``; records every command."""

    def __init__(self, jobs: dict[str, str], scontrol: dict[str, str] | None = None) -> None:
        self.jobs = jobs
        self.scontrol = scontrol or {}
        self.commands: list[str] = []
        self.fail = ""

    async def __call__(self, command: str) -> str:
        self.commands.append(command)
        await asyncio.sleep(0.01)
        if self.fail:
            raise RuntimeError(self.fail)
        job_id = command.rsplit(" ", 1)[1]
        if command.startswith("scontrol"):
            answer = self.scontrol.get(job_id, "slurm_load_jobs error: Invalid job id specified")
            if "error" in answer:
                raise RuntimeError(answer)
            return answer
        known = [j for j in job_id.split(",") if j in self.jobs]
        if not known:
            raise RuntimeError("slurm_load_jobs error: Invalid job id specified")
        return "".join(f"{j}|{self.jobs[j]}\n" for j in known)

    def squeue_calls(self) -> list[str]:
        return [c for c in self.commands if c.startswith("squeue")]


def make_poller(fake: FakeSlurm, max_age: float = 0, confirm: str = CONFIRM) -> SharedPoller:
    return SharedPoller(fake, "squeue -j {job_ids}", max_age=max_age, confirm=confirm)


def test_parse_squeue_many() -> None:
    out = f"12|{RUNNING}\n13|{PENDING}\njunk\n"
    assert parse_squeue_many(out) == {"12": RUNNING, "13": PENDING}


@pytest.mark.parametrize("n", [10, 200])
async def test_many_polls_share_one_call_whatever_n(n: int) -> None:
    jobs = {str(i): RUNNING if i % 2 else PENDING for i in range(1, n + 1)}
    fake = FakeSlurm(jobs)
    poller = make_poller(fake, max_age=60)
    poller._jobs.update(jobs)
    answers = await asyncio.gather(*(poller.status(j) for j in jobs))
    assert [a.phase for a in answers] == [
        JobPhase.RUNNING if i % 2 else JobPhase.PENDING for i in range(1, n + 1)
    ]
    assert answers[0].host == "n1"
    assert len(fake.commands) == 1  # one scheduler call, no second source
    assert (await poller.status("1")).phase is JobPhase.RUNNING
    assert len(fake.commands) == 1  # still fresh


async def test_a_new_job_is_asked_for_at_once() -> None:
    fake = FakeSlurm({"1": RUNNING, "3": RUNNING})
    poller = make_poller(fake, max_age=60)
    await poller.status("1")
    assert (await poller.status("3")).phase is JobPhase.RUNNING  # not judged on the old answer
    assert fake.commands == ["squeue -j 1", "squeue -j 1,3"]


@pytest.mark.parametrize(
    "state,end",
    [
        ("CANCELLED", "2026-11-24T21:50:03"),
        ("TIMEOUT", "2026-11-24T22:00:00"),
        ("NODE_FAIL", "2026-11-24T21:49:40"),
        ("COMPLETED", "2026-11-24T21:00:00"),
    ],
)
async def test_an_ended_job_is_gone_at_the_first_poll_with_its_reason(state: str, end: str) -> None:
    fake = FakeSlurm({"1": RUNNING, "2": f"{state}|cpu2|2026-11-24T12:00:00|{end}|None"})
    poller = make_poller(fake)
    info = (await asyncio.gather(poller.status("1"), poller.status("2")))[1]
    assert info == JobInfo(JobPhase.GONE, state, "cpu2", "2026-11-24T12:00:00", "", end)
    assert fake.commands == ["squeue -j 1,2"]  # one call, no second source needed
    await poller.status("1")
    assert fake.commands[-1] == "squeue -j 1"  # the gone job is no longer asked for


async def test_a_missing_job_is_gone_when_the_second_source_agrees() -> None:
    fake = FakeSlurm({"1": RUNNING}, scontrol={})  # scontrol: "Invalid job id specified"
    poller = make_poller(fake)
    poller._jobs.update({"1", "2"})
    assert (await poller.status("2")).phase is JobPhase.GONE
    assert fake.commands == ["squeue -j 1,2", "scontrol show job -o 2"]  # only the missing one


async def test_the_second_source_gives_the_end_state() -> None:
    scontrol = "JobId=2 JobName=x JobState=TIMEOUT Reason=TimeLimit EndTime=2026-11-24T22:00:00 BatchHost=gpu1"
    fake = FakeSlurm({"1": RUNNING}, scontrol={"2": scontrol})
    poller = make_poller(fake)
    poller._jobs.update({"1", "2"})
    info = await poller.status("2")
    assert (info.phase, info.state, info.host, info.end_time) == (
        JobPhase.GONE,
        "TIMEOUT",
        "gpu1",
        "2026-11-24T22:00:00",
    )


async def test_a_job_squeue_missed_but_scontrol_lists_is_kept() -> None:
    fake = FakeSlurm({}, scontrol={"2": "JobId=2 JobState=RUNNING BatchHost=cpu1"})
    poller = make_poller(fake)
    info = await poller.status("2")
    assert (info.phase, info.host) == (JobPhase.RUNNING, "cpu1")


async def test_unconfirmed_missing_is_unknown_then_gone_after_a_second_miss() -> None:
    fake = FakeSlurm({"1": RUNNING}, scontrol={"2": "sudo: error: a password is required"})
    poller = make_poller(fake)
    poller._jobs.update({"1", "2"})
    assert (await poller.status("2")).phase is JobPhase.UNKNOWN  # keep the server
    assert (await poller.status("2")).phase is JobPhase.GONE  # left out twice in a row
    assert sum(c.startswith("scontrol") for c in fake.commands) == 1  # not asked again


async def test_without_a_second_source_two_misses_make_gone() -> None:
    fake = FakeSlurm({"1": RUNNING})
    poller = make_poller(fake, confirm="")
    poller._jobs.update({"1", "2"})
    assert (await poller.status("2")).phase is JobPhase.UNKNOWN
    assert (await poller.status("2")).phase is JobPhase.GONE


async def test_a_job_seen_again_starts_its_misses_afresh() -> None:
    fake = FakeSlurm({"1": RUNNING})
    poller = make_poller(fake, confirm="")
    poller._jobs.update({"1", "2"})
    assert (await poller.status("2")).phase is JobPhase.UNKNOWN
    fake.jobs["2"] = RUNNING  # squeue lists it again (it had raced a state change)
    assert (await poller.status("2")).phase is JobPhase.RUNNING
    del fake.jobs["2"]
    assert (await poller.status("2")).phase is JobPhase.UNKNOWN  # a first miss again


@pytest.mark.parametrize(
    "error",
    [
        "slurm_load_jobs error: Unable to contact slurm controller (connect failure)",
        "'squeue' timed out after 30 s",
        "sudo: unable to resolve host",
    ],
)
async def test_a_failing_squeue_is_unknown_and_counts_no_miss(error: str) -> None:
    fake = FakeSlurm({"1": RUNNING})
    poller = make_poller(fake, confirm="")  # gone after two misses
    poller._jobs.update({"1", "2"})
    fake.fail = error
    for _ in range(3):  # however long the outage
        infos = await asyncio.gather(poller.status("1"), poller.status("2"))
        assert [i.phase for i in infos] == [JobPhase.UNKNOWN] * 2
        assert infos[0].reason == error
    fake.fail = ""
    infos = await asyncio.gather(poller.status("1"), poller.status("2"))
    assert [i.phase for i in infos] == [JobPhase.RUNNING, JobPhase.UNKNOWN]  # a first miss
    assert len(fake.commands) == 4


async def test_run_shell() -> None:
    assert await run_shell("echo hi") == "hi\n"
    with pytest.raises(RuntimeError, match=r"^oops$"):
        await run_shell("echo oops >&2; exit 3")
    started = time.monotonic()
    with pytest.raises(RuntimeError, match=r"timed out after 0\.2 s"):
        # a child of the shell (as squeue under sudo) holds the output open: killed too
        await run_shell("sleep 30 | cat; echo never", timeout=0.2)
    assert time.monotonic() - started < 10  # the deadline holds, not the child's 30 s


async def test_an_answer_asked_by_one_server_stops_another_whose_job_ended() -> None:
    """The watcher of a job that ended is called by whichever poll sees it, once."""
    fake = FakeSlurm({"1": RUNNING, "2": RUNNING})
    poller = make_poller(fake)
    ended: list[str] = []
    for job_id in ("1", "2"):
        await poller.status(job_id)
        poller.watch(job_id, lambda job_id=job_id: ended.append(job_id))
    fake.jobs["2"] = "CANCELLED|n1|2026-11-24T12:00:00|2026-11-24T12:05:00|None"
    assert (await poller.status("1")).phase is JobPhase.RUNNING  # server 1's poll
    assert ended == ["2"]  # server 2 is told without polling
    await poller.status("1")
    assert ended == ["2"]  # once
    fake.fail = "slurm_load_jobs error: Unable to contact slurm controller"
    fake.jobs["1"] = fake.jobs["2"]
    await poller.status("1")
    assert ended == ["2"]  # an outage ends nothing
