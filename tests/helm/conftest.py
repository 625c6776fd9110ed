"""The chart loaded once per session (the Helm SDK's import and load cost ~0.2 s), and the
hub configurations it renders loaded once (a subprocess that imports JupyterHub)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.chart import (
    CHART,
    NO_GPU,
    POSTGRES,
    SLURM,
    ChartRenderer,
    demo_values,
    merge,
    probe_hub_configs,
)


@pytest.fixture(scope="session")
def renderer() -> Iterator[ChartRenderer]:
    from helm_python.chart import Chart

    with Chart.load(str(CHART)) as chart:
        yield ChartRenderer(chart)


#: the renders whose hub configuration is loaded (in one subprocess, for the session)
PROBED = {
    "kubernetes": {},
    "kubernetes-postgres-no-gpu": merge(POSTGRES, NO_GPU),
    "slurm": SLURM,
}
#: two of the demo's users (hub_config/demo/proposals.toml), with different proposals
USERS = ["alice", "bob"]


@pytest.fixture(scope="session")
def probes(
    renderer: ChartRenderer, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, dict[str, Any]]:
    """What the hub makes of each of :data:`PROBED`'s configurations, for :data:`USERS`."""
    renders = {
        name: renderer.render(merge(demo_values(), values)) for name, values in PROBED.items()
    }
    return probe_hub_configs(renders, tmp_path_factory.mktemp("hub"), USERS)
