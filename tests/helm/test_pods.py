"""Users' pods in the kubernetes mode carry exactly their own proposals, as SLURM jobs do.

The pods are FacilityKubeSpawner's manifests (KubeSpawner's ``make_pod``, no cluster)
for two demo users, built from the chart's rendered configuration with each user's
proposals as their login puts them in ``auth_state`` (tests/support/hub_probe.py). The
SLURM side is the bubblewrap command the SLURM spawner builds for the same user from the
same mount rule (:func:`panhub.mounts.make_view`, :func:`panhub.mounts.render_bwrap`).
"""

from __future__ import annotations

import tomllib
from typing import Any

import pytest
from panhub.mounts import Layout, make_view, render_bwrap
from panhub.proposals import parse_directory, resolve_access

from tests.helm.conftest import USERS
from tests.support.chart import ROOT

DIRECTORY = parse_directory(
    tomllib.loads((ROOT / "hub_config" / "demo" / "proposals.toml").read_text())
)
LAYOUT = Layout(root="/srv/proposals", view="/data")


def slurm_data_binds(user: str) -> set[tuple[str, str, bool]]:
    """(source, target, writable) of the proposal binds in the SLURM job's data view."""
    access = resolve_access(user, DIRECTORY)
    argv = render_bwrap(make_view(user, access.proposals, LAYOUT, f"/home/{user}"), LAYOUT)
    binds = set()
    for i, word in enumerate(argv):
        if word in ("--bind", "--ro-bind") and argv[i + 1].startswith(LAYOUT.root + "/"):
            binds.add((argv[i + 1], argv[i + 2], word == "--bind"))
    return binds


def pod_data_mounts(pod: dict[str, Any]) -> set[tuple[str, str, bool]]:
    """(source in the proposals root, target, writable) of the pod's proposals volume."""
    volumes = {v["name"]: v for v in pod["spec"]["volumes"]}
    claim_volumes = {
        name
        for name, v in volumes.items()
        if v.get("persistentVolumeClaim", {}).get("claimName") == "panhub-proposals"
    }
    assert claim_volumes == {"proposals"}
    (container,) = pod["spec"]["containers"]
    return {
        (f"{LAYOUT.root}/{m['subPath']}", m["mountPath"], not m.get("readOnly", False))
        for m in container["volumeMounts"]
        if m["name"] == "proposals"
    }


@pytest.mark.parametrize("user", USERS)
@pytest.mark.parametrize("profile", ["cpu", "gpu"])
def test_each_pod_mounts_its_users_proposals_as_slurm_does(
    probes: dict[str, dict[str, Any]], user: str, profile: str
) -> None:
    pod = probes["kubernetes"]["pods"][f"{user}:{profile}"]
    expected = slurm_data_binds(user)
    assert len(expected) == 2 * len(resolve_access(user, DIRECTORY).proposals) >= 8
    assert pod_data_mounts(pod) == expected
    for _source, target, writable in expected:
        assert writable == target.endswith("/processed")  # raw read-only, processed writable


@pytest.mark.parametrize("user", USERS)
def test_nothing_else_of_the_data_reaches_the_pod(
    probes: dict[str, dict[str, Any]], user: str
) -> None:
    pod = probes["kubernetes"]["pods"][f"{user}:gpu"]
    (container,) = pod["spec"]["containers"]
    others = [m for m in container["volumeMounts"] if m["name"] != "proposals"]
    assert sorted(m["name"] for m in others) == ["home", "kernels", "tmp"]
    for mount in others:
        assert not mount["mountPath"].startswith(("/data", "/srv/proposals")), mount
    assert {"name": "kernels", "mountPath": "/opt/panhub/kernels", "readOnly": True} in others
    volumes = {v["name"]: v for v in pod["spec"]["volumes"]}
    assert volumes["home"] == {
        "name": "home",
        "persistentVolumeClaim": {"claimName": f"claim-{user}"},
    }


def test_two_users_see_different_proposals(probes: dict[str, dict[str, Any]]) -> None:
    alice = pod_data_mounts(probes["kubernetes"]["pods"]["alice:cpu"])
    bob = pod_data_mounts(probes["kubernetes"]["pods"]["bob:cpu"])
    shared = {m for m in alice & bob}
    # 20210005 has both as members; everything else is one's or the other's
    assert {target.split("/")[2] for _, target, _ in shared} == {"20210005"}
    assert "/data/20260001/raw" not in {t for _, t, _ in bob}
    assert "/data/20260002/raw" not in {t for _, t, _ in alice}


def resources(pod: dict[str, Any]) -> dict[str, Any]:
    return dict(pod["spec"]["containers"][0]["resources"])


def test_the_gpu_profile_asks_for_gpus_on_gpu_nodes(probes: dict[str, dict[str, Any]]) -> None:
    gpu = probes["kubernetes"]["pods"]["alice:gpu"]
    assert resources(gpu)["limits"] == {"cpu": 2.0, "memory": 8 * 1024**3, "nvidia.com/gpu": "1"}
    assert resources(gpu)["requests"] == resources(gpu)["limits"]
    assert gpu["spec"]["nodeSelector"] == {"nvidia.com/gpu.present": "true"}
    assert gpu["spec"]["tolerations"] == [
        {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}
    ]
    # the form's run time (1:30) is the pod's deadline, as a job's time limit
    assert gpu["spec"]["activeDeadlineSeconds"] == 90 * 60


def test_the_cpu_profile_stays_off_gpus(probes: dict[str, dict[str, Any]]) -> None:
    for report in (probes["kubernetes"], probes["kubernetes-postgres-no-gpu"]):
        cpu = report["pods"]["alice:cpu"]
        assert resources(cpu)["limits"] == {"cpu": 1.0, "memory": 4 * 1024**3}
        assert not cpu["spec"].get("nodeSelector")
        assert not cpu["spec"].get("tolerations")
        assert cpu["spec"]["activeDeadlineSeconds"] == 60 * 60
    assert "alice:gpu" not in probes["kubernetes-postgres-no-gpu"]["pods"]


def test_servers_see_the_data_layout_and_the_catalogue(probes: dict[str, dict[str, Any]]) -> None:
    pod = probes["kubernetes"]["pods"]["bob:cpu"]
    env = {e["name"]: e.get("value") for e in pod["spec"]["containers"][0]["env"]}
    assert env["PANHUB_PROPOSALS_ROOT"] == "/srv/proposals"
    assert env["PANHUB_PROPOSALS_VIEW"] == "/data"
    assert env["PANHUB_CATALOGUE_URL"] == "http://catalogue:8090/services/catalogue/"
    assert env["JUPYTER_PATH"] == "/opt/panhub/kernels/share/jupyter"
    assert "--FileContentsManager.preferred_dir=/data" in pod["spec"]["containers"][0]["args"]
