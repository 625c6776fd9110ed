"""FacilitySlurmSpawner's SLURM commands through a submit host (submit_prefix)."""

from __future__ import annotations

import asyncio
import shlex
from types import SimpleNamespace

import batchspawner.batchspawner
import pytest
from batchspawner import SlurmSpawner
from batchspawner.batchspawner import JobStatus
from panhub.spawner import FacilitySlurmSpawner
from traitlets.config import Config


@pytest.mark.parametrize("prefix", ["", "ssh -o BatchMode=yes panhub@login"])
async def test_every_slurm_command_goes_through_the_submit_prefix(
    monkeypatch: pytest.MonkeyPatch, prefix: str
) -> None:
    ran: list[str] = []

    async def record(self: object, cmd: str, input: object = None, env: object = None) -> str:
        ran.append(cmd)
        return "cpu|4|8000|(null)|1:00:00|30:00|up"

    monkeypatch.setattr(batchspawner.batchspawner.BatchSpawnerBase, "run_command", record)
    monkeypatch.setattr(FacilitySlurmSpawner, "_sinfo_cache", None)
    monkeypatch.setattr(FacilitySlurmSpawner, "_poller", None)
    config = Config()
    config.FacilitySlurmSpawner.submit_prefix = prefix
    config.FacilitySlurmSpawner.kernels_path = []
    user = SimpleNamespace(name="alice", id=1, url="/user/alice/", escaped_name="alice")
    hub = SimpleNamespace(public_host="", url="/hub/", base_url="/", api_url="http://hub/hub/api")
    spawner = FacilitySlurmSpawner(config=config, user=user, hub=hub)
    assert [c.name for c in await spawner.get_partition_choices()] == ["cpu"]
    spawner.job_id = "42"
    await spawner.cancel_batch_job()
    inner = ["sinfo -h -a -o '%R|%c|%m|%G|%l|%L|%a'", "sudo -E -u alice scancel 42"]
    if not prefix:
        assert ran == inner
    else:
        assert [shlex.split(c)[:-1] for c in ran] == [shlex.split(prefix)] * 2
        assert [shlex.split(c)[-1] for c in ran] == inner
    poll = spawner.get_shared_poller().command
    assert poll.startswith(prefix) and "{job_ids}" in poll


# ---------------------------------------------------------------- faults never lose a server

RUNNING = "RUNNING|cpu2|2026-11-24T12:00:00|2026-11-24T22:00:00|None"


class FakeSlurm:
    """Shell commands as the hub runs them: squeue (one or many jobs) and scontrol."""

    def __init__(self) -> None:
        self.squeue: dict[str, str] = {}
        self.scontrol = "slurm_load_jobs error: Invalid job id specified"
        self.error: BaseException | None = None
        self.commands: list[str] = []

    async def __call__(self, command: str, input: object = None, env: object = None) -> str:
        self.commands.append(command)
        if self.error is not None:
            raise self.error
        if "scancel" in command:
            return ""
        if "scontrol" in command:
            if "error" in self.scontrol:
                raise RuntimeError(self.scontrol)
            return self.scontrol
        if "--states=all" not in command:
            raise AssertionError(f"squeue must be asked for ended jobs too: {command}")
        ids = command.split(" -j ")[1].split()[0].split(",")
        lines = [f"{j}|{self.squeue[j]}" for j in ids if j in self.squeue]
        if not lines:
            raise RuntimeError("slurm_load_jobs error: Invalid job id specified")
        if "%i|" not in command:  # the per-job query: no job id column
            return "\n".join(line.split("|", 1)[1] for line in lines)
        return "\n".join(lines)


@pytest.fixture
def slurm(monkeypatch: pytest.MonkeyPatch) -> FakeSlurm:
    fake = FakeSlurm()
    monkeypatch.setattr("panhub.spawner.run_shell", fake)
    monkeypatch.setattr(FacilitySlurmSpawner, "run_command", fake)
    monkeypatch.setattr(FacilitySlurmSpawner, "_poller", None)
    return fake


class NamedServerSpawner(FacilitySlurmSpawner):
    """The spawner of a named server (JupyterHub takes the name from its database row)."""

    name = "gpu"


def make_spawner(name: str = "") -> FacilitySlurmSpawner:
    config = Config()
    config.FacilitySlurmSpawner.kernels_path = []
    config.FacilitySlurmSpawner.shared_poll_max_age = 0.0
    user = SimpleNamespace(name="alice", id=1, url="/user/alice/", escaped_name="alice")
    hub = SimpleNamespace(public_host="", url="/hub/", base_url="/", api_url="http://hub/hub/api")
    cls = NamedServerSpawner if name else FacilitySlurmSpawner
    spawner = cls(config=config, user=user, hub=hub)
    spawner.server = SimpleNamespace(port=8888, ip="cpu2", base_url="/user/alice/", url="")
    spawner.job_id = "42"
    return spawner


