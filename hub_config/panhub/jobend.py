"""When a server's job is really gone, and what to tell its user (pure).

The hub removes a server only when its job is known to have ended: squeue shows an ended
state (CANCELLED, TIMEOUT, NODE_FAIL, ...), or squeue no longer lists the job and a
second source agrees (``scontrol show job``: an ended state or "Invalid job id"), or
squeue left it out twice in a row. Everything else keeps the server
(:func:`judge_missing`).

Why the job ended is kept for the user (:class:`JobEnd`, saved in the spawner's state
so that it outlives the server) and shown on the hub's home and spawn pages until the
server is started again.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import datetime

from panhub.slurm import JobInfo, JobPhase

#: how many successful squeue answers in a row may leave a job out before it is gone
ABSENT_LIMIT = 2

#: why a job ended, by SLURM state, as the user reads it after "stopped at 21:50 UTC: "
END_REASONS = {
    "TIMEOUT": "it reached its time limit",
    "DEADLINE": "it reached its deadline",
    "NODE_FAIL": "its node failed",
    "BOOT_FAIL": "its node failed to start",
    "CANCELLED": "its job was cancelled outside the hub (scancel or an administrator)",
    "PREEMPTED": "a job of higher priority preempted it",
    "OUT_OF_MEMORY": "it ran out of memory",
    "COMPLETED": "the server exited",
    "FAILED": "the server exited with an error (see the job log in ~/.panhub/logs)",
    "SPECIAL_EXIT": "the server exited with an error (see the job log in ~/.panhub/logs)",
    "REVOKED": "its job was revoked by the scheduler",
    #: panhub's own: the hub restarted while the server was starting
    "INTERRUPTED": "the hub restarted while it was starting",
    #: the controller forgot the job (confirmed gone, end state not known)
    "": "SLURM no longer knows its job",
}

_KEPT = "Files you saved are kept; unsaved notebook changes are lost."


def judge_missing(misses: int, second: JobInfo | None) -> JobInfo:
    """Decide about a job squeue did not list, for the ``misses``-th answer in a row.

    Parameters
    ----------
    misses
        How many successful squeue answers in a row left the job out (this one included).
    second
        What the second source (``scontrol show job``) said, or ``None`` if not asked.

    Returns
    -------
    JobInfo
        GONE if the job's end is confirmed; the second source's answer if it still
        lists the job alive (squeue raced a state change); otherwise UNKNOWN (keep the
        server, ask again at the next poll).
    """
    if second is not None and second.phase in (JobPhase.RUNNING, JobPhase.PENDING):
        return second
    if second is not None and second.phase is JobPhase.GONE:
        return second
    if (second is not None and second.phase is JobPhase.MISSING) or misses >= ABSENT_LIMIT:
        return JobInfo(JobPhase.GONE)
    return JobInfo(JobPhase.UNKNOWN, reason="not listed by squeue; not confirmed yet")


@dataclass(frozen=True)
class JobEnd:
    """How a server's job ended: kept in the spawner's state as ``last_end``."""

    job_id: str
    #: SLURM's end state (``TIMEOUT``, ``NODE_FAIL``, ...), ``INTERRUPTED``, or ``""``
    state: str
    node: str
    #: when it ended, ISO 8601 (SLURM's end time, else when the hub noticed)
    time: str
    message: str

    def as_state(self) -> dict[str, str]:
        """The JSON-able form kept in the hub database."""
        return asdict(self)


def make_job_end(job_id: str, info: JobInfo, node: str, server: str, now: datetime) -> JobEnd:
    """Describe the end of job ``job_id`` of server ``server`` (``""``: the default one).

    ``node`` is where the hub last saw the server, used when SLURM does not say;
    ``now`` is when the hub noticed, used when SLURM gives no end time.
    """
    node = info.host or node
    ended = parse_time(info.end_time) or now
    state = info.state if info.phase is JobPhase.GONE else ""
    return JobEnd(
        job_id=job_id,
        state=state,
        node=node,
        time=ended.isoformat(timespec="seconds"),
        message=make_end_message(state, node, server, ended, now),
    )


def make_end_message(state: str, node: str, server: str, ended: datetime, now: datetime) -> str:
    """The sentence shown to the user.

    SLURM's times are the cluster's local time: a naive ``ended`` is read as the hub's
    local time, and the sentence names its zone.

    >>> from datetime import datetime, timezone
    >>> t = datetime(2026, 11, 24, 21, 50, tzinfo=timezone.utc)
    >>> make_end_message("NODE_FAIL", "cpu2", "", t, t).split(". ")[0]
    'Your server on cpu2 stopped at 21:50 UTC: its node failed'
    """
    name = f"Your server '{server}'" if server else "Your server"
    where = f" on {node}" if node else ""
    day = "%H:%M" if ended.date() == now.date() else "%Y-%m-%d %H:%M"
    when = (ended if ended.tzinfo else ended.astimezone()).strftime(f"{day} %Z").rstrip()
    reason = END_REASONS.get(state, f"its job ended ({state})")
    return f"{name}{where} stopped at {when}: {reason}. {_KEPT}"


def parse_time(text: str) -> datetime | None:
    """A SLURM time stamp (``2026-11-24T21:50:03``), or ``None`` if there is none."""
    try:
        return datetime.fromisoformat(text) if text else None
    except ValueError:
        return None


def load_job_end(state: Mapping[str, object] | None) -> JobEnd | None:
    """The :class:`JobEnd` kept in a spawner's state, or ``None`` (also for a damaged one)."""
    if not isinstance(state, Mapping):
        return None
    try:
        return JobEnd(**{k: str(state[k]) for k in JobEnd.__dataclass_fields__})
    except KeyError:
        return None


def render_notices(messages: Iterable[str]) -> str:
    """A user's messages as HTML for the hub's announcement area, escaped; ``""`` if none."""
    return "<br>".join(html.escape(message) for message in messages)
