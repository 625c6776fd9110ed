"""Match the hub's jobs in SLURM against the hub's servers, and decide what to do (pure).

At hub start and every ``reconcile_interval`` seconds the hub lists its jobs (one
``squeue`` of all jobs named ``jhub-<hub>-<user>-``) and its servers' records (user,
server, saved job id, what the hub thinks of the server); :func:`reconcile` turns the two
into actions, which :mod:`panhub.reconciler` runs and reports:

- **adopt**: a live job the hub has a record of: nothing to do but report it;
- **cancel**: a live job no record owns, seen so in two passes in a row (a job whose id
  is being saved right after sbatch is not cancelled) and with no spawn of that server
  under way;
- **clean up**: a record of a running server whose job has ended, or which SLURM no longer
  lists and a second source or a second pass confirms gone (:func:`panhub.jobend.judge_missing`);
  the hub then stops the server, so its route and database row go;
- **watch**: not decided yet (an orphan seen once, a missing job not confirmed); the next
  pass decides;
- **wait**: an unowned job whose server's spawn is under way (its id is being saved).

Nothing here runs a command or imports JupyterHub.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum

from panhub.jobend import judge_missing
from panhub.slurm import SQUEUE_FORMAT, JobInfo, JobPhase, make_job_name, parse_squeue

#: the listing's format: job id, job name, user, then the fields parse_squeue reads
LIST_FORMAT = "%i|%j|%u|" + SQUEUE_FORMAT


class Verdict(Enum):
    """What the reconciler does about one job or record."""

    ADOPT = "adopt"
    CANCEL = "cancel"
    CLEAN_UP = "clean up"
    WATCH = "watch"
    WAIT = "wait"


class HubStatus(Enum):
    """What the hub thinks of a server."""

    RUNNING = "running"
    #: a spawn is under way: start() owns the job
    PENDING = "pending"
    #: a stop or a check is under way: the hub owns the job
    BUSY = "busy"


@dataclass(frozen=True)
class SlurmJob:
    """One of the hub's jobs as squeue lists it."""

    job_id: str
    name: str
    user: str
    server: str
    info: JobInfo


@dataclass(frozen=True)
class Record:
    """One active server as the hub knows it (``job_id`` empty before sbatch returns)."""

    user: str
    server: str
    job_id: str
    status: HubStatus


@dataclass(frozen=True)
class Action:
    """One decision, with what the report shows."""

    verdict: Verdict
    job_id: str
    user: str
    server: str
    state: str = ""
    node: str = ""
    detail: str = ""
    #: the job's state that led to a clean up (its end state), for the user's message
    info: JobInfo = field(default=JobInfo(JobPhase.UNKNOWN), compare=False)


@dataclass(frozen=True)
class Memory:
    """What one pass leaves the next: unowned jobs and unconfirmed missing jobs seen."""

    unowned: frozenset[str] = frozenset()
    missing: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Plan:
    """The actions of one pass and the memory for the next."""

    actions: tuple[Action, ...]
    memory: Memory


def get_job_prefix(hub: str, user: str) -> str:
    """The start of every job name of ``user``'s servers on hub ``hub``.

    >>> get_job_prefix("demo", "alice")
    'jhub-demo-alice-'
    """
    return make_job_name(hub, user, "-")[:-1]


def parse_job_list(text: str, hub: str) -> dict[str, SlurmJob]:
    """The hub's jobs in ``squeue -h --states=all -o LIST_FORMAT`` output, by job id.

    A job is the hub's when its name starts with ``jhub-<hub>-<its user>-``: another
    hub's jobs (``jhub-<other>-...``) and the users' own jobs are left out.
    """
    jobs = {}
    for line in text.splitlines():
        fields = line.strip().split("|", 3)
        if len(fields) != 4:
            continue
        job_id, name, user, rest = fields
        prefix = get_job_prefix(hub, user)
        if not job_id or not name.startswith(prefix):
            continue
        server = name[len(prefix) :]
        server = "" if server == "default" else server
        jobs[job_id] = SlurmJob(job_id, name, user, server, parse_squeue(rest))
    return jobs


def find_missing(jobs: Mapping[str, SlurmJob], records: Iterable[Record]) -> list[str]:
    """The job ids of running servers that the listing does not hold (ask a second source)."""
    return sorted(
        r.job_id
        for r in records
        if r.status is HubStatus.RUNNING and r.job_id and r.job_id not in jobs
    )


