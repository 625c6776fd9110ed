"""FacilitySlurmSpawner's SLURM commands through a submit host (submit_prefix)."""

from __future__ import annotations

import shlex
from types import SimpleNamespace

import batchspawner.batchspawner
import pytest
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