@pytest.mark.parametrize(
    "state,reason",
    [
        ("TIMEOUT", "it reached its time limit"),
        ("NODE_FAIL", "its node failed"),
        ("CANCELLED", "its job was cancelled outside the hub"),
        ("COMPLETED", "the server exited"),
    ],
)
async def test_an_ended_job_is_noticed_at_the_first_poll_and_its_user_told_why(
    slurm: FakeSlurm, state: str, reason: str
) -> None:
    slurm.squeue["42"] = f"{state}|cpu2|2026-11-24T12:00:00|2026-11-24T21:50:03|None"
    spawner = make_spawner("gpu")
    assert await spawner.poll() == 1
    assert len(slurm.commands) == 1  # one squeue, nothing else
    assert spawner.job_id == ""  # cleared: the hub removes the server
    end = spawner.last_end
    assert end is not None and (end.job_id, end.state, end.node) == ("42", state, "cpu2")
    assert end.message.startswith("Your server 'gpu' on cpu2 stopped at ")
    assert "21:50" in end.message and reason in end.message
    assert end.message.endswith("Files you saved are kept; unsaved notebook changes are lost.")
    # kept in the state the hub saves after clear_state, and read back by a new spawner
    state_saved = spawner.get_state()
    assert "job_id" not in state_saved and state_saved["last_end"]["state"] == state
    again = make_spawner("gpu")
    again.load_state(state_saved)
    assert again.last_end == end


async def test_a_scheduler_error_keeps_the_server(slurm: FakeSlurm) -> None:
    spawner = make_spawner()
    for error in (
        RuntimeError("slurm_load_jobs error: Unable to contact slurm controller"),
        RuntimeError("'squeue' timed out after 30 s"),
    ):
        slurm.error = error
        assert await spawner.poll() is None
        assert spawner.job_id == "42" and spawner.last_end is None


async def test_a_vanished_job_is_removed_once_confirmed(slurm: FakeSlurm) -> None:
    spawner = make_spawner()
    slurm.scontrol = "slurm_load_jobs error: Unable to contact slurm controller"
    assert await spawner.poll() is None  # squeue lost it, scontrol did not answer: keep
    assert spawner.job_id == "42"
    assert await spawner.poll() == 1  # left out twice in a row
    assert (
        spawner.last_end is not None and "SLURM no longer knows its job" in spawner.last_end.message
    )


async def test_a_job_still_queued_when_no_spawn_waits_is_cancelled(slurm: FakeSlurm) -> None:
    """A hub killed during a spawn: its successor's start-up check finds the job queued
    (the server row holds JupyterHub's random port). Cancel it at once; don't wait."""
    slurm.squeue["42"] = "PENDING||N/A|N/A|Resources"
    spawner = make_spawner("gpu")
    spawner._spawn_pending = True  # during a spawn a queued job is what we wait for
    assert await spawner.poll() is None
    assert not [c for c in slurm.commands if "scancel" in c]
    spawner._spawn_pending = False
    spawner._check_pending = True  # JupyterHub's check of its servers at start-up
    assert await spawner.poll() == 1
    assert [c for c in slurm.commands if "scancel" in c]
    assert spawner.job_id == ""
    end = spawner.last_end
    assert end is not None and end.state == "INTERRUPTED" and "hub restarted" in end.message


async def test_a_stop_the_hub_asked_for_leaves_no_message(slurm: FakeSlurm) -> None:
    slurm.squeue["42"] = "CANCELLED|cpu2|2026-11-24T12:00:00|2026-11-24T21:50:03|None"
    spawner = make_spawner()
    spawner._stop_pending = True  # JupyterHub's user.stop() polls first
    assert await spawner.poll() == 1
    assert spawner.last_end is None


async def test_the_per_job_query_confirms_and_treats_any_failure_as_unknown(
    slurm: FakeSlurm,
) -> None:
    spawner = make_spawner()
    slurm.error = TimeoutError()  # batchspawner 1.3.0 made this "not found"
    assert await spawner.query_job_status() is JobStatus.UNKNOWN
    slurm.error = None
    slurm.scontrol = "JobId=42 JobState=RUNNING BatchHost=cpu1"  # squeue raced: still there
    assert await spawner.query_job_status() is JobStatus.RUNNING
    assert spawner.state_gethost() == "cpu1"
    slurm.scontrol = "slurm_load_jobs error: Invalid job id specified"
    assert await spawner.query_job_status() is JobStatus.NOTFOUND
    slurm.squeue["42"] = RUNNING
    assert await spawner.query_job_status() is JobStatus.RUNNING


