"""The multi-node cluster (hub_config/demo/cluster.sh): each job runs on its node, at that
node's address, reachable from the host as a server is from the hub; a node that fails is
marked DOWN with its jobs, the others carry on, and it is used again once it is back.

No hub: this module uses the cluster alone (it may run on its own, as root). It starts
the cluster unless it runs, and leaves it as it found it; one it started must leave
nothing behind (namespaces, links, /etc/hosts lines, daemons, job steps).
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator

import pytest

from tests.support import multinode as mn


@pytest.fixture(scope="module")
def multinode() -> Iterator[None]:
    assert os.geteuid() == 0, "the cluster's namespaces and daemons need root"
    started = not mn.is_running()
    with mn.running():
        yield
    if started:
        assert mn.leftovers() == []


@pytest.fixture
def jobs(multinode: None) -> Iterator[list[str]]:
    """Job ids to cancel after the test; every node usable again afterwards."""
    ids: list[str] = []
    yield ids
    mn.cancel(*ids)
    mn.start()  # heals what a failing test left down (links, slurmd), waits for the nodes


@pytest.mark.parametrize("node", mn.NODES, ids=lambda n: n.name)
def test_a_job_runs_on_its_node_and_answers_at_the_node_address(
    node: mn.Node, jobs: list[str]
) -> None:
    probe = mn.submit_probe(node=node.name, partition=node.partition)  # it reported to the host
    jobs.append(probe.job_id)
    answer = probe.ask()  # from the host, at the node's address, as the hub reaches a server
    assert (probe.node, probe.address) == (node.name, node.address)
    assert answer["hostname"] == node.name
    assert answer["addresses"] == [node.address]
    assert answer["uid"] != 0  # an ordinary user's job


@pytest.mark.parametrize("node", mn.NODES, ids=lambda n: n.name)
def test_node_names_resolve_to_their_addresses(node: mn.Node, multinode: None) -> None:
    # squeue reports the node's name and the hub connects to that name
    assert socket.gethostbyname(node.name) == node.address == mn.node_address(node.name)


def test_gpu_jobs_get_the_gpu_node_and_its_gpu(jobs: list[str]) -> None:
    gpu = mn.submit_probe(partition="gpu", gres="gpu:1")
    jobs.append(gpu.job_id)
    cpu = mn.submit_probe(partition="cpu")
    jobs.append(cpu.job_id)
    assert (gpu.node, gpu.ask()["cuda"]) == ("gpu1", "0")
    assert cpu.node in {"cpu1", "cpu2"}
    assert cpu.ask()["cuda"] is None
    # one fake GPU: a second GPU job waits for it
    waiting = mn.submit("#!/bin/bash\nsleep 60\n", partition="gpu", gres="gpu:1")
    jobs.append(waiting)
    mn.wait_for("the scheduler's reason", lambda: mn.job_state(waiting).reason != "None", 15)
    assert mn.job_state(waiting) == mn.JobState("PENDING", "", "Resources")


def test_a_failed_node_is_marked_down_with_its_jobs_and_used_again_when_back(
    jobs: list[str],
) -> None:
    probes = {n.name: mn.submit_probe(node=n.name, partition=n.partition) for n in mn.NODES}
    jobs += [p.job_id for p in probes.values()]
    mn.node_down("cpu2", "crash")  # slurmd and the job die with the node
    mn.node_down("gpu1", "partition")  # everything runs on, cut off
    for name in ("cpu2", "gpu1"):
        mn.wait_node(name, mn.is_down, mn.DOWN_WITHIN)
        assert mn.job_state(probes[name].job_id) == mn.JobState("NODE_FAIL", name, "NodeDown")
    # the third node and its job are untouched
    assert mn.is_usable(mn.node_state("cpu1"))
    assert mn.job_state(probes["cpu1"].job_id).state == "RUNNING"
    assert probes["cpu1"].ask()["hostname"] == "cpu1"

    for name in ("cpu2", "gpu1"):
        mn.node_up(name)
        assert mn.is_usable(mn.node_state(name))
        node = mn.get_node(name)
        again = mn.submit_probe(node=name, partition=node.partition)
        jobs.append(again.job_id)
        assert (again.node, again.ask()["hostname"]) == (name, name)
    # the job that ran on, cut off, is killed once its node is back
    mn.wait_for("the cut-off job to end", lambda: mn.is_refused(probes["gpu1"]), 15)


def test_a_restarted_slurmd_keeps_its_running_jobs(jobs: list[str]) -> None:
    probe = mn.submit_probe(node="cpu1", partition="cpu")
    jobs.append(probe.job_id)
    mn.node_down("cpu1", "slurmd")
    assert probe.ask()["hostname"] == "cpu1"  # the job does not depend on slurmd
    mn.node_up("cpu1")
    assert mn.job_state(probe.job_id).state == "RUNNING"
    assert probe.ask()["job_id"] == probe.job_id
