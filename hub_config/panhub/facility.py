"""What panhub's two spawners share: proposal access, the validated form, the Lab's setting.

:class:`FacilitySpawnerMixin` goes before the spawner it extends, as
:class:`panhub.auth.ProposalsMixin` does for authenticators:

- ``FacilitySlurmSpawner(FacilitySpawnerMixin, SlurmSpawner)`` (:mod:`panhub.spawner`):
  the choices are the cluster's partitions, read from ``sinfo``;
- ``FacilityKubeSpawner(FacilitySpawnerMixin, KubeSpawner)`` (:mod:`panhub.kube`): the
  choices are the configured CPU and GPU profiles.

Both read the user's proposals from ``auth_state`` (:attr:`access`), offer the same form
(:func:`panhub.form.render_form`), check a form or a REST body with the same
:func:`panhub.form.validate_options` (a refusal is a 400 that leaves the stored options as
they were), and tell the server the same things of the data layout, the catalogue and the
staff kernels (:meth:`get_env`, :meth:`get_args`).
"""

from __future__ import annotations

import sys
from typing import Any

from sqlalchemy.orm import object_session
from tornado import web
from traitlets import Bool, Dict, List, Unicode, default
from traitlets.config import LoggingConfigurable

from panhub.auth import AUTH_STATE_KEY
from panhub.form import (
    EnvironmentChoice,
    FormError,
    PartitionChoice,
    ResourceRequest,
    flatten_form,
    make_environment_choices,
    render_form,
    validate_options,
)
from panhub.kernels import registry
from panhub.mounts import Layout, get_lab_start, make_lab_env
from panhub.proposals import Access, InvalidProposal


class FormRejected(web.HTTPError):  # type: ignore[misc]
    """A 400 whose message JupyterHub shows above the re-rendered form."""

    def __init__(self, error: FormError) -> None:
        super().__init__(400, str(error))
        # shown on the form page and in the REST API's 400 answer
        self.jupyterhub_message = "Please correct the form: " + str(error)


