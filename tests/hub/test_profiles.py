"""Pure: profiles from configuration, and the pod settings of a validated request."""

from __future__ import annotations

import pytest
from panhub.form import EnvironmentChoice, FormError, PartitionChoice, ResourceRequest
from panhub.profiles import (
    POD_SETTINGS,
    Profile,
    check_pod_request,
    make_command,
    make_pod_settings,
    make_profiles,
)

GPU_TOLERATION = {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}
CONFIG = {
    "cpu": {"description": "CPU", "max_cpus": 4, "max_memory_gb": 16},
    "gpu": {
        "description": "GPU",
        "max_cpus": 8,
        "max_memory_gb": 64,
        "max_gpus": 2,
        "node_selector": {"nvidia.com/gpu.present": "true"},
        "tolerations": [GPU_TOLERATION],
    },
}
PROPOSALS = {
    "volumes": [{"name": "proposals", "persistentVolumeClaim": {"claimName": "panhub-proposals"}}],
    "volume_mounts": [
        {"name": "proposals", "mountPath": "/data/P1/raw", "subPath": "P1/raw", "readOnly": True},
        {"name": "proposals", "mountPath": "/data/P1/processed", "subPath": "P1/processed"},
    ],
}
BASE = {
    "cmd": ["jupyterhub-singleuser"],
    "volumes": [{"name": "home", "emptyDir": {}}],
    "volume_mounts": [{"name": "home", "mountPath": "/home/jovyan"}],
    "node_selector": {"pool": "users"},
    "tolerations": {"a": {"key": "users", "operator": "Exists"}},
    "extra_resource_limits": {},
    "extra_resource_guarantees": {},
    "extra_pod_config": {"priorityClassName": "users"},
}
DEFAULT_ENV = EnvironmentChoice("default", "panhub", ())


def request(**changes: object) -> ResourceRequest:
    fields = dict(partition="gpu", cpus=2, memory_gb=8, gpus=1, runtime_minutes=90,
                  reservation="", environment="default")  # fmt: skip
    fields.update(changes)
    return ResourceRequest(**fields)  # type: ignore[arg-type]


def test_profiles_keep_the_configured_order_and_offer_partition_choices() -> None:
    cpu, gpu = make_profiles(CONFIG)
    assert cpu == Profile("cpu", "CPU", 4, 16)
    assert gpu.to_choice() == PartitionChoice("gpu", "GPU", 8, 64, 2, 720, 60)
    assert gpu.tolerations == (GPU_TOLERATION,)


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (
            {"x": {"max_cpus": 1}},
            "profile 'x': Profile.__init__() missing 1 required positional argument: 'max_memory_gb'",
        ),
        (
            {"x": {"max_cpus": 1, "max_memory_gb": 1, "gpus": 1}},
            "profile 'x': unknown key 'gpus'; known: description",
        ),
        (
            {"x": {"max_cpus": 0, "max_memory_gb": 1}},
            "profile 'x': max_cpus must be a whole number of at least 1",
        ),
        (
            {"x": {"max_cpus": 1, "max_memory_gb": 1, "max_gpus": -1}},
            "max_gpus must be a whole number of at least 0",
        ),
        (
            {"x": {"max_cpus": 1, "max_memory_gb": 1, "default_minutes": 900}},
            "default_minutes is above max_minutes",
        ),
        (
            {"x": {"max_cpus": 1, "max_memory_gb": 1, "node_selector": {"a": True}}},
            "node_selector must map label names to strings",
        ),
        (
            {"x": {"max_cpus": 1, "max_memory_gb": 1, "gpu_resource": "a b"}},
            "gpu_resource 'a b' is no resource name",
        ),
    ],
)
def test_bad_profiles_are_refused_naming_the_profile(config: dict, message: str) -> None:
    with pytest.raises(ValueError) as error:  # noqa: PT011 - the message is checked below
        make_profiles(config)
    assert message in str(error.value)


def test_a_gpu_request_becomes_limits_selector_tolerations_and_deadline() -> None:
    gpu = make_profiles(CONFIG)[1]
    settings = make_pod_settings(request(), gpu, DEFAULT_ENV, PROPOSALS, BASE)
    assert set(settings) == set(POD_SETTINGS)
    assert settings == {
        "cmd": ["jupyterhub-singleuser"],
        "cpu_limit": 2.0,
        "cpu_guarantee": 2.0,
        "mem_limit": 8 * 1024**3,
        "mem_guarantee": 8 * 1024**3,
        "extra_resource_limits": {"nvidia.com/gpu": "1"},
        "extra_resource_guarantees": {"nvidia.com/gpu": "1"},
        "node_selector": {"pool": "users", "nvidia.com/gpu.present": "true"},
        "tolerations": [{"key": "users", "operator": "Exists"}, GPU_TOLERATION],
        "volumes": [BASE["volumes"][0], *PROPOSALS["volumes"]],
        "volume_mounts": [BASE["volume_mounts"][0], *PROPOSALS["volume_mounts"]],
        "extra_pod_config": {"priorityClassName": "users", "activeDeadlineSeconds": 5400},
    }


def test_a_cpu_request_asks_for_no_gpu_and_leaves_the_base_untouched() -> None:
    cpu = make_profiles(CONFIG)[0]
    before = {k: (v.copy() if hasattr(v, "copy") else v) for k, v in BASE.items()}
    settings = make_pod_settings(
        request(partition="cpu", gpus=0), cpu, DEFAULT_ENV, PROPOSALS, BASE
    )
    assert settings["extra_resource_limits"] == settings["extra_resource_guarantees"] == {}
    assert settings["node_selector"] == {"pool": "users"}
    assert settings["tolerations"] == [{"key": "users", "operator": "Exists"}]
    assert before == BASE


def test_an_environment_runs_its_setup_before_the_server() -> None:
    saxs = EnvironmentChoice("saxs", "SAXS", ("export PATH=/k/envs/saxs/bin:$PATH",), "saxs-1")
    settings = make_pod_settings(
        request(environment="saxs"), make_profiles(CONFIG)[1], saxs, PROPOSALS, BASE
    )
    assert settings["cmd"] == [
        "/bin/sh", "-c", 'export PATH=/k/envs/saxs/bin:$PATH\nexec "$@"', "panhub-env",
        "jupyterhub-singleuser",
    ]  # fmt: skip
    assert make_command([], ["a", "b"]) == ["a", "b"]


def test_a_pod_request_with_a_reservation_is_refused() -> None:
    check_pod_request(request())
    with pytest.raises(FormError) as error:
        check_pod_request(request(reservation="beamtime"))
    assert error.value.errors == {
        "reservation": "reservations are SLURM's; on Kubernetes leave this field empty"
    }
