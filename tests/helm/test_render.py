"""The chart renders, lints and validates for every combination of the matrix.

Matrix (tests/support/chart.py): spawner mode (kubernetes, slurm) x hub and catalogue
database (SQLite on a volume, external PostgreSQL) x Ingress (off, on with TLS) x GPU
profile (on, off). Every manifest of every render is validated, strictly (no unknown
field), against the oldest Kubernetes the chart supports and the newest schema
kubernetes-validate ships.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support.chart import (
    CHART,
    MATRIX,
    OLDEST_KUBERNETES,
    SECRETS,
    ChartRenderer,
    Rendered,
    fast_kubernetes_validate,
    iter_matrix,
    merge,
)

CASES = dict(iter_matrix())


def newest_kubernetes() -> str:
    return str(fast_kubernetes_validate().utils.latest_version())


def test_the_matrix_is_every_combination() -> None:
    assert len(CASES) == 2**4
    assert {name.split("-")[0] for name in CASES} == set(MATRIX["mode"])


def unique_manifests(renderer: ChartRenderer) -> dict[str, tuple[dict[str, Any], list[str]]]:
    """Every distinct manifest of the matrix, with the cases that render it."""
    found: dict[str, tuple[dict[str, Any], list[str]]] = {}
    for name, values in sorted(CASES.items()):
        for doc in renderer.render(values).docs:
            found.setdefault(json.dumps(doc, sort_keys=True), (doc, []))[1].append(name)
    return found


@pytest.mark.parametrize("version", ["oldest", "newest"])
def test_every_manifest_validates_strictly(renderer: ChartRenderer, version: str) -> None:
    validator = fast_kubernetes_validate()
    kubernetes = OLDEST_KUBERNETES if version == "oldest" else newest_kubernetes()
    manifests = unique_manifests(renderer)
    for name, values in CASES.items():
        assert len(renderer.render(values).docs) >= 15, name
    failures = []
    for doc, cases in manifests.values():
        try:
            validator.validate(doc, kubernetes, strict=True)
        except validator.ValidationError as error:
            failures.append(f"{doc['kind']} {doc['metadata']['name']} ({cases[0]}...): {error}")
    assert failures == [], f"on Kubernetes {kubernetes}"


def test_newest_schema_is_newer_than_the_oldest_supported() -> None:
    assert tuple(map(int, newest_kubernetes().split(".")[:2])) > (1, 30)


@pytest.mark.parametrize(
    "name", ["kubernetes-sqlite-no-ingress-gpu", "slurm-postgres-ingress-no-gpu"]
)
def test_lint_strict_has_no_warning(name: str) -> None:
    from helm_python.chart import lint

    for version in (f"v{OLDEST_KUBERNETES}", f"v{newest_kubernetes()}"):
        report = lint(str(CHART), CASES[name], strict=True, kube_version=version)
        assert report["errors"] == []
        # severity 1 is information ("icon is recommended"); 2 warning, 3 error
        assert [m for m in report["messages"] if m["severity"] >= 2] == []


def kinds(rendered: Rendered) -> set[tuple[str, str]]:
    return rendered.names()


def test_objects_follow_the_values(renderer: ChartRenderer) -> None:
    kube = renderer.render(CASES["kubernetes-sqlite-no-ingress-gpu"])
    slurm = renderer.render(CASES["slurm-postgres-ingress-no-gpu"])
    # the kubernetes mode: RBAC for KubeSpawner, the servers' NetworkPolicy
    assert {("Role", "hub"), ("RoleBinding", "hub"), ("NetworkPolicy", "singleuser")} <= kinds(kube)
    # the slurm mode: no Role at all, no servers in the cluster
    assert not {k for k, _ in kinds(slurm)} & {"Role", "RoleBinding"}
    assert ("NetworkPolicy", "singleuser") not in kinds(slurm)
    # SQLite on volumes, or PostgreSQL and no volume
    assert {
        ("PersistentVolumeClaim", "hub-db-dir"),
        ("PersistentVolumeClaim", "catalogue-db-dir"),
    } <= kinds(kube)
    assert "PersistentVolumeClaim" not in {k for k, _ in kinds(slurm)}
    assert ("Ingress", "panhub") in kinds(slurm) and "Ingress" not in {k for k, _ in kinds(kube)}


def test_ingress_serves_the_proxy_with_tls(renderer: ChartRenderer) -> None:
    ingress = renderer.render(CASES["kubernetes-sqlite-ingress-gpu"]).get("Ingress", "panhub")
    rule = ingress["spec"]["rules"][0]
    assert rule["host"] == "hub.example.org"
    assert rule["http"]["paths"][0]["backend"]["service"]["name"] == "proxy-public"
    assert ingress["spec"]["tls"] == [{"hosts": ["hub.example.org"], "secretName": "hub-tls"}]


def hub_container(rendered: Rendered) -> dict[str, Any]:
    return rendered.pods()["hub"]["spec"]["containers"][0]


def test_external_postgres_passwords_come_from_secrets(renderer: ChartRenderer) -> None:
    rendered = renderer.render(CASES["kubernetes-postgres-no-ingress-gpu"])
    env = {e["name"]: e for e in hub_container(rendered)["env"]}
    assert env["PGPASSWORD"]["valueFrom"]["secretKeyRef"] == {"name": "hub-db", "key": "password"}
    catalogue = rendered.pods()["catalogue"]["spec"]["containers"][0]
    url = {e["name"]: e for e in catalogue["env"]}["PANHUB_CATALOGUE_DB_URL"]
    assert url["valueFrom"]["secretKeyRef"] == {"name": "catalogue-db", "key": "url"}


def test_the_slurm_mode_hub_carries_its_ssh_key_read_only(renderer: ChartRenderer) -> None:
    rendered = renderer.render(CASES["slurm-sqlite-no-ingress-gpu"])
    pod = rendered.pods()["hub"]["spec"]
    assert {"name": "ssh", "secret": {"secretName": "panhub-ssh", "defaultMode": 0o400}} in pod[
        "volumes"
    ]
    assert {"mountPath": "/etc/panhub/ssh", "name": "ssh", "readOnly": True} in hub_container(
        rendered
    )["volumeMounts"]
    # and no API token: that hub never calls the API server
    assert pod["automountServiceAccountToken"] is False


def test_kernels_prefix_is_a_read_only_volume_of_the_hub(renderer: ChartRenderer) -> None:
    rendered = renderer.render(CASES["kubernetes-sqlite-no-ingress-gpu"])
    pod = rendered.pods()["hub"]["spec"]
    assert {"name": "kernels", "persistentVolumeClaim": {"claimName": "panhub-kernels"}} in pod[
        "volumes"
    ]
    assert {
        "mountPath": "/opt/panhub/kernels",
        "name": "kernels",
        "readOnly": True,
    } in hub_container(rendered)["volumeMounts"]


def annotations(rendered: Rendered, deployment: str) -> dict[str, str]:
    return dict(rendered.pods()[deployment]["metadata"]["annotations"])


def test_checksums_change_with_the_configuration_only(renderer: ChartRenderer) -> None:
    base = CASES["kubernetes-sqlite-no-ingress-gpu"]
    first, again = renderer.render(base), ChartRenderer(renderer.chart).render(base)
    assert annotations(first, "hub") == annotations(again, "hub")
    changed = renderer.render(
        merge(base, {"hub": {"config": {"FacilityKubeSpawner": {"lab_start": "/data"}}}})
    )
    assert (
        annotations(changed, "hub")["checksum/secret"]
        != annotations(first, "hub")["checksum/secret"]
    )
    assert (
        annotations(changed, "hub")["checksum/config-map"]
        == annotations(first, "hub")["checksum/config-map"]
    )
    # the proxy restarts for a new token only
    assert annotations(changed, "proxy") == annotations(first, "proxy")
    new_token = renderer.render(merge(base, {"proxy": {"secretToken": "f6" * 32}}))
    assert annotations(new_token, "proxy") != annotations(first, "proxy")
    # the catalogue restarts when its configuration changes
    catalogue = renderer.render(
        merge(base, {"catalogue": {"config": {"CatalogueService": {"publisher": "ALBA"}}}})
    )
    assert annotations(catalogue, "catalogue") != annotations(first, "catalogue")
    assert (
        annotations(catalogue, "hub")["checksum/config-map"]
        == annotations(first, "hub")["checksum/config-map"]
    )


def test_secrets_are_generated_when_not_given(renderer: ChartRenderer) -> None:
    secrets = renderer.render({}).secret_data("hub")
    for key in (
        "proxy.token",
        "hub.cookieSecret",
        "hub.cryptKey",
        "hub.sharedPassword",
        "catalogue.apiToken",
    ):
        assert len(secrets[key]) == 64 and int(secrets[key], 16) >= 0, key
    given = renderer.render(SECRETS).secret_data("hub")
    assert given["hub.cryptKey"] == SECRETS["hub"]["cryptKey"]


def test_notes_say_how_to_log_in(renderer: ChartRenderer) -> None:
    notes = renderer.render(CASES["kubernetes-sqlite-no-ingress-gpu"]).notes
    assert "get secret hub -o jsonpath='{.data.hub\\.sharedPassword}'" in notes
    assert "/hub/login" in notes and "get service proxy-public" in notes
    with_ingress = renderer.render(CASES["slurm-sqlite-ingress-gpu"]).notes
    assert "https://hub.example.org/hub/login" in with_ingress
    assert "SLURM jobs submitted through slurm-login.example.org" in with_ingress
    own_login = renderer.render(
        merge(SECRETS, {"hub": {"config": {"JupyterHub": {"authenticator_class": "my.Login"}}}})
    ).notes
    assert "With my.Login" in own_login and "sharedPassword" not in own_login


def test_values_travel_to_the_hub_as_rendered(renderer: ChartRenderer) -> None:
    values = CASES["slurm-postgres-ingress-no-gpu"]
    data = renderer.render(values).secret_data("hub")
    import yaml

    passed = yaml.safe_load(data["values.yaml"])
    assert passed["slurm"]["submitHost"] == "slurm-login.example.org"
    assert passed["singleuser"]["profiles"]["gpu"]["enabled"] is False
    assert passed["Release"] == {"Name": "panhub", "Namespace": "jhub", "Service": "Helm"}
    assert json.loads(json.dumps(passed["hub"]["config"])) == values.get("hub", {}).get(
        "config", passed["hub"]["config"]
    )