def reconcile(
    jobs: Mapping[str, SlurmJob],
    records: Iterable[Record],
    second: Mapping[str, JobInfo],
    memory: Memory,
    hub: str,
) -> Plan:
    """Decide about every hub job and every running server's record.

    Parameters
    ----------
    jobs
        The hub's jobs from a successful listing (:func:`parse_job_list`).
    records
        The hub's active servers.
    second
        The second source's answer for the jobs :func:`find_missing` named.
    memory
        What the previous pass left (:attr:`Plan.memory`).
    hub
        The hub's name in job names.
    """
    records = list(records)
    job_actions, unowned = _judge_jobs(jobs, records, memory, hub)
    record_actions, missing = _judge_records(jobs, records, second, memory)
    return Plan((*job_actions, *record_actions), Memory(unowned, missing))


def _judge_jobs(
    jobs: Mapping[str, SlurmJob], records: list[Record], memory: Memory, hub: str
) -> tuple[list[Action], frozenset[str]]:
    """Adopt, wait for or cancel each live job; the unowned ones to watch."""
    owners = {r.job_id: r for r in records if r.job_id}
    spawning = {
        make_job_name(hub, r.user, r.server) for r in records if r.status is HubStatus.PENDING
    }
    actions: list[Action] = []
    unowned: set[str] = set()
    for job in sorted(jobs.values(), key=lambda j: int_or_text(j.job_id)):
        if job.info.phase is JobPhase.GONE:
            continue
        owner = owners.get(job.job_id)
        if owner is not None:
            detail = f"the hub's record: {owner.status.value}"
            actions.append(_job_action(Verdict.ADOPT, job, detail))
        elif job.name in spawning:
            actions.append(_job_action(Verdict.WAIT, job, "a spawn of this server is under way"))
        elif job.job_id in memory.unowned:
            actions.append(_job_action(Verdict.CANCEL, job, "no server of the hub owns it"))
        else:
            unowned.add(job.job_id)
            detail = "no owner; cancelled at the next pass if still none"
            actions.append(_job_action(Verdict.WATCH, job, detail))
    return actions, frozenset(unowned)


def _judge_records(
    jobs: Mapping[str, SlurmJob],
    records: list[Record],
    second: Mapping[str, JobInfo],
    memory: Memory,
) -> tuple[list[Action], frozenset[str]]:
    """Clean up each running server whose job is gone; the unconfirmed ones to watch."""
    actions: list[Action] = []
    missing: set[str] = set()
    for record in records:
        if record.status is not HubStatus.RUNNING or not record.job_id:
            continue
        listed = jobs.get(record.job_id)
        if listed is not None and listed.info.phase is not JobPhase.GONE:
            continue  # adopted with the jobs
        if listed is not None:
            info = listed.info
        else:
            misses = 2 if record.job_id in memory.missing else 1
            info = judge_missing(misses, second.get(record.job_id))
        if info.phase is JobPhase.GONE:
            detail = f"the job ended ({info.state})" if info.state else "SLURM no longer has it"
            actions.append(_record_action(Verdict.CLEAN_UP, record, info, detail))
        elif info.phase in (JobPhase.RUNNING, JobPhase.PENDING):
            actions.append(_record_action(Verdict.ADOPT, record, info, "listed by scontrol"))
        else:
            missing.add(record.job_id)
            detail = "not listed by squeue; not confirmed"
            actions.append(_record_action(Verdict.WATCH, record, info, detail))
    return actions, frozenset(missing)


def int_or_text(job_id: str) -> tuple[int, str]:
    """Sort key: job ids in numeric order, odd ones (array jobs ``12_3``) after."""
    return (int(job_id), "") if job_id.isdigit() else (1 << 62, job_id)


def _job_action(verdict: Verdict, job: SlurmJob, detail: str) -> Action:
    return Action(
        verdict, job.job_id, job.user, job.server, job.info.state, job.info.host, detail, job.info
    )


def _record_action(verdict: Verdict, record: Record, info: JobInfo, detail: str) -> Action:
    return Action(
        verdict, record.job_id, record.user, record.server, info.state, info.host, detail, info
    )


@dataclass(frozen=True)
class JobRow:
    """One line of the admin page's job table."""

    job_id: str
    state: str
    node: str
    user: str
    server: str
    #: what the hub thinks of the job's server ("no server": not the hub's record)
    hub_status: str


def make_job_rows(jobs: Mapping[str, SlurmJob], records: Iterable[Record]) -> list[JobRow]:
    """The listed jobs with the hub's view of each, in job id order."""
    owners = {r.job_id: r for r in records if r.job_id}
    rows = []
    for job in sorted(jobs.values(), key=lambda j: int_or_text(j.job_id)):
        owner = owners.get(job.job_id)
        status = owner.status.value if owner else "no server"
        rows.append(JobRow(job.job_id, job.info.state, job.info.host, job.user, job.server, status))
    return rows
