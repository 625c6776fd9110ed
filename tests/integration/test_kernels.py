"""The staff kernels on a user's server, started through the hub as a SLURM job.

The server finds them through ``JUPYTER_PATH`` (``FacilitySlurmSpawner.kernels_path``)
inside the job's view, lists them with their technique, and a cell on the SAXS kernel
runs in that kernel's own environment with its science library and panhub's packages.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.support.hub import HubAPI
from tests.support.kernel import Kernel
from tests.support.kernels import PREFIX, build_kernels, build_wheel, kernel_id


@pytest.fixture(scope="module")
def saxs(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The SAXS kernel, built (or found unchanged) in the shared prefix."""
    wheel = build_wheel(tmp_path_factory.mktemp("wheel"))
    build_kernels(["saxs"], wheel)
    return kernel_id("saxs")


@pytest.fixture(scope="module")
def server(api: HubAPI, saxs: str) -> Iterator[str]:
    api.start("alice", {"memory_gb": 2})
    yield "alice"
    api.stop("alice")


def test_the_users_server_lists_and_runs_the_staff_kernels(
    api: HubAPI, saxs: str, server: str
) -> None:
    token = api.as_user(server).token
    specs = requests.get(
        f"{api.base}/user/{server}/api/kernelspecs",
        headers={"Authorization": f"token {token}"},
        timeout=30,
    ).json()["kernelspecs"]
    assert saxs in specs
    spec = specs[saxs]["spec"]
    assert spec["display_name"].startswith("SAXS/WAXS")
    assert spec["metadata"]["panhub"]["technique"] == "small angle scattering"
    assert any(name.startswith("logo") for name in specs[saxs]["resources"])
    kernel = Kernel(api.base, server, token, name=saxs)
    try:
        out = kernel.run(
            "import os, sys, pyFAI, panhub_nexus, panhub_catalogue\n"
            "print(sys.prefix); print(pyFAI.version); print(os.environ['SLURM_JOB_ID'] != '')"
        )
    finally:
        kernel.shutdown()
    prefix, version, in_job = out.splitlines()
    assert Path(prefix).resolve().is_relative_to(PREFIX / "envs")
    assert version[0].isdigit()
    assert in_job == "True"