class FacilitySpawnerMixin(LoggingConfigurable):
    """Proposal access, the resource form and the Lab's environment, for any spawner.

    Not a Spawner itself (JupyterHub refuses a Spawner subclass without ``start``): its
    methods reach the spawner it is mixed into through ``super()``. A subclass says what
    its choices are (:meth:`get_partition_choices`) and where the user's home folder is
    (:meth:`get_homedir`).
    """

    environments = Dict(
        help="Software environments offered in the form, in order (the first is the "
        "default): name -> ``{'description': str, 'setup': [shell lines]}``. The setup "
        "lines run before the server starts (in the SLURM job, or in the pod's shell). "
        "Default: the hub's own Python prefix. Example: ``{'tomo': {'description': "
        "'Tomography', 'setup': ['source /opt/envs/tomo/bin/activate']}}``.",
    ).tag(config=True)

    @default("environments")
    def _default_environments(self) -> dict[str, Any]:
        return {
            "default": {
                "description": "panhub (JupyterLab, NumPy, h5py, silx)",
                "setup": [f"export PATH={sys.prefix}/bin:$PATH"],
            }
        }

    proposals_layout = Dict(
        help="panhub.mounts.Layout fields: root, view, home, scratch, raw, processed, "
        "group_prefix. Example: {'root': '/gpfs/proposals', 'view': '/data'}.",
    ).tag(config=True)

    catalogue_url = Unicode(
        "",
        help="The catalogue service's URL as the servers reach it, ending in its prefix "
        "(``/services/catalogue/``): the server's catalogue panel and the kernels' "
        "``Catalogue()`` call it with the server's own hub token. Empty: no catalogue. "
        "Example: ``'http://hub.example.org:8090/services/catalogue/'``.",
    ).tag(config=True)

    kernels_path = List(
        Unicode(),
        ["/opt/panhub/kernels/share/jupyter"],
        help="Folders holding the staff kernels' specs (``<prefix>/share/jupyter`` of "
        "``panhub kernels``, ``c.Kernels.prefix``), given to the server as "
        "``JUPYTER_PATH``: every user's server finds the kernels there, before the "
        "user's own ``~/.local/share/jupyter``, so that nobody's kernel can shadow a "
        "staff one. Each must be visible to the server (a shared file system on SLURM, "
        "in the data view's ``view_system`` binds: ``/opt/panhub`` is; a read-only "
        "volume on Kubernetes). Empty: none.",
    ).tag(config=True)

    kernel_environments = Bool(
        True,
        help="Offer each current staff kernel found in ``kernels_path`` (the newest version "
        "of each, not retired) as an environment in the form, after ``environments``: the "
        "server then opens new notebooks on that kernel and puts its environment's tools "
        "first on the terminal's PATH (after the first environment's setup lines, which "
        "start the server). The hub reads the kernelspecs from ``kernels_path``, so the "
        "prefix must be mounted on the hub's host (or pod) too. False: only "
        "``environments``.",
    ).tag(config=True)

    lab_start = Unicode(
        "",
        help="Folder the Lab's file browser opens at the first time (afterwards the last "
        "folder used); absolute, inside the server's root (``notebook_dir``, ``/`` so "
        "that the browser reaches home and proposals with the paths as mounted). Empty: "
        "the proposals' view with a data view, else the home folder.",
    ).tag(config=True)

    access: Access | None = None

    @default("auth_state_hook")
    def _default_auth_state_hook(self) -> Any:
        def hook(spawner: FacilitySpawnerMixin, auth_state: dict[str, Any] | None) -> None:
            data = (auth_state or {}).get(AUTH_STATE_KEY)
            try:
                spawner.access = Access.from_json(data) if data else None
            except (InvalidProposal, KeyError, ValueError) as exc:
                spawner.log.error("Ignoring bad proposal access for %s: %s", spawner.user.name, exc)
                spawner.access = None

        return hook

    def get_proposals(self) -> list[str]:
        """The ids of the proposals this user's server may see (none without access)."""
        if self.access is None or self.access.user != self.user.name:
            self.log.warning("No proposal membership for %s: empty data view", self.user.name)
            return []
        return list(self.access.proposals)

    def get_layout(self) -> Layout:
        return Layout(**self.proposals_layout)

    def get_homedir(self) -> str:
        """The user's home folder as the server sees it."""
        raise NotImplementedError

    def has_data_view(self) -> bool:
        """Whether the server sees the proposals through the view (``/data``)."""
        raise NotImplementedError

    async def get_partition_choices(self) -> list[PartitionChoice]:
        """What the form offers to run on, with each choice's limits."""
        raise NotImplementedError

    def get_env(self) -> dict[str, str]:
        env: dict[str, str] = super().get_env()
        env.update(make_lab_env(self.get_layout(), self.has_data_view(), self.catalogue_url))
        if self.kernels_path:
            env["JUPYTER_PATH"] = ":".join(self.kernels_path)
        return env

    def get_args(self) -> list[str]:
        args: list[str] = super().get_args()
        start = self.lab_start or get_lab_start(
            self.get_layout(), self.has_data_view(), self.get_homedir()
        )
        return [*args, f"--FileContentsManager.preferred_dir={start}"]

    # ------------------------------------------------------------------ choices + form

    def get_environments(self) -> list[EnvironmentChoice]:
        """The configured environments, then the staff kernels (:attr:`kernel_environments`)."""
        choices = make_environment_choices(self.environments)
        if self.kernel_environments and self.kernels_path:
            specs = registry.read_kernelspecs(self.kernels_path)
            current = registry.get_current(registry.make_entries(specs))
            base_setup = choices[0].setup if choices else ()
            taken = {c.name for c in choices}
            kernels = registry.make_kernel_environments(current, base_setup)
            choices += [c for c in kernels if c.name not in taken]
        return choices

    async def get_options_form(self) -> str:
        partitions = await self.get_partition_choices()
        return render_form(partitions, self.get_environments(), self.user_options or {})

    async def run_options_from_form(self, form_data: dict[str, list[str]]) -> dict[str, Any]:
        request = await self.validate(flatten_form(form_data))
        return request.to_options()

    async def validate(self, options: dict[str, Any]) -> ResourceRequest:
        """Validate user options; raise :class:`FormRejected` (HTTP 400) with the reasons."""
        if not isinstance(options, dict):
            raise FormRejected(FormError({"options": "must be a JSON object"}))
        try:
            return validate_options(
                options, await self.get_partition_choices(), self.get_environments()
            )
        except FormError as exc:
            raise FormRejected(exc) from None

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # the options the hub stored before any request of this hub's life changed them:
        # JupyterHub saves a request's options before apply_user_options runs, so a
        # refusal restores the last accepted ones
        self._accepted_options = dict(self.user_options or {})

    @default("apply_user_options")
    def _default_apply_user_options(self) -> Any:
        async def apply(spawner: FacilitySpawnerMixin, user_options: dict[str, Any]) -> None:
            # runs for form and REST spawns alike, before start(): a bad REST body is a 400
            try:
                await spawner.validate(user_options or {})
            except FormRejected:
                spawner.restore_accepted_options()
                raise
            spawner._accepted_options = dict(user_options or {})

        return apply

    def restore_accepted_options(self) -> None:
        """Undo a refused request's options: the hub stores what it stored before."""
        accepted = dict(self._accepted_options)
        self.user_options = accepted
        orm = self.orm_spawner
        if orm is not None and orm.user_options != accepted:
            orm.user_options = accepted
            session = object_session(orm)
            if session is not None:
                session.commit()
