"""Pure: the Kubernetes mode's profiles, and what a validated request makes of a pod.

A profile is to a pod what a partition is to a SLURM job: where it may run (node
selector, tolerations) and how much it may ask for (CPUs, memory, GPUs, run time). The
form offers profiles as :class:`panhub.form.PartitionChoice` entries, so the one
:func:`panhub.form.validate_options` checks a pod's request as it checks a job's.

:func:`make_pod_settings` turns a validated request, its profile, its environment and the
proposal volumes of :func:`panhub.mounts.render_kubespawner` into KubeSpawner trait
values, on top of what the administrator configured (``base``): requests equal to limits
(the pod gets what the form promised, as a SLURM allocation), ``nvidia.com/gpu`` limits,
the run time as ``activeDeadlineSeconds`` (the pod ends when it runs out, as a job at its
time limit), and the environment's setup lines before the server.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from panhub.form import EnvironmentChoice, FormError, PartitionChoice, ResourceRequest

#: the KubeSpawner traits :func:`make_pod_settings` sets on every start
POD_SETTINGS = (
    "cmd",
    "cpu_limit",
    "cpu_guarantee",
    "mem_limit",
    "mem_guarantee",
    "extra_resource_limits",
    "extra_resource_guarantees",
    "node_selector",
    "tolerations",
    "volumes",
    "volume_mounts",
    "extra_pod_config",
)
_PROFILE_KEYS = (
    "description",
    "max_cpus",
    "max_memory_gb",
    "max_gpus",
    "max_minutes",
    "default_minutes",
    "node_selector",
    "tolerations",
    "gpu_resource",
)
#: an extended resource name: an optional DNS prefix, a slash, a name
_RESOURCE = re.compile(
    r"([a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?"
)
GIB = 1024**3


@dataclass(frozen=True)
class Profile:
    """One kind of pod the form offers (a CPU or a GPU profile).

    Attributes
    ----------
    name, description
        The form's value and label.
    max_cpus, max_memory_gb, max_gpus, max_minutes
        The most a request may ask for (the largest node of the profile's pool).
    default_minutes
        The run time the form proposes.
    node_selector, tolerations
        Where the pod may run: labels of the profile's nodes, and the taints it accepts
        (GPU nodes are usually tainted so that CPU pods stay away).
    gpu_resource
        The extended resource a GPU is requested as.
    """

    name: str
    description: str
    max_cpus: int
    max_memory_gb: int
    max_gpus: int = 0
    max_minutes: int = 12 * 60
    default_minutes: int = 60
    node_selector: Mapping[str, str] = field(default_factory=dict)
    tolerations: tuple[Mapping[str, Any], ...] = ()
    gpu_resource: str = "nvidia.com/gpu"

    def __post_init__(self) -> None:
        where = f"profile {self.name!r}"
        for key in ("max_cpus", "max_memory_gb", "max_minutes", "default_minutes"):
            value = getattr(self, key)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{where}: {key} must be a whole number of at least 1")
        if (
            isinstance(self.max_gpus, bool)
            or not isinstance(self.max_gpus, int)
            or self.max_gpus < 0
        ):
            raise ValueError(f"{where}: max_gpus must be a whole number of at least 0")
        if self.default_minutes > self.max_minutes:
            raise ValueError(f"{where}: default_minutes is above max_minutes")
        if not all(
            isinstance(k, str) and isinstance(v, str) for k, v in self.node_selector.items()
        ):
            raise ValueError(f"{where}: node_selector must map label names to strings")
        if not all(isinstance(t, Mapping) for t in self.tolerations):
            raise ValueError(f"{where}: tolerations must be a list of tolerations (mappings)")
        if not _RESOURCE.fullmatch(self.gpu_resource):
            raise ValueError(f"{where}: gpu_resource {self.gpu_resource!r} is no resource name")

    def to_choice(self) -> PartitionChoice:
        """The profile as the form offers it."""
        return PartitionChoice(
            name=self.name,
            description=self.description,
            max_cpus=self.max_cpus,
            max_memory_gb=self.max_memory_gb,
            max_gpus=self.max_gpus,
            max_minutes=self.max_minutes,
            default_minutes=self.default_minutes,
        )


def make_profiles(configured: Mapping[str, Mapping[str, Any]]) -> list[Profile]:
    """Profiles from configuration (``FacilityKubeSpawner.profiles``), in its order.

    Raises
    ------
    ValueError
        Naming the profile and the key that is wrong.
    """
    profiles = []
    for name, cfg in configured.items():
        unknown = sorted(set(cfg) - set(_PROFILE_KEYS))
        if unknown:
            raise ValueError(
                f"profile {name!r}: unknown key {unknown[0]!r}; known: {', '.join(_PROFILE_KEYS)}"
            )
        values = dict(cfg)
        values["tolerations"] = tuple(values.get("tolerations", ()))
        values.setdefault("description", name)
        try:
            profiles.append(Profile(name=name, **values))
        except TypeError as error:  # a required limit is missing
            raise ValueError(f"profile {name!r}: {error}") from None
    return profiles


def check_pod_request(request: ResourceRequest) -> None:
    """Refuse what a pod cannot honour: a SLURM reservation.

    Raises
    ------
    panhub.form.FormError
        For the reservation field.
    """
    if request.reservation:
        raise FormError(
            {"reservation": "reservations are SLURM's; on Kubernetes leave this field empty"}
        )


def make_command(setup: Sequence[str], cmd: Sequence[str]) -> list[str]:
    """``cmd`` after the environment's setup lines, in a shell that then ``exec``s it.

    >>> make_command([], ["jupyterhub-singleuser"])
    ['jupyterhub-singleuser']
    >>> make_command(["export A=1"], ["jupyterhub-singleuser"])
    ['/bin/sh', '-c', 'export A=1\\nexec "$@"', 'panhub-env', 'jupyterhub-singleuser']
    """
    if not setup:
        return list(cmd)
    return ["/bin/sh", "-c", "\n".join([*setup, 'exec "$@"']), "panhub-env", *cmd]


def as_list(value: Any) -> list[Any]:
    """A KubeSpawner list-or-dict trait as a list (a dict's values, sorted by key)."""
    if isinstance(value, Mapping):
        return [value[k] for k in sorted(value)]
    return list(value or ())


def make_pod_settings(
    request: ResourceRequest,
    profile: Profile,
    environment: EnvironmentChoice,
    proposal_volumes: Mapping[str, Sequence[Mapping[str, Any]]],
    base: Mapping[str, Any],
) -> dict[str, Any]:
    """The KubeSpawner trait values (:data:`POD_SETTINGS`) of one start.

    Parameters
    ----------
    request
        The validated form (:func:`panhub.form.validate_options`), for ``profile``.
    profile, environment
        The request's profile and environment.
    proposal_volumes
        ``{"volumes": [...], "volume_mounts": [...]}`` of the user's proposals, from
        :func:`panhub.mounts.render_kubespawner`.
    base
        The configured values of the same traits, which the result extends: the
        administrator's volumes (home, kernels), selectors, tolerations, resources.
    """
    cores = float(request.cpus)
    memory = request.memory_gb * GIB
    gpus = {profile.gpu_resource: str(request.gpus)} if request.gpus else {}
    return {
        "cmd": make_command(environment.setup, as_list(base.get("cmd"))),
        "cpu_limit": cores,
        "cpu_guarantee": cores,
        "mem_limit": memory,
        "mem_guarantee": memory,
        "extra_resource_limits": {**dict(base.get("extra_resource_limits") or {}), **gpus},
        "extra_resource_guarantees": {
            **dict(base.get("extra_resource_guarantees") or {}),
            **gpus,
        },
        "node_selector": {**dict(base.get("node_selector") or {}), **profile.node_selector},
        "tolerations": [
            *as_list(base.get("tolerations")),
            *(dict(t) for t in profile.tolerations),
        ],
        "volumes": [*as_list(base.get("volumes")), *proposal_volumes["volumes"]],
        "volume_mounts": [
            *as_list(base.get("volume_mounts")),
            *proposal_volumes["volume_mounts"],
        ],
        "extra_pod_config": {
            **dict(base.get("extra_pod_config") or {}),
            "activeDeadlineSeconds": request.runtime_minutes * 60,
        },
    }
