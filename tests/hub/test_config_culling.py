"""hub_config/jupyterhub_config.py's idle culling, as the environment sets it.

The file is loaded as JupyterHub loads it (traitlets' Python config loader), with the
PANHUB_* variables of each case.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

CONFIG = Path(__file__).resolve().parents[2] / "hub_config" / "jupyterhub_config.py"
VARIABLES = (
    "PANHUB_CULL_IDLE_TIMEOUT",
    "PANHUB_CULL_EVERY",
    "PANHUB_CULL_MAX_AGE",
    "PANHUB_CULL_REMOVE_NAMED",
    "PANHUB_KERNEL_CULL_TIMEOUT",
    "PANHUB_SERVER_IDLE_SHUTDOWN",
    "PANHUB_HUB_URL",
)


def load(monkeypatch: pytest.MonkeyPatch, **env: str) -> Config:
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return PyFileConfigLoader(CONFIG.name, path=str(CONFIG.parent)).load_config()


def culler(config: Config) -> dict[str, Any] | None:
    found = [s for s in config.JupyterHub.services if s["name"] == "jupyterhub-idle-culler"]
    return found[0] if found else None


@pytest.mark.parametrize("timeout", [None, "", "0"])
def test_nothing_is_culled_unless_the_site_says_so(
    monkeypatch: pytest.MonkeyPatch, timeout: str | None
) -> None:
    config = load(monkeypatch, **({} if timeout is None else {"PANHUB_CULL_IDLE_TIMEOUT": timeout}))
    assert culler(config) is None
    assert all(r["name"] != "jupyterhub-idle-culler" for r in config.JupyterHub.load_roles)
    assert "last_activity_interval" not in config.JupyterHub
    assert config.Spawner.args == ["--LabApp.copy_absolute_path=True"]


def test_the_culler_runs_as_a_hub_service_with_the_sites_limits(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config = load(
        monkeypatch,
        PANHUB_CULL_IDLE_TIMEOUT="7200",
        PANHUB_CULL_MAX_AGE="86400",
        PANHUB_HUB_URL="http://10.0.0.5:8081",
    )
    assert culler(config) == {
        "name": "jupyterhub-idle-culler",
        "command": [
            sys.executable, "-m", "jupyterhub_idle_culler",
            "--url=http://10.0.0.5:8081/hub/api", "--timeout=7200", "--cull-every=600",
            "--concurrency=10", "--max-age=86400", "--cull-admin-users=true",
        ],
    }  # fmt: skip
    # named servers are stopped (their jobs cancelled), not removed with their choices
    assert "--remove-named-servers" not in culler(config)["command"]
    [role] = [r for r in config.JupyterHub.load_roles if r["name"] == "jupyterhub-idle-culler"]
    assert "delete:servers" in role["scopes"]
    # JupyterHub's default of 300 s would let a used server look idle under a short timeout
    assert config.JupyterHub.last_activity_interval == 300


def test_a_short_timeout_gathers_activity_often(monkeypatch: pytest.MonkeyPatch) -> None:
    config = load(
        monkeypatch,
        PANHUB_CULL_IDLE_TIMEOUT="40",
        PANHUB_CULL_EVERY="5",
        PANHUB_CULL_REMOVE_NAMED="1",
    )
    command = culler(config)["command"]
    assert "--timeout=40" in command
    assert "--cull-every=5" in command
    assert "--remove-named-servers" in command
    # from the proxy's routes (hub) and from the servers themselves, 4 times per timeout
    assert config.JupyterHub.last_activity_interval == 10
    assert config.Spawner.environment.get_value({}) == {"JUPYTERHUB_ACTIVITY_INTERVAL": "10"}


def test_kernels_and_servers_can_end_themselves(monkeypatch: pytest.MonkeyPatch) -> None:
    config = load(
        monkeypatch, PANHUB_KERNEL_CULL_TIMEOUT="3600", PANHUB_SERVER_IDLE_SHUTDOWN="14400"
    )
    assert config.Spawner.args == [
        "--LabApp.copy_absolute_path=True",
        "--MappingKernelManager.cull_idle_timeout=3600",
        "--MappingKernelManager.cull_interval=300",
        "--ServerApp.shutdown_no_activity_timeout=14400",
    ]
    assert culler(config) is None


@pytest.mark.parametrize("value", ["1h", "-5", "2.5", " 60"])
def test_a_bad_value_names_the_variable(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    with pytest.raises(ValueError, match="PANHUB_CULL_IDLE_TIMEOUT must be a whole number"):
        load(monkeypatch, PANHUB_CULL_IDLE_TIMEOUT=value)
