"""The rendered hub configuration loads in JupyterHub and wires panhub's classes.

tests/support/hub_probe.py loads what the chart puts in the hub's ConfigMap and Secret
(jupyterhub_config.py, chart.py, values.yaml, the generated secrets, the demo's
proposals file) with a JupyterHub application, as the hub pod does, in a subprocess.
"""

from __future__ import annotations

import shlex
import tomllib
from typing import Any

import pytest
from panhub.proposals import parse_directory, resolve_access

from tests.helm.conftest import USERS
from tests.support.chart import ROOT

DIRECTORY = parse_directory(
    tomllib.loads((ROOT / "hub_config" / "demo" / "proposals.toml").read_text())
)


@pytest.mark.parametrize(
    ("name", "spawner"),
    [
        ("kubernetes", "panhub.kube.FacilityKubeSpawner"),
        ("kubernetes-postgres-no-gpu", "panhub.kube.FacilityKubeSpawner"),
        ("slurm", "panhub.spawner.FacilitySlurmSpawner"),
    ],
)
def test_the_configuration_resolves_panhubs_classes(
    probes: dict[str, dict[str, Any]], name: str, spawner: str
) -> None:
    report = probes[name]
    assert report["spawner_class"] == spawner
    assert report["authenticator_class"] == "panhub.auth.ProposalSharedPasswordAuthenticator"
    assert "ProposalsMixin" in report["authenticator_mro"]
    assert report["enable_auth_state"] is True
    assert report["proposal_source"] == "static"
    # z2jh's wiring: the proxy in its own pod, servers survive a hub restart
    assert report["proxy_api_url"] == "http://proxy-api:8001"
    assert report["hub_connect_url"] == "http://hub:8081"
    assert report["cleanup_servers"] is False


@pytest.mark.parametrize("name", ["kubernetes", "slurm"])
def test_login_gives_each_user_their_proposals_from_the_chart(
    probes: dict[str, dict[str, Any]], name: str
) -> None:
    # the directory travelled as values -> hub Secret -> static source -> auth_state
    for user in USERS:
        expected = resolve_access(user, DIRECTORY).to_json()["proposals"]
        assert probes[name]["access"][user] == expected
    assert probes[name]["access"]["alice"] != probes[name]["access"]["bob"]


def test_services_catalogue_and_idle_culler_with_least_scopes(
    probes: dict[str, dict[str, Any]],
) -> None:
    report = probes["kubernetes"]
    assert report["services"] == ["catalogue", "jupyterhub-idle-culler"]
    assert report["service_urls"]["catalogue"] == "http://catalogue:8090"
    assert report["roles"]["jupyterhub-idle-culler"] == [
        "list:users",
        "read:users:activity",
        "read:servers",
        "delete:servers",
    ]
    assert report["roles"]["user"] == ["self", "access:services!service=catalogue"]


def test_database_follows_the_values(probes: dict[str, dict[str, Any]]) -> None:
    assert probes["kubernetes"]["db_url"] == "sqlite:////srv/jupyterhub/jupyterhub.sqlite"
    assert (
        probes["kubernetes-postgres-no-gpu"]["db_url"]
        == "postgresql+psycopg2://jupyterhub@db.example.org:5432/jupyterhub"
    )


def test_profiles_follow_the_gpu_switch(probes: dict[str, dict[str, Any]]) -> None:
    assert probes["kubernetes"]["profiles"] == ["cpu", "gpu"]
    assert probes["kubernetes-postgres-no-gpu"]["profiles"] == ["cpu"]
    assert 'value="gpu"' in probes["kubernetes"]["form"]
    assert 'value="gpu"' not in probes["kubernetes-postgres-no-gpu"]["form"]


def test_a_pod_refuses_a_slurm_reservation_in_the_form(probes: dict[str, dict[str, Any]]) -> None:
    status, message = probes["kubernetes"]["refusals"]["reservation"]
    assert status == 400
    assert "reservation: reservations are SLURM's; on Kubernetes leave this field empty" in message


def test_slurm_commands_run_on_the_submit_host_over_ssh(probes: dict[str, dict[str, Any]]) -> None:
    report = probes["slurm"]
    sinfo, scancel = report["commands"]
    for command, remote in [
        (sinfo, "sinfo -h -a -o '%R|%c|%m|%G|%l|%L|%a'"),
        (scancel, "sudo -E -u alice scancel 4242"),
    ]:
        words = shlex.split(command)
        assert words[0] == "ssh" and words[-2] == "panhub@slurm-login.example.org"
        # the remote command is one word: the submit host's shell sees its quotes intact
        assert words[-1] == remote
        assert {"SendEnv=JUPYTERHUB_*", "SendEnv=PANHUB_*", "BatchMode=yes"} <= set(words)
        assert "/etc/panhub/ssh/id_ed25519" in words
    poll = shlex.split(report["shared_poll"])
    assert poll[-1] == "squeue -h --states=all -o '%i|%T|%B|%S|%e|%r' -j {job_ids}"
    assert report["partitions"] == ["cpu", "gpu"]


def test_slurm_jobs_reach_hub_and_catalogue_through_the_proxy(
    probes: dict[str, dict[str, Any]],
) -> None:
    report = probes["slurm"]
    assert report["spawner_hub_connect_url"] == "https://hub.example.org"
    assert report["catalogue_url"] == "https://hub.example.org/services/catalogue/"
    assert report["data_view"] is True
    assert report["proposals"] == sorted(resolve_access("alice", DIRECTORY).proposals)
