"""hub_config/jupyterhub_config.py's server command and named-server limit, as the
environment sets them (the scale benchmark runs its light servers through these)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from batchspawner import SlurmSpawner
from traitlets.config import Config

from tests.hub.test_config_culling import load

VENV_BIN = Path(sys.prefix) / "bin"


def load_with(monkeypatch: pytest.MonkeyPatch, **env: str) -> Config:
    for name in ("PANHUB_SINGLEUSER_CMD", "PANHUB_NAMED_SERVER_LIMIT", "PANHUB_SPAWNER"):
        monkeypatch.delenv(name, raising=False)
    return load(monkeypatch, **env)


@pytest.mark.parametrize("spawner", ["panhub", "stock"])
def test_jobs_run_jupyterhub_singleuser_unless_told_otherwise(
    monkeypatch: pytest.MonkeyPatch, spawner: str
) -> None:
    config = load_with(monkeypatch, PANHUB_SPAWNER=spawner)
    assert config.Spawner.cmd == [str(VENV_BIN / "jupyterhub-singleuser")]
    assert config.JupyterHub.named_server_limit_per_user == 4

    config = load_with(
        monkeypatch,
        PANHUB_SPAWNER=spawner,
        PANHUB_SINGLEUSER_CMD="/var/lib/bench/tiny server.py --quiet",
        PANHUB_NAMED_SERVER_LIMIT="70",
    )
    # split as a shell splits it; the wrapper (panhub-singleuser, batchspawner-singleuser)
    # still runs it
    assert config.Spawner.cmd == ["/var/lib/bench/tiny", "server.py", "--quiet"]
    assert config.JupyterHub.named_server_limit_per_user == 70


def test_stock_jobs_go_to_the_hubs_cluster(monkeypatch: pytest.MonkeyPatch) -> None:
    # stock batchspawner runs sbatch with the job's environment only: without this, its
    # jobs would go to the default cluster while its squeue asks the hub's
    monkeypatch.setenv("SLURM_CONF", "/etc/slurm-multi/slurm.conf")
    config = load_with(monkeypatch, PANHUB_SPAWNER="stock")
    spawner = SlurmSpawner(config=config)
    assert spawner.environment == {"SLURM_CONF": "/etc/slurm-multi/slurm.conf"}
    assert spawner.batchspawner_singleuser_cmd == str(VENV_BIN / "batchspawner-singleuser")
