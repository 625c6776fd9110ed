"""What a job tells its server of its time limit: the end time and the warning's lead time."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import batchspawner.batchspawner
import pytest
from panhub.spawner import FacilitySlurmSpawner
from traitlets import TraitError
from traitlets.config import Config

SINFO = "cpu|4|8000|(null)|4:00:00|30:00|up"


def make_spawner(config: Config) -> FacilitySlurmSpawner:
    config.FacilitySlurmSpawner.kernels_path = []
    user = SimpleNamespace(name="alice", id=1, url="/user/alice/", escaped_name="alice")
    hub = SimpleNamespace(public_host="", url="/hub/", base_url="/", api_url="http://hub/hub/api")
    return FacilitySlurmSpawner(config=config, user=user, hub=hub)


@pytest.fixture
def submitted(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The commands the spawner ran, with their input (the job script) and environment."""
    ran: list[dict[str, Any]] = []

    async def record(self: object, cmd: str, input: str = "", env: object = None) -> str:
        ran.append({"cmd": cmd, "input": input, "env": env})
        return SINFO if cmd.startswith("sinfo") else "42"

    monkeypatch.setattr(batchspawner.batchspawner.BatchSpawnerBase, "run_command", record)
    monkeypatch.setattr(FacilitySlurmSpawner, "_sinfo_cache", None)
    monkeypatch.setattr(FacilitySlurmSpawner, "get_homedir", lambda self: "/home/alice")
    return ran


@pytest.mark.parametrize(("configured", "expected"), [(None, "10"), (2.5, "2.5"), (0, "0")])
async def test_the_job_carries_its_end_and_the_warnings_lead_time(
    submitted: list[dict[str, Any]], configured: float | None, expected: str
) -> None:
    config = Config()
    if configured is not None:
        config.FacilitySlurmSpawner.walltime_warning_minutes = configured
    spawner = make_spawner(config)
    spawner.user_options = {"partition": "cpu", "runtime": "2:05"}
    assert await spawner.submit_batch_script() == "42"
    [sbatch] = [r for r in submitted if "sbatch" in r["cmd"]]
    script = sbatch["input"]
    # the end: the job's start plus its limit, exported before the server starts
    assert "#SBATCH --time=02:05:00\n" in script
    assert "PANHUB_JOB_END=$(($(date +%s) + 7500))\nexport PANHUB_JOB_END\n" in script
    assert script.index("export PANHUB_JOB_END") < script.index("exec panhub-singleuser")
    # the lead time travels in the job's environment, which --export passes on
    assert sbatch["env"]["PANHUB_WALLTIME_WARNING_MINUTES"] == expected
    [export] = [line for line in script.splitlines() if line.startswith("#SBATCH --export=")]
    assert "PANHUB_WALLTIME_WARNING_MINUTES" in export.split("=", 1)[1].split(",")


def test_a_negative_lead_time_is_refused() -> None:
    config = Config()
    config.FacilitySlurmSpawner.walltime_warning_minutes = -5
    with pytest.raises(TraitError):
        make_spawner(config)
