"""FacilitySlurmSpawner: batchspawner's SlurmSpawner with a validated resource form.

The spawner is a thin shell: it declares settings, runs SLURM commands, and hands their
text to the pure functions in :mod:`panhub.slurm` and :mod:`panhub.form`.

What it changes from batchspawner 1.3.0:

- ``user_options`` are validated against the form's fields and the cluster's limits
  (from ``sinfo``, cached); they no longer override the job-script variables.
- the job script comes from :func:`panhub.slurm.make_job_script`: named
  ``jhub-<hub>-<user>-<server>``, log outside the home folder's listing, no login shell,
  no extra job step.
- the job id is saved in the hub database right after ``sbatch``, so a hub restart while
  the job is queued does not orphan it.
- the port arrives through :class:`panhub.port_callback.PortCallbackHandler`, which accepts a
  port and nothing else, and wakes ``start()`` at once; meanwhile the job is polled with
  back-off, and a job that ends before its server reports is noticed (batchspawner #254).
- progress messages give SLURM's pending reason and expected start time.
- a failing ``squeue`` is UNKNOWN (keep the server), never "gone".
"""

from __future__ import annotations

import asyncio
import pwd
import sys
import time
from collections.abc import AsyncIterator
from typing import Any

from batchspawner import SlurmSpawner
from batchspawner.batchspawner import JobStatus, format_template
from sqlalchemy.orm import object_session
from tornado import web
from traitlets import Bool, Dict, Float, List, Unicode, default

from panhub import port_callback
from panhub.auth import AUTH_STATE_KEY
from panhub.form import (
    EnvironmentChoice,
    FormError,
    PartitionChoice,
    ResourceRequest,
    flatten_form,
    make_environment_choices,
    make_partition_choices,
    render_form,
    validate_options,
)
from panhub.kernels import registry
from panhub.mounts import (
    Layout,
    SystemView,
    get_lab_start,
    make_lab_env,
    make_view,
    render_bwrap,
)
from panhub.poller import SHARED_FORMAT, SharedPoller, run_shell
from panhub.proposals import Access, InvalidProposal
from panhub.slurm import (
    SINFO_FORMAT,
    SQUEUE_FORMAT,
    JobInfo,
    JobPhase,
    JobSpec,
    describe_pending,
    make_export_vars,
    make_job_name,
    make_job_script,
    parse_sinfo,
    parse_squeue,
)

port_callback.install()


def _as_tuples(value: Any) -> Any:
    """Lists from configuration as the tuples of the frozen dataclasses."""
    if isinstance(value, list | tuple):
        return tuple(_as_tuples(v) for v in value)
    return value


class FormRejected(web.HTTPError):
    """A 400 whose message JupyterHub shows above the re-rendered form."""

    def __init__(self, error: FormError) -> None:
        super().__init__(400, str(error))
        # shown on the form page and in the REST API's 400 answer
        self.jupyterhub_message = "Please correct the form: " + str(error)


