"""What a set of NetworkPolicies lets through, computed as Kubernetes defines it.

A pod selected by a policy with ``Ingress`` (``Egress``) in its types is isolated in that
direction: only what some selecting policy's rules allow gets in (out). A connection
from A to B on a port happens when A's egress allows it and B's ingress allows it; an
endpoint outside the release (the world, the API server, DNS, SLURM) has no policy of
ours. Selectors: ``podSelector`` (the policy's namespace), ``namespaceSelector`` (with
or without a pod selector), ``ipBlock`` (with ``except``); ports with protocol and
``endPort``. Named ports are not used by the chart and not modelled.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

NAMESPACE = "jhub"


@dataclass(frozen=True)
class Endpoint:
    """A party to a connection: a pod (with labels), or an address outside the release."""

    name: str
    ip: str
    namespace: str = ""
    labels: Mapping[str, str] = field(default_factory=dict)
    ours: bool = False

    def __hash__(self) -> int:
        return hash(self.name)


def _matches(selector: Mapping[str, Any] | None, labels: Mapping[str, str]) -> bool:
    if selector is None:
        return False
    wanted = selector.get("matchLabels") or {}
    assert not selector.get("matchExpressions"), "matchExpressions are not modelled"
    return all(labels.get(k) == v for k, v in wanted.items())


def selects(policy: Mapping[str, Any], pod: Endpoint) -> bool:
    """Whether ``policy`` applies to ``pod``."""
    return (
        pod.ours
        and pod.namespace == policy["metadata"].get("namespace", NAMESPACE)
        and _matches(policy["spec"]["podSelector"], pod.labels)
    )


def _peer_matches(peer: Mapping[str, Any], other: Endpoint) -> bool:
    if "ipBlock" in peer:
        block = peer["ipBlock"]
        address = ipaddress.ip_address(other.ip)
        if address not in ipaddress.ip_network(block["cidr"]):
            return False
        return not any(address in ipaddress.ip_network(e) for e in block.get("except", []))
    namespace_ok = (
        _matches(peer["namespaceSelector"], {"kubernetes.io/metadata.name": other.namespace})
        if "namespaceSelector" in peer
        else other.namespace == NAMESPACE
    )
    if not other.namespace or not namespace_ok:
        return False
    return "podSelector" not in peer or _matches(peer["podSelector"], other.labels)


def _port_matches(ports: list[Mapping[str, Any]] | None, port: int, protocol: str) -> bool:
    if not ports:
        return True
    for entry in ports:
        if entry.get("protocol", "TCP") != protocol:
            continue
        if "port" not in entry:
            return True
        assert isinstance(entry["port"], int), "named ports are not modelled"
        if entry["port"] <= port <= entry.get("endPort", entry["port"]):
            return True
    return False


def _allows(
    policies: Iterable[Mapping[str, Any]],
    pod: Endpoint,
    other: Endpoint,
    port: int,
    protocol: str,
    direction: str,
) -> bool:
    kind, peers_key = ("Ingress", "from") if direction == "ingress" else ("Egress", "to")
    chosen = [p for p in policies if selects(p, pod) and kind in p["spec"].get("policyTypes", [])]
    if not pod.ours or not chosen:
        return True
    for policy in chosen:
        for rule in policy["spec"].get(direction) or []:
            peers = rule.get(peers_key)
            if peers and not any(_peer_matches(peer, other) for peer in peers):
                continue
            if _port_matches(rule.get("ports"), port, protocol):
                return True
    return False


def find_flows(
    policies: list[Mapping[str, Any]],
    endpoints: Iterable[Endpoint],
    ports: Iterable[tuple[int, str]],
) -> set[tuple[str, str, int, str]]:
    """Every (source, destination, port, protocol) the policies let through."""
    endpoints = list(endpoints)
    flows = set()
    for source in endpoints:
        for target in endpoints:
            if source is target or not (source.ours or target.ours):
                continue
            for port, protocol in ports:
                if _allows(policies, source, target, port, protocol, "egress") and _allows(
                    policies, target, source, port, protocol, "ingress"
                ):
                    flows.add((source.name, target.name, port, protocol))
    return flows
