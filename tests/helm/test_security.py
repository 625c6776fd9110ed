"""Every pod runs as the restricted Pod Security Standard asks, and RBAC is the least.

Every pod: non-root, seccomp RuntimeDefault; every container (init ones too): no
privilege escalation, all capabilities dropped, not privileged, a read-only root file
system. The chart's pods in every combination of the matrix, and users' pods as
FacilityKubeSpawner builds them from the rendered configuration.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.chart import ChartRenderer, iter_matrix

CASES = dict(iter_matrix())


def check_pod(name: str, spec: dict[str, Any]) -> list[str]:
    """What ``spec`` (a pod spec) lacks of the restricted profile."""
    problems = []
    pod = spec.get("securityContext") or {}
    if pod.get("seccompProfile", {}).get("type") != "RuntimeDefault":
        problems.append(f"{name}: pod seccompProfile is not RuntimeDefault")
    if pod.get("runAsUser") == 0:
        problems.append(f"{name}: pod runs as root")
    for container in spec.get("initContainers", []) + spec["containers"]:
        where = f"{name}/{container['name']}"
        own = container.get("securityContext") or {}
        if not (own.get("runAsNonRoot") or pod.get("runAsNonRoot")):
            problems.append(f"{where}: runAsNonRoot is not set")
        if own.get("runAsUser", pod.get("runAsUser")) in (0, None):
            problems.append(f"{where}: no non-root runAsUser")
        if own.get("allowPrivilegeEscalation") is not False:
            problems.append(f"{where}: allowPrivilegeEscalation is not false")
        if own.get("privileged"):
            problems.append(f"{where}: privileged")
        if (own.get("capabilities") or {}).get("drop") != ["ALL"] or (
            own.get("capabilities") or {}
        ).get("add"):
            problems.append(f"{where}: capabilities are not drop ALL")
        if own.get("readOnlyRootFilesystem") is not True:
            problems.append(f"{where}: the root file system is writable")
    return problems


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_chart_pod_is_restricted(renderer: ChartRenderer, name: str) -> None:
    pods = renderer.render(CASES[name]).pods()
    assert set(pods) == {"hub", "proxy", "catalogue"}
    problems = [p for pod, template in pods.items() for p in check_pod(pod, template["spec"])]
    assert problems == []


@pytest.mark.parametrize("pod", ["alice:cpu", "alice:gpu", "bob:cpu", "bob:gpu"])
def test_every_user_pod_is_restricted(probes: dict[str, dict[str, Any]], pod: str) -> None:
    spec = probes["kubernetes"]["pods"][pod]["spec"]
    assert check_pod(pod, spec) == []
    assert spec["automountServiceAccountToken"] is False
    # the root is read-only: what the server writes goes to its home and its own /tmp
    mounts = {m["mountPath"] for m in spec["containers"][0]["volumeMounts"]}
    assert {"/home/jovyan", "/tmp"} <= mounts


def test_the_check_finds_what_is_missing() -> None:
    spec = {
        "securityContext": {},
        "containers": [{"name": "c", "securityContext": {"privileged": True}}],
    }
    assert len(check_pod("x", spec)) == 7


def test_only_the_kubernetes_hub_gets_an_api_token(renderer: ChartRenderer) -> None:
    for name, values in CASES.items():
        for pod, template in renderer.render(values).pods().items():
            expected = pod == "hub" and name.startswith("kubernetes")
            assert template["spec"]["automountServiceAccountToken"] is expected, (name, pod)


def test_the_hubs_role_is_the_least_kubespawner_needs(renderer: ChartRenderer) -> None:
    role = renderer.render(CASES["kubernetes-sqlite-no-ingress-gpu"]).get("Role", "hub")
    rules = {tuple(r["resources"]): set(r["verbs"]) for r in role["rules"]}
    assert rules == {
        ("pods",): {"get", "watch", "list", "create", "delete"},
        ("persistentvolumeclaims",): {"get", "watch", "list", "create"},
        ("events",): {"get", "watch", "list"},
    }
    assert all(r["apiGroups"] == [""] for r in role["rules"])


def test_the_catalogue_runs_as_its_own_account(renderer: ChartRenderer) -> None:
    rendered = renderer.render(CASES["kubernetes-sqlite-no-ingress-gpu"])
    hub, catalogue = rendered.pods()["hub"]["spec"], rendered.pods()["catalogue"]["spec"]
    assert catalogue["serviceAccountName"] == "catalogue" != hub["serviceAccountName"]
    assert catalogue["securityContext"]["runAsUser"] != hub["securityContext"]["runAsUser"]
    # its own database volume; the proposals read-only
    volumes = {v["name"]: v for v in catalogue["volumes"]}
    assert volumes["state"]["persistentVolumeClaim"]["claimName"] == "catalogue-db-dir"
    assert volumes["proposals"]["persistentVolumeClaim"] == {
        "claimName": "panhub-proposals",
        "readOnly": True,
    }
