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
- a failing ``squeue`` is UNKNOWN (keep the server), never "gone"; a job squeue no
  longer lists is gone only once a second source (``scontrol show job``) agrees or squeue
  left it out twice in a row (:func:`panhub.jobend.judge_missing`). squeue is asked for
  ended jobs too, so a job cancelled outside the hub, or ended by its time limit or a
  node failure, is noticed at the next poll; why it ended is kept for the user
  (``last_end`` in the spawner's state, shown on the hub's home and spawn pages until the
  server starts again).
- the server knows when its job ends (``$PANHUB_JOB_END``) and its Lab warns the user
  :attr:`~FacilitySlurmSpawner.walltime_warning_minutes` before.
- every SLURM command (sbatch, squeue, scancel, sinfo, the shared poll) can run on a
  submit host (:attr:`FacilitySlurmSpawner.submit_prefix`, e.g. SSH), so the hub can run
  where SLURM's tools are not, such as a Kubernetes pod.

The proposal access, the form's validation and the Lab's environment are shared with the
Kubernetes spawner (:class:`panhub.facility.FacilitySpawnerMixin`).
"""

from __future__ import annotations

import asyncio
import os
import pwd
import time
from collections.abc import AsyncIterator
from datetime import datetime
from functools import partial
from typing import Any

from batchspawner import SlurmSpawner
from batchspawner.batchspawner import JobStatus, format_template
from sqlalchemy.orm import object_session
from traitlets import Bool, Dict, Float, List, Unicode, default

from panhub import port_callback
from panhub.facility import FacilitySpawnerMixin, FormRejected
from panhub.form import PartitionChoice, ResourceRequest, make_partition_choices
from panhub.jobend import JobEnd, judge_missing, load_job_end, make_job_end
from panhub.mounts import SystemView, make_view, render_bwrap
from panhub.poller import SHARED_FORMAT, SharedPoller, ask_text, run_shell
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
    make_remote_command,
    parse_scontrol_job,
    parse_sinfo,
    parse_squeue,
)

port_callback.install()

_JOB_STATUS = {
    JobPhase.RUNNING: JobStatus.RUNNING,
    JobPhase.PENDING: JobStatus.PENDING,
    JobPhase.UNKNOWN: JobStatus.UNKNOWN,
    JobPhase.MISSING: JobStatus.UNKNOWN,
    JobPhase.GONE: JobStatus.NOTFOUND,
}

#: The lead time of the walltime warning, as the server reads it (minutes).
WALLTIME_WARNING_ENV = "PANHUB_WALLTIME_WARNING_MINUTES"


def _as_tuples(value: Any) -> Any:
    """Lists from configuration as the tuples of the frozen dataclasses."""
    if isinstance(value, list | tuple):
        return tuple(_as_tuples(v) for v in value)
    return value


#: What of the hub's environment its SLURM commands get (see run_command)
COMMAND_ENV_KEYS = ("PATH", "LANG", "LC_ALL", "TZ", "SLURM_CONF")

# FormRejected moved to panhub.facility with the form it guards; still importable from here
__all__ = ["FacilitySlurmSpawner", "FormRejected"]


class FacilitySlurmSpawner(FacilitySpawnerMixin, SlurmSpawner):  # type: ignore[misc]
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

    batch_query_cmd = Unicode(
        f"squeue -h --states=all -j {{job_id}} -o '{SQUEUE_FORMAT}'",
        help="One job's state (run as its owner through exec_prefix), in "
        "panhub.slurm.SQUEUE_FORMAT; ``--states=all`` so that an ended job shows its "
        "end state (CANCELLED, TIMEOUT, NODE_FAIL, ...) instead of nothing.",
    ).tag(config=True)

    startup_poll_interval = Float(
        0.5, help="First interval (s) between squeue calls while a job is pending."
    ).tag(config=True)

    data_view = Bool(
        False,
        help="Run the server inside a bubblewrap view that shows exactly the user's "
        "proposals under the layout's view folder (raw read-only, processed writable). "
        "Needs bubblewrap on the nodes and membership in auth_state (ProposalsMixin).",
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
        f"squeue -h --states=all -o '{SHARED_FORMAT}' -j {{job_ids}}",
        help="The shared poll's command; {job_ids} is the comma-separated list of jobs. "
        "``--states=all`` so that jobs that ended are listed with their end state.",
    ).tag(config=True)

    confirm_gone_cmd = Unicode(
        "scontrol show job -o {job_id}",
        help="Second source asked, like the shared poll (shared_poll_prefix, "
        "submit_prefix), about a job squeue no longer lists, before its server is "
        "removed; {job_id} is the job. An ended JobState or 'Invalid job id specified' "
        "confirms the end; an error keeps the server (then the job is gone once squeue "
        "leaves it out twice in a row). Empty: no second source.",
    ).tag(config=True)

    shared_poll_prefix = Unicode(
        "",
        help="Command prefix of the shared poll, for a hub account that cannot see "
        "other users' jobs (``PrivateData=jobs``): e.g. ``'sudo -n -u slurm'``, with a "
        "sudo rule for squeue only (panhub.site.make_sudoers). Empty: run it as the hub.",
    ).tag(config=True)

    shared_poll_max_age = Float(
        help="Seconds one shared squeue answer serves the polls of all servers. Default: "
        "0.9 x poll_interval, so the hub asks squeue about once per poll interval "
        "whatever the number of servers, and a job's end is acted on within one "
        "interval (the answer that sees it stops that server at once).",
    ).tag(config=True)

    @default("shared_poll_max_age")
    def _default_max_age(self) -> float:
        return 0.9 * float(self.poll_interval)

    submit_prefix = Unicode(
        "",
        help="Command prefix that reaches the host where SLURM's tools run, put before "
        "every SLURM command the hub runs (sbatch, squeue, scancel, sinfo, the shared "
        "poll; ``exec_prefix`` and ``shared_poll_prefix`` then run there too). The command "
        "after it is quoted as one word, as ssh needs. The job's variables travel only "
        "if the prefix sends them: with ssh, ``-o SendEnv=JUPYTERHUB_* -o "
        "SendEnv=PANHUB_* -o SendEnv=JUPYTER_PATH`` and ``AcceptEnv`` of the same on the "
        "submit host. Empty: run them on the hub's host. Example: ``'ssh -i "
        "/etc/panhub/ssh/id_ed25519 -o BatchMode=yes -o SendEnv=JUPYTERHUB_* "
        "panhub@slurm-login.example.org'``.",
    ).tag(config=True)

    walltime_warning_minutes = Float(
        10.0,
        min=0.0,
        help="Minutes before the job's time limit at which JupyterLab warns its user: a "
        "notification with the time left and how to save their work (the status bar "
        "shows the time left all along). Given to the server as "
        "``$PANHUB_WALLTIME_WARNING_MINUTES``; 0: no warning. Example: ``15``.",
    ).tag(config=True)

    _sinfo_cache: tuple[float, str] | None = None
    _poller: SharedPoller | None = None
    _end_task: asyncio.Future[Any] | None = None
    _sinfo_task: asyncio.Future[str] | None = None
    #: what SLURM last said of this server's job
    job_info = JobInfo(JobPhase.UNKNOWN)
    #: how the server's last job ended, for its user (kept across stop and restart)
    last_end: JobEnd | None = None

    async def run_command(
        self, cmd: str, input: str | None = None, env: dict[str, str] | None = None
    ) -> str:
        """batchspawner's runner, on the submit host when :attr:`submit_prefix` is set.

        ``sbatch`` runs with the job's environment (``env``); every other command
        (``scancel``, ``squeue``) with :data:`COMMAND_ENV_KEYS` of the hub's only, never
        its whole environment: ``exec_prefix`` is ``sudo -E -u USER``, so the command
        runs as the user with what it is given, and the user may read their own
        processes' environment, where the hub's secrets (its API and proxy tokens, its
        crypt key) would be. The hub's ``SLURM_CONF`` goes along either way: the hub's
        cluster is the job's.
        """
        kept = {k: os.environ[k] for k in COMMAND_ENV_KEYS if k in os.environ}
        env = {**env, **kept} if env is not None else kept
        out: str = await super().run_command(
            make_remote_command(self.submit_prefix, cmd), input=input, env=env
        )
        return out

    def get_env(self) -> dict[str, str]:
        env: dict[str, str] = super().get_env()
        env[WALLTIME_WARNING_ENV] = f"{self.walltime_warning_minutes:g}"
        return env

    def get_homedir(self) -> str:
        """The user's home folder, from the password database."""
        return pwd.getpwnam(self.user.name).pw_dir

    def get_log_dir(self) -> str:
        """Where this user's job logs go (``job_log_dir`` filled in)."""
        return self.job_log_dir.format(homedir=self.get_homedir(), username=self.user.name)

    def has_data_view(self) -> bool:
        return bool(self.data_view)

    def make_view_prefix(self) -> list[str]:
        """The bubblewrap prefix of the server command, or nothing without ``data_view``."""
        if not self.data_view:
            return []
        proposals = self.get_proposals()
        layout = self.get_layout()
        system = SystemView(**{k: _as_tuples(v) for k, v in self.view_system.items()})
        mounts = make_view(self.user.name, proposals, layout, self.get_homedir(), system)
        return render_bwrap(mounts, layout, self.bwrap_cmd)

    # ------------------------------------------------------------------ choices + form

    async def get_cluster_partitions(self) -> list[PartitionChoice]:
        """The configured partitions with their limits from sinfo (cached, class-wide)."""
        cached = FacilitySlurmSpawner._sinfo_cache
        now = time.monotonic()
        if cached is None or now - cached[0] > self.sinfo_cache_seconds:
            # one sinfo at a time: a storm of spawns waits for the same answer
            task = FacilitySlurmSpawner._sinfo_task
            if task is None:
                task = asyncio.ensure_future(self.run_command(self.sinfo_cmd))
                FacilitySlurmSpawner._sinfo_task = task
            try:
                output = await asyncio.shield(task)
            finally:
                if task.done() and FacilitySlurmSpawner._sinfo_task is task:
                    FacilitySlurmSpawner._sinfo_task = None
            cached = FacilitySlurmSpawner._sinfo_cache = (now, output)
        return make_partition_choices(self.partitions, parse_sinfo(cached[1]))

    async def get_partition_choices(self) -> list[PartitionChoice]:
        return await self.get_cluster_partitions()

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

    def load_state(self, state: dict[str, Any]) -> None:
        super().load_state(state)
        self.job_info = (
            parse_squeue(self.job_status) if self.job_status else JobInfo(JobPhase.UNKNOWN)
        )
        self.last_end = load_job_end(state.get("last_end"))

    def get_state(self) -> dict[str, Any]:
        state: dict[str, Any] = super().get_state()
        if self.last_end is not None:
            state["last_end"] = self.last_end.as_state()
        return state

    def clear_state(self) -> None:
        """Forget the job; ``last_end`` stays, for the user, until the next start."""
        super().clear_state()
        self.job_info = JobInfo(JobPhase.UNKNOWN)

    def state_ispending(self) -> bool:
        return self.job_info.phase is JobPhase.PENDING

    def state_isrunning(self) -> bool:
        return self.job_info.phase is JobPhase.RUNNING

    def state_isunknown(self) -> bool:
        return self.job_info.phase in (JobPhase.UNKNOWN, JobPhase.MISSING)

    def state_gethost(self) -> str:
        return self.job_info.host

    async def query_job_status(self) -> JobStatus:
        """This job's state from squeue (as its owner), a missing job confirmed first.

        Unlike batchspawner 1.3.0, any failure of the command is UNKNOWN, never "not
        found".
        """
        if not self.job_id:
            self.job_info = JobInfo(JobPhase.GONE)
            return JobStatus.NOTFOUND
        subvars = {**self.get_req_subvars(), "job_id": self.job_id}
        cmd = " ".join(
            (
                format_template(self.exec_prefix, **subvars),
                format_template(self.batch_query_cmd, **subvars),
            )
        )
        self.job_status = (await ask_text(self.run_command, cmd)).strip()
        info = parse_squeue(self.job_status)
        if info.phase is JobPhase.MISSING:
            info = judge_missing(1, await self.ask_second_source(self.job_id))
        self.job_info = info
        return _JOB_STATUS[info.phase]

    async def ask_second_source(self, job_id: str) -> JobInfo | None:
        """What ``confirm_gone_cmd`` says of ``job_id``; ``None`` without one."""
        if not self.confirm_gone_cmd:
            return None
        command = self.make_shared_command(self.confirm_gone_cmd.format(job_id=job_id))
        return parse_scontrol_job(await ask_text(run_shell, command))

    def note_job_end(self, info: JobInfo) -> None:
        """Keep why the job ended, for the user (:attr:`last_end`), and log it."""
        host = getattr(self.server, "ip", "") or ""
        self.last_end = make_job_end(self.job_id, info, host, self.name, datetime.now())
        self.log.warning(
            "Job %s of %s ended (%s): %s",
            self.job_id,
            self._log_name,
            self.last_end.state or "gone",
            self.last_end.message,
        )

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
            return await self._cancel_orphan("outlived its spawn")
        if not self.job_id:
            self.clear_state()
            return 1
        if self.shared_poll:
            poller = self.get_shared_poller()
            self.job_info = await poller.status(self.job_id)
            if self.job_info.phase is not JobPhase.GONE:
                poller.watch(self.job_id, partial(self._on_job_end, self.job_id))
        else:
            await self.query_job_status()
        if self.job_info.phase is JobPhase.PENDING and not (
            self._spawn_pending or self._stop_pending
        ):
            # still queued, and no spawn waits for it (the hub's start-up check, or its
            # polls): the spawn died with a hub, whose server row may already hold a
            # port (JupyterHub's random default, which the check above cannot tell from
            # a reported one), and the hub would wait 60 s for a server there in vain
            return await self._cancel_orphan("is still queued with no spawn waiting for it")
        if self.job_info.phase is not JobPhase.GONE:
            return None
        if not self._stop_pending:  # not a stop the hub asked for
            self.note_job_end(self.job_info)
        self.clear_state()
        return 1

    async def _cancel_orphan(self, why: str) -> int:
        """Cancel a job no spawn will take up, tell its user, and report it stopped."""
        self.log.warning("Job %s of %s %s; cancelling it", self.job_id, self._log_name, why)
        try:
            await self.cancel_batch_job()
        except RuntimeError as exc:
            self.log.warning("Could not cancel job %s: %s", self.job_id, exc)
        if not self._stop_pending:  # not the end of a spawn the hub gave up
            self.note_job_end(JobInfo(JobPhase.GONE, "INTERRUPTED"))
        self.clear_state()
        return 1

    def _on_job_end(self, job_id: str) -> None:
        """The shared poll saw job ``job_id`` end: if it is still this server's, poll now,
        so the hub stops it (not a job of an earlier server, nor during a spawn or stop)."""
        if self.job_id == job_id and self.server is not None and not self.pending:
            self._end_task = asyncio.ensure_future(self.poll_and_notify())

    def make_shared_command(self, command: str) -> str:
        """``command`` run as the shared poll is (shared_poll_prefix, submit_prefix)."""
        local = " ".join(filter(None, (self.shared_poll_prefix, command)))
        return make_remote_command(self.submit_prefix, local)

    def get_shared_poller(self) -> SharedPoller:
        """The hub's one poller (class-wide: all spawners share it)."""
        if FacilitySlurmSpawner._poller is None:
            confirm = (
                self.make_shared_command(self.confirm_gone_cmd) if self.confirm_gone_cmd else ""
            )
            FacilitySlurmSpawner._poller = SharedPoller(
                run_shell,
                self.make_shared_command(self.shared_poll_cmd),
                self.shared_poll_max_age,
                confirm,
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
        self.job_info = JobInfo(JobPhase.UNKNOWN)
        self.last_end = None  # a new start: the last end's message has served
        await self.submit_batch_script()
        interval = self.startup_poll_interval
        while not self._port_event.is_set():
            try:
                await asyncio.wait_for(self._port_event.wait(), timeout=interval)
            except TimeoutError:
                pass
            else:
                break
            status = await self.check_starting_job()
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

    async def check_starting_job(self) -> JobStatus:
        """The state of the job being started, while its server has not reported.

        From the shared poll when it is on: the spawns of a storm share one squeue (run
        as the shared poll's account) instead of one ``sudo squeue`` each.
        """
        if not self.shared_poll:
            return await self.query_job_status()
        self.job_info = await self.get_shared_poller().status(self.job_id)
        return _JOB_STATUS[self.job_info.phase]

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