class FacilitySlurmSpawner(SlurmSpawner):
    """Start JupyterLab as a SLURM job, with a resource form validated on the server."""

    hub_name = Unicode(
        "panhub",
        help="Name of this hub in job names (``jhub-<hub>-<user>-<server>``), so that "
        "several hubs can share a cluster. Example: ``'alba'``.",
    ).tag(config=True)

    partitions = Dict(
        default_value={
            "cpu": {"description": "CPU nodes"},
            "gpu": {"description": "GPU nodes"},
        },
        help="Partitions offered in the form, in order (the first is the default). Each "
        "maps to a dict with ``description`` and optional caps ``max_cpus``, "
        "``max_memory_gb``, ``max_gpus``, ``max_minutes`` that lower what sinfo reports. "
        "Example: ``{'cpu': {'description': 'CPU nodes', 'max_cpus': 16}}``.",
    ).tag(config=True)

    environments = Dict(
        help="Software environments offered in the form, in order (the first is the "
        "default): name -> ``{'description': str, 'setup': [shell lines]}``. The setup "
        "lines run in the job before the server starts. Default: the hub's own Python "
        "prefix. Example: ``{'tomo': {'description': 'Tomography', "
        "'setup': ['source /opt/envs/tomo/bin/activate']}}``.",
    ).tag(config=True)

    @default("environments")
    def _default_environments(self) -> dict[str, Any]:
        return {
            "default": {
                "description": "panhub (JupyterLab, NumPy, h5py, silx)",
                "setup": [f"export PATH={sys.prefix}/bin:$PATH"],
            }
        }

    sinfo_cmd = Unicode(
        f"sinfo -h -a -o '{SINFO_FORMAT}'",
        help="Command that lists partitions and their limits, in panhub.slurm.SINFO_FORMAT.",
    ).tag(config=True)

    sinfo_cache_seconds = Float(
        60.0,
        help="Seconds to reuse sinfo's answer for forms and validation (0: always ask).",
    ).tag(config=True)

    job_log_dir = Unicode(
        "{homedir}/.panhub/logs",
        help="Folder for the job logs (``slurm-<jobid>.log``), formatted with "
        "``{homedir}`` and ``{username}``. The default is hidden from the Lab file browser.",
    ).tag(config=True)

    extra_sbatch = List(
        Unicode(),
        help="Extra ``#SBATCH`` options for every job, each starting with ``--``. "
        "Example: ``['--constraint=ib']``.",
    ).tag(config=True)

    pending_poll_max = Float(
        5.0,
        help="Longest interval (s) between squeue calls while a job waits in the queue; "
        "polling starts at ``startup_poll_interval`` and backs off to this.",
    ).tag(config=True)

    stop_timeout = Float(
        15.0,
        help="Seconds ``stop()`` waits for SLURM to confirm that the job has ended.",
    ).tag(config=True)

    batchspawner_singleuser_cmd = Unicode(
        "panhub-singleuser",
        help="Wrapper that starts the server and reports its port once it listens.",
    ).tag(config=True)

    batch_query_cmd = Unicode(f"squeue -h -j {{job_id}} -o '{SQUEUE_FORMAT}'").tag(config=True)

    startup_poll_interval = Float(
        0.5, help="First interval (s) between squeue calls while a job is pending."
    ).tag(config=True)

    data_view = Bool(
        False,
        help="Run the server inside a bubblewrap view that shows exactly the user's "
        "proposals under the layout's view folder (raw read-only, processed writable). "
        "Needs bubblewrap on the nodes and membership in auth_state (ProposalsMixin).",
    ).tag(config=True)

    proposals_layout = Dict(
        help="panhub.mounts.Layout fields: root, view, home, scratch, raw, processed, "
        "group_prefix. Example: {'root': '/gpfs/proposals', 'view': '/data'}.",
    ).tag(config=True)

    bwrap_cmd = Unicode("bwrap", help="The bubblewrap executable on the compute nodes.").tag(
        config=True
    )

    view_system = Dict(
        help="panhub.mounts.SystemView fields: what of the node's system the data view "
        "shows, read-only (``binds``), as links (``links``: [text, path] pairs) and "
        "hidden (``hidden`` folders, ``hidden_files``). Default: /usr, /etc without its "
        "secrets, /opt/panhub, /run/munge, and the merged-/usr links. Example: "
        "``{'binds': ['/usr', '/etc', '/opt/panhub', '/run/munge', '/opt/kernels']}``.",
    ).tag(config=True)

    job_umask = Unicode(
        "0077",
        help="File-creation mask of the server and its kernels: new files in the home "
        "folder are private. Under a proposal's processed/ folder, its default ACL "
        "(``panhub accounts sync``) shares them with the proposal's group anyway.",
    ).tag(config=True)

    shared_poll = Bool(
        True,
        help="Answer the hub's periodic polls of all servers from one squeue call "
        "(shared_poll_cmd, run by the hub's own account, which must see all users' jobs), "
        "instead of one 'sudo squeue' per server and poll.",
    ).tag(config=True)

    shared_poll_cmd = Unicode(
        f"squeue -h -o '{SHARED_FORMAT}' -j {{job_ids}}",
        help="The shared poll's command; {job_ids} is the comma-separated list of jobs.",
    ).tag(config=True)

    shared_poll_prefix = Unicode(
        "",
        help="Command prefix of the shared poll, for a hub account that cannot see "
        "other users' jobs (``PrivateData=jobs``): e.g. ``'sudo -n -u slurm'``, with a "
        "sudo rule for squeue only (panhub.site.make_sudoers). Empty: run it as the hub.",
    ).tag(config=True)

    shared_poll_max_age = Float(
        5.0, help="Seconds one shared squeue answer serves the polls of all servers."
    ).tag(config=True)

    catalogue_url = Unicode(
        "",
        help="The catalogue service's URL as the compute nodes reach it, ending in its "
        "prefix (``/services/catalogue/``): the server's catalogue panel and the kernels' "
        "``Catalogue()`` call it with the server's own hub token. Empty: no catalogue. "
        "Example: ``'http://hub.example.org:8090/services/catalogue/'``.",
    ).tag(config=True)

    kernels_path = List(
        Unicode(),
        ["/opt/panhub/kernels/share/jupyter"],
        help="Folders holding the staff kernels' specs (``<prefix>/share/jupyter`` of "
        "``panhub kernels``, ``c.Kernels.prefix``), given to the server as "
        "``JUPYTER_PATH``: every user's server on every node finds the kernels there, "
        "before the user's own ``~/.local/share/jupyter``, so that nobody's kernel can "
        "shadow a staff one. Each must be visible inside the job (on a shared file system, "
        "and in the data view's ``view_system`` binds: ``/opt/panhub`` is). Empty: none.",
    ).tag(config=True)

    kernel_environments = Bool(
        True,
        help="Offer each current staff kernel found in ``kernels_path`` (the newest version "
        "of each, not retired) as an environment in the form, after ``environments``: the "
        "server then opens new notebooks on that kernel and puts its environment's tools "
        "first on the terminal's PATH (after the first environment's setup lines, which "
        "start the server). The hub reads the kernelspecs from ``kernels_path``, so the "
        "prefix must be mounted on the hub's host too. False: only ``environments``.",
    ).tag(config=True)

    lab_start = Unicode(
        "",
        help="Folder the Lab's file browser opens at the first time (afterwards the last "
        "folder used); absolute, inside the server's root (``notebook_dir``, ``/`` so "
        "that the browser reaches home and proposals with the paths as mounted). Empty: "
        "the proposals' view with ``data_view``, else the home folder.",
    ).tag(config=True)

    _sinfo_cache: tuple[float, str] | None = None
    _poller: SharedPoller | None = None
    access: Access | None = None

    @default("auth_state_hook")
    def _default_auth_state_hook(self) -> Any:
        def hook(spawner: FacilitySlurmSpawner, auth_state: dict[str, Any] | None) -> None:
            data = (auth_state or {}).get(AUTH_STATE_KEY)
            try:
                spawner.access = Access.from_json(data) if data else None
            except (InvalidProposal, KeyError, ValueError) as exc:
                spawner.log.error("Ignoring bad proposal access for %s: %s", spawner.user.name, exc)
                spawner.access = None

        return hook

    def get_homedir(self) -> str:
        """The user's home folder, from the password database."""
        return pwd.getpwnam(self.user.name).pw_dir

    def get_log_dir(self) -> str:
        """Where this user's job logs go (``job_log_dir`` filled in)."""
        return self.job_log_dir.format(homedir=self.get_homedir(), username=self.user.name)

    def get_layout(self) -> Layout:
        return Layout(**self.proposals_layout)

    def make_view_prefix(self) -> list[str]:
        """The bubblewrap prefix of the server command, or nothing without ``data_view``."""
        if not self.data_view:
            return []
        if self.access is None or self.access.user != self.user.name:
            self.log.warning("No proposal membership for %s: empty data view", self.user.name)
            proposals: list[str] = []
        else:
            proposals = list(self.access.proposals)
        layout = self.get_layout()
        system = SystemView(**{k: _as_tuples(v) for k, v in self.view_system.items()})
        mounts = make_view(self.user.name, proposals, layout, self.get_homedir(), system)
        return render_bwrap(mounts, layout, self.bwrap_cmd)

    def get_env(self) -> dict[str, str]:
        env: dict[str, str] = super().get_env()
        env.update(make_lab_env(self.get_layout(), self.data_view, self.catalogue_url))
        if self.kernels_path:
            env["JUPYTER_PATH"] = ":".join(self.kernels_path)
        return env

    def get_args(self) -> list[str]:
        args: list[str] = super().get_args()
        start = self.lab_start or get_lab_start(
            self.get_layout(), self.data_view, self.get_homedir()
        )
        return [*args, f"--FileContentsManager.preferred_dir={start}"]

    # ------------------------------------------------------------------ choices + form

    async def get_cluster_partitions(self) -> list[PartitionChoice]:
        """The configured partitions with their limits from sinfo (cached, class-wide)."""
        cached = FacilitySlurmSpawner._sinfo_cache
        now = time.monotonic()
        if cached is None or now - cached[0] > self.sinfo_cache_seconds:
            output = await self.run_command(self.sinfo_cmd)
            cached = FacilitySlurmSpawner._sinfo_cache = (now, output)
        return make_partition_choices(self.partitions, parse_sinfo(cached[1]))

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
        partitions = await self.get_cluster_partitions()
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
                options, await self.get_cluster_partitions(), self.get_environments()
            )
        except FormError as exc:
            raise FormRejected(exc) from None

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # the options the hub stored before any request of this hub's life changed them:
        # JupyterHub saves a request's options before apply_user_options runs, so a
        # refusal restores the last accepted ones (batchspawner's hooks do not)
        self._accepted_options = dict(self.user_options or {})

    @default("apply_user_options")
    def _default_apply_user_options(self) -> Any:
        async def apply(spawner: FacilitySlurmSpawner, user_options: dict[str, Any]) -> None:
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

    # ------------------------------------------------------------------ job script

    def make_job_spec(self, request: ResourceRequest, env: dict[str, str]) -> JobSpec:
        """Turn a validated request into the job's full description."""
        home = self.get_homedir()
        environment = {e.name: e for e in self.get_environments()}[request.environment]
        return JobSpec(
            job_name=make_job_name(self.hub_name, self.user.name, self.name),
            partition=request.partition,
            cpus=request.cpus,
            memory_mb=request.memory_gb * 1024,
            runtime_minutes=request.runtime_minutes,
            gpus=request.gpus,
            gpu_gres=self.req_gres or "gpu:{gpus}",
            reservation=request.reservation,
            account=self.req_account,
            qos=self.req_qos,
            workdir=home,
            log_dir=self.get_log_dir(),
            export_vars=make_export_vars(env, self.req_keepvars_extra.split(",")),
            extra_sbatch=tuple(self.extra_sbatch),
            prologue=self.req_prologue,
            setup=environment.setup,
            umask=self.job_umask,
            command=(
                *self.make_view_prefix(),
                self.batchspawner_singleuser_cmd,
                *self.cmd,
                *self.get_args(),
                *environment.get_server_args(),
            ),
        )

    async def submit_batch_script(self) -> str:
        request = await self.validate(self.user_options or {})
        env = self.get_env()
        script = make_job_script(self.make_job_spec(request, env))
        subvars = self.get_req_subvars()
        cmd = " ".join(
            (
                format_template(self.exec_prefix, **subvars),
                format_template(self.batch_submit_cmd, **subvars),
            )
        )
        self.log.info("Submitting job for %s: %s", self._log_name, cmd)
        self.log.debug("Job script:\n%s", script)
        out = await self.run_command(cmd, input=script, env=env)
        self.job_id = self.parse_job_id(out)
        self.save_state_now()
        self.log.info("Job %s submitted for %s", self.job_id, self._log_name)
        return self.job_id

    def save_state_now(self) -> None:
        """Write the spawner state (job id) to the hub database at once."""
        orm = self.orm_spawner
        if orm is None:
            return
        orm.state = self.get_state()
        session = object_session(orm)
        if session is not None:
            session.commit()

    # ------------------------------------------------------------------ job state

    @property
    def job_info(self) -> JobInfo:
        return parse_squeue(self.job_status or "")

    def state_ispending(self) -> bool:
        return self.job_info.phase is JobPhase.PENDING

    def state_isrunning(self) -> bool:
        return self.job_info.phase is JobPhase.RUNNING

    def state_isunknown(self) -> bool:
        return self.job_info.phase is JobPhase.UNKNOWN

    def state_gethost(self) -> str:
        return self.job_info.host

    async def poll(self) -> int | None:
        # A job whose server never reported its port, while no spawn is under way, was
        # submitted by a hub that then died: JupyterHub cannot resume that spawn, and
        # would not stop a server it believes stopped, so cancel the job here.
        if (
            self.job_id
            and not self._spawn_pending
            and self.server is not None
            and not self.server.port
        ):
            self.log.warning(
                "Job %s of %s outlived its spawn; cancelling it", self.job_id, self._log_name
            )
            try:
                await self.cancel_batch_job()
            except RuntimeError as exc:
                self.log.warning("Could not cancel job %s: %s", self.job_id, exc)
            self.clear_state()
            return 1
        if not self.shared_poll or not self.job_id:
            result: int | None = await super().poll()
            return result
        self.job_status = await self.get_shared_poller().status(self.job_id)
        if self.job_info.phase is JobPhase.GONE:
            self.clear_state()
            return 1
        return None

    def get_shared_poller(self) -> SharedPoller:
        """The hub's one poller (class-wide: all spawners share it)."""
        if FacilitySlurmSpawner._poller is None:
            command = " ".join(filter(None, (self.shared_poll_prefix, self.shared_poll_cmd)))
            FacilitySlurmSpawner._poller = SharedPoller(
                run_shell, command, self.shared_poll_max_age
            )
        return FacilitySlurmSpawner._poller

    # ------------------------------------------------------------------ start / stop

    def receive_port(self, port: int) -> None:
        """Called by the port callback handler: the server listens on ``port``."""
        self.port = port
        event = getattr(self, "_port_event", None)
        if event is not None:
            event.set()

    async def start(self) -> tuple[str, int]:
        self.port = 0
        if self.server:
            self.server.port = 0
        self._port_event = asyncio.Event()
        self.job_status = ""
        await self.submit_batch_script()
        interval = self.startup_poll_interval
        while not self._port_event.is_set():
            try:
                await asyncio.wait_for(self._port_event.wait(), timeout=interval)
            except TimeoutError:
                pass
            else:
                break
            status = await self.query_job_status()
            if status is JobStatus.NOTFOUND:
                log = self.get_log_dir()
                job_id = self.job_id
                self.clear_state()
                raise RuntimeError(
                    f"SLURM job {job_id} ended before JupyterLab started; "
                    f"see {log}/slurm-{job_id}.log"
                )
            interval = min(interval * 1.5, self.pending_poll_max)
        host = await self.get_running_host()
        self.log.info("Job %s: server at %s:%s", self.job_id, host, self.port)
        return host, self.port

    async def get_running_host(self, attempts: int = 20) -> str:
        """Where the job runs: from the last squeue if it said RUNNING, else ask again.

        A running job's node does not change, so a RUNNING answer from the wait for
        the port is enough; otherwise squeue is asked, retrying while it hiccups.
        """
        if self.job_info.phase is JobPhase.RUNNING and self.job_info.host:
            return self.job_info.host
        for _ in range(attempts):
            status = await self.query_job_status()
            host = self.state_gethost() if status is JobStatus.RUNNING else ""
            if host:
                return host
            if status is JobStatus.NOTFOUND:
                break
            await asyncio.sleep(0.25)
        raise RuntimeError(f"SLURM job {self.job_id} reported a port but is not running")

    async def stop(self, now: bool = False) -> None:
        if not self.job_id:
            return
        self.log.info("Stopping job %s of %s", self.job_id, self._log_name)
        await self.cancel_batch_job()
        if now:
            return
        deadline = time.monotonic() + self.stop_timeout
        interval = 0.2
        while time.monotonic() < deadline:
            status = await self.query_job_status()
            if status not in (JobStatus.RUNNING, JobStatus.UNKNOWN):
                return
            await asyncio.sleep(interval)
            interval = min(interval * 1.5, 2.0)
        self.log.warning("Job %s did not end within %ss", self.job_id, self.stop_timeout)

    async def progress(self) -> AsyncIterator[dict[str, Any]]:
        last = ""
        while True:
            info = self.job_info
            if self.port or info.phase is JobPhase.RUNNING:
                message = (
                    f"Job {self.job_id} running on {info.host or 'its node'}; starting JupyterLab"
                )
            elif info.phase is JobPhase.PENDING:
                message = f"Job {self.job_id}: " + describe_pending(info)
            elif self.job_id:
                message = f"Job {self.job_id} submitted; waiting for SLURM"
            else:
                message = "Submitting the job to SLURM"
            if message != last:
                yield {"message": message}
                last = message
            if self.port:
                return
            await asyncio.sleep(0.5)
