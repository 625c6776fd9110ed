"""FacilityKubeSpawner: KubeSpawner with panhub's form, profiles and proposal volumes.

The Kubernetes mode of the Helm chart (``helm/panhub``). A thin shell: it declares the
profiles and the proposals' claim, and overrides KubeSpawner's documented hook
``load_user_options``, which runs before every start, to apply what the pure functions
make of the user's choices:

- the form and its validation are the SLURM spawner's
  (:class:`panhub.facility.FacilitySpawnerMixin`), with the configured profiles as the
  choices (:func:`panhub.profiles.make_profiles`);
- the user's proposals come from ``auth_state`` as on SLURM, and
  :func:`panhub.mounts.make_mounts` (the one mount rule) makes their mounts;
  :func:`panhub.mounts.render_kubespawner` renders them as ``subPath`` volumes of the
  proposals' claim: ``<view>/<id>/raw`` read-only, ``<view>/<id>/processed`` writable,
  nothing else of the claim;
- :func:`panhub.profiles.make_pod_settings` sets CPU, memory and GPU limits, the
  profile's node selector and tolerations, and the run time as the pod's deadline.
"""

from __future__ import annotations

import copy
from typing import Any

from kubespawner import KubeSpawner
from traitlets import Dict, Unicode, default

from panhub.facility import FacilitySpawnerMixin, FormRejected
from panhub.form import FormError, PartitionChoice, ResourceRequest
from panhub.mounts import make_mounts, render_kubespawner
from panhub.profiles import (
    POD_SETTINGS,
    Profile,
    check_pod_request,
    make_pod_settings,
    make_profiles,
)


class FacilityKubeSpawner(FacilitySpawnerMixin, KubeSpawner):  # type: ignore[misc]
    """Start JupyterLab in a pod that sees exactly the user's proposals."""

    profiles = Dict(
        default_value={
            "cpu": {"description": "CPU", "max_cpus": 4, "max_memory_gb": 16},
            "gpu": {
                "description": "GPU",
                "max_cpus": 8,
                "max_memory_gb": 64,
                "max_gpus": 1,
                "node_selector": {"nvidia.com/gpu.present": "true"},
                "tolerations": [
                    {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}
                ],
            },
        },
        help="Profiles offered in the form, in order (the first is the default), as a "
        "SLURM hub offers partitions: name -> ``description``, ``max_cpus``, "
        "``max_memory_gb``, ``max_gpus`` (0), ``max_minutes`` (720), "
        "``default_minutes`` (60), ``node_selector``, ``tolerations``, ``gpu_resource`` "
        "(``nvidia.com/gpu``). A request gets what it asks for as both request and "
        "limit; its run time becomes the pod's ``activeDeadlineSeconds``. Example: "
        "``{'cpu': {'description': 'CPU', 'max_cpus': 16, 'max_memory_gb': 64}}``.",
    ).tag(config=True)

    proposals_claim = Unicode(
        "panhub-proposals",
        help="The PersistentVolumeClaim (ReadWriteMany) holding the proposals root "
        "(``proposals_layout['root']`` on the file servers): each of the user's "
        "proposals is mounted from it by ``subPath``, raw read-only and processed "
        "writable, at ``<view>/<id>/``. Example: ``'gpfs-proposals'``.",
    ).tag(config=True)

    @default("environments")
    def _default_environments(self) -> dict[str, Any]:
        # the image's own environment starts the server: no setup lines
        return {"default": {"description": "panhub (JupyterLab, NumPy, h5py, silx)"}}

    _server_args: tuple[str, ...] = ()

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # what the administrator configured: every start builds on this, not on the last
        self._base_settings = {name: copy.deepcopy(getattr(self, name)) for name in POD_SETTINGS}

    def get_homedir(self) -> str:
        """The home folder in the pod (``working_dir``, the chart's home mount)."""
        return str(self.working_dir or "/home/jovyan")

    def has_data_view(self) -> bool:
        # a pod sees the proposals only through the volumes of its view
        return True

    def get_profiles(self) -> list[Profile]:
        return make_profiles(self.profiles)

    async def get_partition_choices(self) -> list[PartitionChoice]:
        return [profile.to_choice() for profile in self.get_profiles()]

    async def validate(self, options: dict[str, Any]) -> ResourceRequest:
        request = await super().validate(options)
        try:
            check_pod_request(request)
        except FormError as exc:
            raise FormRejected(exc) from None
        return request

    async def load_user_options(self) -> None:
        """KubeSpawner's hook before each start: the form's choices and the proposals."""
        request = await self.validate(self.user_options or {})
        profile = {p.name: p for p in self.get_profiles()}[request.partition]
        environment = {e.name: e for e in self.get_environments()}[request.environment]
        layout = self.get_layout()
        mounts = make_mounts(self.user.name, self.get_proposals(), layout, self.get_homedir())
        volumes = render_kubespawner(mounts, layout, self.proposals_claim)
        settings = make_pod_settings(request, profile, environment, volumes, self._base_settings)
        for name, value in settings.items():
            setattr(self, name, value)
        self._server_args = environment.get_server_args()

    def get_args(self) -> list[str]:
        return [*super().get_args(), *self._server_args]