async def test_starting_again_clears_the_message(
    slurm: FakeSlurm, monkeypatch: pytest.MonkeyPatch
) -> None:
    slurm.squeue["42"] = "NODE_FAIL|cpu2|2026-11-24T12:00:00|2026-11-24T21:50:03|NodeDown"
    spawner = make_spawner()
    await spawner.poll()
    assert spawner.last_end is not None
    seen: list[object] = []

    async def submit() -> str:
        seen.append(spawner.get_state().get("last_end"))  # what save_state_now would write
        raise RuntimeError("stop the test here")

    monkeypatch.setattr(spawner, "submit_batch_script", submit)
    with pytest.raises(RuntimeError, match="stop the test here"):
        await spawner.start()
    assert seen == [None] and spawner.last_end is None


def test_the_shared_answers_age_follows_the_poll_interval() -> None:
    config = Config()
    config.Spawner.poll_interval = 20
    user = SimpleNamespace(name="alice", id=1, url="/user/alice/", escaped_name="alice")
    spawner = FacilitySlurmSpawner(config=config, user=user, hub=SimpleNamespace())
    assert spawner.shared_poll_max_age == pytest.approx(18.0)  # about one squeue per interval


async def test_slurm_commands_get_the_hubs_cluster_and_none_of_its_secrets(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """sbatch gets the job's environment, scancel and squeue the hub's PATH and SLURM_CONF
    only: they run as the user (sudo -E), who may read their environment."""
    seen: list[dict[str, str] | None] = []

    async def fake_run(self: object, cmd: str, input: str | None = None, env=None) -> str:
        seen.append(env)
        return ""

    monkeypatch.setattr(SlurmSpawner, "run_command", fake_run)
    monkeypatch.setenv("SLURM_CONF", "/etc/slurm-multi/slurm.conf")
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    for secret in ("PANHUB_API_TOKEN", "CONFIGPROXY_AUTH_TOKEN", "JUPYTERHUB_CRYPT_KEY"):
        monkeypatch.setenv(secret, "hub-secret")
    spawner = make_spawner()
    await spawner.run_command("sbatch", input="#!/bin/bash\n", env={"JUPYTERHUB_USER": "alice"})
    await spawner.run_command("scancel 42")
    job, other = seen
    assert job is not None and other is not None
    assert job["JUPYTERHUB_USER"] == "alice"
    assert job["SLURM_CONF"] == other["SLURM_CONF"] == "/etc/slurm-multi/slurm.conf"
    assert other["PATH"] == "/usr/bin:/bin"
    assert "hub-secret" not in {*job.values(), *other.values()}
    assert set(other) <= {"PATH", "LANG", "LC_ALL", "TZ", "SLURM_CONF"}


async def test_a_storm_of_starts_shares_one_sinfo_and_one_squeue(
    slurm: FakeSlurm, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ten spawns at once: one sinfo for their forms, their waiting jobs in one squeue."""
    sinfo_calls: list[str] = []

    async def run_command(cmd: str, input: object = None, env: object = None) -> str:
        if cmd.startswith("sinfo"):
            sinfo_calls.append(cmd)
            await asyncio.sleep(0.05)
            return "cpu*|8|16000|(null)|12:00:00|1:00:00|up\n"
        return await slurm(cmd, input, env)

    monkeypatch.setattr(
        FacilitySlurmSpawner, "run_command", lambda self, *a, **k: run_command(*a, **k)
    )
    monkeypatch.setattr(FacilitySlurmSpawner, "_sinfo_cache", None)
    spawners = [make_spawner() for _ in range(10)]
    choices = await asyncio.gather(*(s.get_cluster_partitions() for s in spawners))
    assert len(sinfo_calls) == 1 and all(c == choices[0] for c in choices)

    for n, spawner in enumerate(spawners):
        spawner.job_id = str(100 + n)
        slurm.squeue[spawner.job_id] = "PENDING|n/a|N/A|N/A|Resources"
    await asyncio.gather(*(s.check_starting_job() for s in spawners))
    squeues = [c for c in slurm.commands if c.startswith("squeue") or " squeue " in c]
    assert len(squeues) <= 2, squeues  # one, or two when the first began before all asked
    assert all(s.job_info.reason == "Resources" for s in spawners)
