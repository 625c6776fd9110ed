"""NetworkPolicies: deny by default, and exactly the flows the design draws.

The flows are computed from the rendered policies and the pods' labels (the chart's
pod templates; users' pods as FacilityKubeSpawner builds them from the rendered
configuration) by tests/support/netpol.py, and compared with the design's list:

- browser -> proxy (from anywhere, port 8000; in the slurm mode the jobs come this way
  to the hub API and the catalogue, through the public URL);
- proxy -> hub (8081), servers (8888, or the compute nodes' ports), catalogue (8090);
- hub -> API server (kubernetes mode) or the SLURM submit host (ssh, slurm mode), and the
  servers; hub -> proxy API (8001, the routes) and catalogue (8090, service checks and
  the catalogue proposal source), which the design's hub-managed proxy and service imply;
- servers -> hub API (8081) and catalogue (8090);
- catalogue -> hub API (8081, hub OAuth: who is asking);
- every pod -> DNS (53), and hub, catalogue -> their PostgreSQL when external.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.chart import (
    MATRIX,
    NAMESPACE,
    POSTGRES,
    SECRETS,
    SLURM,
    ChartRenderer,
    Rendered,
    merge,
)
from tests.support.netpol import Endpoint, find_flows, selects

#: the operator's narrowing of the API server's addresses (values.yaml says how)
API_SERVER = {"networkPolicy": {"apiServer": {"cidrs": ["10.0.0.1/32"]}}}
PORTS = [(53, "UDP"), (53, "TCP")] + [
    (p, "TCP") for p in (22, 80, 443, 1023, 1024, 5432, 6443, 8000, 8001, 8081, 8090, 8888, 40000)
]
OUTSIDE = [
    Endpoint("world", "203.0.113.7"),
    Endpoint("api-server", "10.0.0.1"),
    Endpoint("compute", "10.20.3.4"),
    Endpoint("submit-host", "10.30.0.5"),
    Endpoint("hub-db", "10.40.0.10"),
    Endpoint("catalogue-db", "10.40.0.11"),
    Endpoint("dns", "10.96.0.10", "kube-system", {"k8s-app": "kube-dns"}),
    Endpoint("other-pod", "10.244.9.9", NAMESPACE, {"app": "something-else"}),
]
POD_IPS = {
    "hub": "10.244.0.2",
    "proxy": "10.244.0.3",
    "catalogue": "10.244.0.4",
    "singleuser": "10.244.1.5",
}


def our_pods(rendered: Rendered, user_pod: dict[str, Any] | None) -> list[Endpoint]:
    pods = [
        Endpoint(name, POD_IPS[name], NAMESPACE, template["metadata"]["labels"], ours=True)
        for name, template in rendered.pods().items()
    ]
    if user_pod is not None:
        labels = user_pod["metadata"]["labels"]
        pods.append(Endpoint("singleuser", POD_IPS["singleuser"], NAMESPACE, labels, ours=True))
    return pods


def flows_of(
    renderer: ChartRenderer, values: dict[str, Any], user_pod: dict[str, Any] | None
) -> tuple[set[tuple[str, str, int, str]], list[Endpoint], Rendered]:
    rendered = renderer.render(values)
    endpoints = our_pods(rendered, user_pod) + OUTSIDE
    return find_flows(rendered.of_kind("NetworkPolicy"), endpoints, PORTS), endpoints, rendered


def expected_flows(mode: str, postgres: bool) -> set[tuple[str, str, int, str]]:
    pods = ["hub", "proxy", "catalogue"] + (["singleuser"] if mode == "kubernetes" else [])
    outside = [e.name for e in OUTSIDE]
    # the browser: from anywhere outside (our own pods have no business there)
    flows = {(source, "proxy", 8000, "TCP") for source in outside}
    flows |= {
        ("hub", "proxy", 8001, "TCP"),
        ("proxy", "hub", 8081, "TCP"),
        ("catalogue", "hub", 8081, "TCP"),
    }
    flows |= {("proxy", "catalogue", 8090, "TCP"), ("hub", "catalogue", 8090, "TCP")}
    flows |= {(pod, "dns", 53, protocol) for pod in pods for protocol in ("UDP", "TCP")}
    if mode == "kubernetes":
        flows |= {("singleuser", "hub", 8081, "TCP"), ("singleuser", "catalogue", 8090, "TCP")}
        flows |= {("proxy", "singleuser", 8888, "TCP"), ("hub", "singleuser", 8888, "TCP")}
        flows |= {("hub", "api-server", 443, "TCP"), ("hub", "api-server", 6443, "TCP")}
    else:
        servers = [p for p, protocol in PORTS if protocol == "TCP" and p >= 1024]
        flows |= {(pod, "compute", port, "TCP") for pod in ("hub", "proxy") for port in servers}
        flows.add(("hub", "submit-host", 22, "TCP"))
    if postgres:
        flows |= {("hub", "hub-db", 5432, "TCP"), ("catalogue", "catalogue-db", 5432, "TCP")}
    return flows


@pytest.mark.parametrize("mode", list(MATRIX["mode"]))
@pytest.mark.parametrize("db", list(MATRIX["db"]))
def test_exactly_the_designs_flows_are_open(
    renderer: ChartRenderer, probes: dict[str, dict[str, Any]], mode: str, db: str
) -> None:
    values = merge(SECRETS, MATRIX["mode"][mode], MATRIX["db"][db], API_SERVER)
    user_pod = probes["kubernetes"]["pods"]["alice:cpu"] if mode == "kubernetes" else None
    flows, _, _ = flows_of(renderer, values, user_pod)
    expected = expected_flows(mode, db == "postgres")
    assert sorted(flows - expected) == [], "open beyond the design"
    assert sorted(expected - flows) == [], "missing from the chart"


def test_each_policy_selects_the_pods_it_means(
    renderer: ChartRenderer, probes: dict[str, dict[str, Any]]
) -> None:
    values = merge(SECRETS, API_SERVER)
    _, endpoints, rendered = flows_of(renderer, values, probes["kubernetes"]["pods"]["bob:gpu"])
    selected = {
        policy["metadata"]["name"]: {e.name for e in endpoints if selects(policy, e)}
        for policy in rendered.of_kind("NetworkPolicy")
    }
    assert selected == {
        "hub": {"hub"},
        "proxy": {"proxy"},
        "catalogue": {"catalogue"},
        "singleuser": {"singleuser"},
        "default-deny": {"hub", "proxy", "catalogue", "singleuser"},
    }
    for policy in rendered.of_kind("NetworkPolicy"):
        assert policy["spec"]["policyTypes"] == ["Ingress", "Egress"]


def test_no_rule_opens_every_destination(renderer: ChartRenderer) -> None:
    """An egress rule without ``to`` (an empty CIDR list rendered) would open the world."""
    for values in (merge(SECRETS), merge(SECRETS, SLURM, POSTGRES)):
        for policy in renderer.render(values).of_kind("NetworkPolicy"):
            for rule in policy["spec"].get("egress", []):
                assert rule.get("to"), (policy["metadata"]["name"], rule)
            for rule in policy["spec"].get("ingress", []):
                # only the proxy's public port is open to every source: the browser
                assert rule.get("from") or (
                    policy["metadata"]["name"] == "proxy"
                    and rule["ports"] == [{"port": 8000, "protocol": "TCP"}]
                )


def test_the_default_api_server_addresses_open_only_its_ports(
    renderer: ChartRenderer, probes: dict[str, dict[str, Any]]
) -> None:
    user_pod = probes["kubernetes"]["pods"]["alice:cpu"]
    narrow, _, _ = flows_of(renderer, merge(SECRETS, API_SERVER), user_pod)
    default, _, _ = flows_of(renderer, merge(SECRETS), user_pod)
    wider = default - narrow
    # the private ranges, until narrowed: the hub's egress widens on 443 and 6443 only
    assert wider and {(s, p) for s, _, p, _ in wider} <= {("hub", 443), ("hub", 6443)}
    assert "world" not in {d for _, d, _, _ in wider}


def test_site_rules_add_what_they_say(
    renderer: ChartRenderer, probes: dict[str, dict[str, Any]]
) -> None:
    mirror = {
        "to": [{"ipBlock": {"cidr": "203.0.113.0/24"}}],
        "ports": [{"port": 443, "protocol": "TCP"}],
    }
    values = merge(SECRETS, API_SERVER, {"singleuser": {"networkPolicy": {"egress": [mirror]}}})
    flows, _, _ = flows_of(renderer, values, probes["kubernetes"]["pods"]["alice:cpu"])
    base, _, _ = flows_of(
        renderer, merge(SECRETS, API_SERVER), probes["kubernetes"]["pods"]["alice:cpu"]
    )
    assert flows - base == {("singleuser", "world", 443, "TCP")}
