"""Pure SLURM helpers: job scripts, job names, and parsers for squeue and sinfo output.

Nothing here runs a command; the spawner runs them and hands the text to these functions.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum

#: squeue format the spawner asks for: state, batch host, start, end, reason. The end is
#: the expected end of a live job and the real end of one that ended. The reason is last
#: because it is free text (it may hold spaces and commas).
SQUEUE_FORMAT = "%T|%B|%S|%e|%r"

#: sinfo format for the resource form: partition, CPUs per node, memory per node (MB),
#: generic resources, time limit, default time, availability.
SINFO_FORMAT = "%R|%c|%m|%G|%l|%L|%a"

_NAME_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")
_GONE_MESSAGES = ("Invalid job id specified",)
_NO_VALUE = frozenset({"n/a", "unknown", "(null)", "none", ""})
_PENDING_STATES = frozenset({"PENDING", "CONFIGURING", "REQUEUED", "RESIZING", "SUSPENDED"})
_RUNNING_STATES = frozenset({"RUNNING", "COMPLETING"})
_ENDED_STATES = frozenset(
    {
        "COMPLETED",
        "CANCELLED",
        "FAILED",
        "TIMEOUT",
        "NODE_FAIL",
        "PREEMPTED",
        "BOOT_FAIL",
        "DEADLINE",
        "OUT_OF_MEMORY",
        "SPECIAL_EXIT",
        "REVOKED",
    }
)


class JobPhase(Enum):
    """Where a job stands, as far as the hub is concerned."""

    PENDING = "pending"
    RUNNING = "running"
    #: the job ended (its end state is known) or its absence was confirmed
    GONE = "gone"
    #: the scheduler answered without this job: gone, or a race; confirm before acting
    #: (:func:`panhub.jobend.judge_missing`)
    MISSING = "missing"
    #: the scheduler did not answer: keep the server, ask again later
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class JobInfo:
    """One job as squeue reports it."""

    phase: JobPhase
    state: str = ""
    host: str = ""
    start_time: str = ""
    reason: str = ""
    end_time: str = ""


@dataclass(frozen=True)
class JobSpec:
    """Everything that goes into a single-user server's batch script.

    Every field must already be validated: user input reaches this only through
    :func:`panhub.form.validate_options`, administrator input through traits.
    """

    job_name: str
    partition: str
    cpus: int
    memory_mb: int
    runtime_minutes: int
    workdir: str
    log_dir: str
    command: tuple[str, ...]
    export_vars: tuple[str, ...] = ()
    gpus: int = 0
    gpu_gres: str = "gpu:{gpus}"
    reservation: str = ""
    account: str = ""
    qos: str = ""
    extra_sbatch: tuple[str, ...] = ()
    prologue: str = ""
    setup: tuple[str, ...] = field(default=())
    #: file-creation mask of the server and its kernels: private by default; a
    #: proposal's processed/ folder shares new files with its group through its
    #: default ACL, which takes precedence over the umask there
    umask: str = "0077"


@dataclass(frozen=True)
class PartitionInfo:
    """Limits of one partition, as sinfo reports them (largest node wins)."""

    name: str
    cpus: int
    memory_mb: int
    gpus: int
    max_minutes: int | None
    default_minutes: int | None
    available: bool


def make_job_name(hub: str, user: str, server: str) -> str:
    """Build the job name ``jhub-<hub>-<user>-<server>`` (``default`` for the unnamed server).

    Characters SLURM tools would mangle become ``_``.

    >>> make_job_name("demo", "alice", "")
    'jhub-demo-alice-default'
    """
    parts = [hub, user, server or "default"]
    return "jhub-" + "-".join(_NAME_UNSAFE.sub("_", p) for p in parts)


def format_minutes(minutes: int) -> str:
    """Format minutes as a SLURM time limit (``[D-]HH:MM:00``).

    >>> format_minutes(90), format_minutes(1500)
    ('01:30:00', '1-01:00:00')
    """
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    clock = f"{hours:02d}:{mins:02d}:00"
    return f"{days}-{clock}" if days else clock


def parse_slurm_time(text: str) -> int | None:
    """Parse a SLURM time limit into whole minutes; ``None`` means no limit.

    Accepts ``MM``, ``MM:SS``, ``HH:MM:SS``, ``D-HH``, ``D-HH:MM`` and ``D-HH:MM:SS``.

    Raises
    ------
    ValueError
        If the text is not a SLURM time.
    """
    text = text.strip()
    if text.lower() in {"infinite", "unlimited", "n/a", ""}:
        return None
    days = 0
    if "-" in text:
        day_text, text = text.split("-", 1)
        days = int(day_text)
        fields = [int(f) for f in text.split(":")]
        fields += [0] * (3 - len(fields))
        hours, mins, secs = fields
    else:
        fields = [int(f) for f in text.split(":")]
        if len(fields) == 1:
            hours, mins, secs = 0, fields[0], 0
        elif len(fields) == 2:
            hours, mins, secs = 0, fields[0], fields[1]
        elif len(fields) == 3:
            hours, mins, secs = fields
        else:
            raise ValueError(f"not a SLURM time: {text!r}")
    return days * 24 * 60 + hours * 60 + mins + (1 if secs else 0)


def count_gpus(gres: str) -> int:
    """Count the GPUs in a sinfo ``%G`` field such as ``gpu:a100:4(S:0-1),tmpfs:1``."""
    total = 0
    for item in gres.split(","):
        item = re.sub(r"\(.*?\)", "", item).strip()
        parts = item.split(":")
        if parts[0] == "gpu" and len(parts) >= 2 and parts[-1].isdigit():
            total += int(parts[-1])
    return total


def parse_sinfo(output: str) -> dict[str, PartitionInfo]:
    """Parse ``sinfo -h -o SINFO_FORMAT`` output into partitions, largest node first.

    Lines that do not have the expected seven fields are ignored.
    """
    found: dict[str, PartitionInfo] = {}
    for line in output.splitlines():
        fields = line.strip().split("|")
        if len(fields) != 7:
            continue
        name, cpus, mem, gres, limit, default, avail = fields
        try:
            info = PartitionInfo(
                name=name,
                cpus=int(cpus.rstrip("+")),
                memory_mb=int(mem.rstrip("+")),
                gpus=count_gpus(gres),
                max_minutes=parse_slurm_time(limit),
                default_minutes=parse_slurm_time(default),
                available=avail.strip() == "up",
            )
        except ValueError:
            continue
        old = found.get(name)
        if old is not None:
            info = PartitionInfo(
                name=name,
                cpus=max(old.cpus, info.cpus),
                memory_mb=max(old.memory_mb, info.memory_mb),
                gpus=max(old.gpus, info.gpus),
                max_minutes=info.max_minutes,
                default_minutes=info.default_minutes,
                available=old.available or info.available,
            )
        found[name] = info
    return found


def parse_squeue(text: str) -> JobInfo:
    """Classify what ``squeue -h -j ID -o SQUEUE_FORMAT`` printed (stdout, or stderr on error).

    A line in the expected format gives the job's state: an ended state (CANCELLED,
    TIMEOUT, NODE_FAIL, ...) is GONE. An empty answer or "Invalid job id" is MISSING: the
    controller does not list the job, which a second source must confirm. Anything else
    (a timeout, an unreachable controller, a sudo error) is UNKNOWN, so a scheduler
    hiccup never drops a healthy server. Lines of the former four-field format (no end
    time), as a hub database may still hold, are read too.
    """
    text = text.strip()
    if not text or any(msg in text for msg in _GONE_MESSAGES):
        return JobInfo(JobPhase.MISSING)
    fields = [f.strip() for f in text.splitlines()[-1].split("|", 4)]
    if len(fields) == 4:
        fields.insert(3, "")
    if len(fields) != 5:
        return JobInfo(JobPhase.UNKNOWN)
    state, host, start, end, reason = fields
    return make_job_info(state, host, start, end, reason)


def parse_scontrol_job(text: str) -> JobInfo:
    """Classify what ``scontrol show job -o ID`` printed (stdout, or stderr on error).

    The second source for a job that squeue no longer lists: its ``JobState``, or MISSING
    when the controller says "Invalid job id specified" (it forgot the job, MinJobAge
    after its end). Anything else is UNKNOWN.

    >>> parse_scontrol_job("JobId=7 JobState=TIMEOUT Reason=TimeLimit BatchHost=cpu2").state
    'TIMEOUT'
    """
    text = text.strip()
    if any(msg in text for msg in _GONE_MESSAGES):
        return JobInfo(JobPhase.MISSING)
    pairs = dict(re.findall(r"(?:^|\s)(\w+)=(\S*)", text))
    if "JobState" not in pairs:
        return JobInfo(JobPhase.UNKNOWN)
    return make_job_info(
        pairs["JobState"],
        pairs.get("BatchHost") or pairs.get("NodeList", ""),
        pairs.get("StartTime", ""),
        pairs.get("EndTime", ""),
        pairs.get("Reason", ""),
    )


def make_job_info(state: str, host: str, start: str, end: str, reason: str) -> JobInfo:
    """A :class:`JobInfo` from a job's fields as squeue or scontrol print them."""
    state = state.split()[0] if state else ""
    if state in _RUNNING_STATES:
        phase = JobPhase.RUNNING
    elif state in _PENDING_STATES:
        phase = JobPhase.PENDING
    elif state in _ENDED_STATES:
        phase = JobPhase.GONE
    else:
        phase = JobPhase.UNKNOWN
    return JobInfo(
        phase,
        state,
        "" if host.lower() in _NO_VALUE else host,
        "" if start.lower() in _NO_VALUE else start,
        "" if reason in {"None", "(null)"} else reason,
        "" if end.lower() in _NO_VALUE else end,
    )


def describe_pending(info: JobInfo) -> str:
    """A progress message for a queued job: the scheduler's reason and expected start."""
    words = [info.state.capitalize() if info.state else "Pending", "in the queue"]
    if info.reason:
        words.append(f"(reason: {info.reason})")
    message = " ".join(words)
    if info.start_time:
        message += f"; expected start {info.start_time.replace('T', ' ')}"
    return message


def _sbatch_line(option: str, value: str | int) -> str:
    text = str(value)
    if not text or any(c.isspace() for c in text) or not text.isprintable():
        raise ValueError(f"unsafe value for #SBATCH {option}: {text!r}")
    return f"#SBATCH {option}={text}"


def make_job_script(spec: JobSpec) -> str:
    """Write the batch script that runs one single-user server.

    The script names the job, requests the resources, sends its log to ``spec.log_dir``
    (outside the user's file browser listing), runs the administrator's prologue and
    environment setup, then ``exec``s the server so that it receives the job's signals.

    Raises
    ------
    ValueError
        If a value would break out of its ``#SBATCH`` line.
    """
    lines = [
        "#!/bin/bash",
        _sbatch_line("--job-name", spec.job_name),
        _sbatch_line("--output", "/dev/null"),
        _sbatch_line("--chdir", spec.workdir),
        _sbatch_line("--export", ",".join(spec.export_vars) if spec.export_vars else "NONE"),
        _sbatch_line("--partition", spec.partition),
        _sbatch_line("--nodes", 1),
        _sbatch_line("--ntasks", 1),
        _sbatch_line("--cpus-per-task", spec.cpus),
        _sbatch_line("--mem", f"{spec.memory_mb}M"),
        _sbatch_line("--time", format_minutes(spec.runtime_minutes)),
        # a server whose node fails is over: run again elsewhere it would hold a port and
        # a token the hub no longer waits for
        "#SBATCH --no-requeue",
    ]
    if spec.gpus:
        lines.append(_sbatch_line("--gres", spec.gpu_gres.format(gpus=spec.gpus)))
    for option, value in (
        ("--reservation", spec.reservation),
        ("--account", spec.account),
        ("--qos", spec.qos),
    ):
        if value:
            lines.append(_sbatch_line(option, value))
    for extra in spec.extra_sbatch:
        if "\n" in extra or not extra.startswith("--"):
            raise ValueError(f"unsafe extra #SBATCH option: {extra!r}")
        lines.append(f"#SBATCH {extra}")
    log_dir = shlex.quote(spec.log_dir)
    lines += [
        "",
        "set -euo pipefail",
        f"umask {_check_umask(spec.umask)}",
        f"mkdir -p -m 0700 {log_dir}",
        f'exec >>{log_dir}/"slurm-$SLURM_JOB_ID.log" 2>&1',
        'echo "panhub: job $SLURM_JOB_ID on $(hostname) at $(date -Is)"',
        *make_job_end_lines(spec.runtime_minutes),
    ]
    if spec.prologue:
        lines.append(spec.prologue)
    lines += list(spec.setup)
    lines.append("exec " + shlex.join(spec.command))
    return "\n".join(lines) + "\n"


def make_job_end_lines(runtime_minutes: int) -> list[str]:
    """Shell lines that export ``PANHUB_JOB_END``: when the job's time limit runs out.

    In seconds since 1970 (UTC), from the script's start plus the limit: SLURM 22.05 gives
    a job no ``SLURM_JOB_END_TIME``, and asking ``squeue`` here would delay every start.
    The server's Lab warns before that time (``panhub_catalogue.lab.walltime``), and asks
    ``squeue`` itself later, which sees an administrator's ``scontrol update TimeLimit``.

    >>> make_job_end_lines(90)
    ['PANHUB_JOB_END=$(($(date +%s) + 5400))', 'export PANHUB_JOB_END']
    """
    return [f"PANHUB_JOB_END=$(($(date +%s) + {runtime_minutes * 60:d}))", "export PANHUB_JOB_END"]


def _check_umask(value: str) -> str:
    if not re.fullmatch(r"0?[0-7]{3}", value):
        raise ValueError(f"umask must be three or four octal digits, not {value!r}")
    return value


def make_export_vars(env: Mapping[str, str], extra: Iterable[str] = ()) -> tuple[str, ...]:
    """The variable names to pass into the job with ``--export`` (sorted, unique)."""
    names = set(env) | {e for e in extra if e}
    return tuple(sorted(names))


def make_remote_command(prefix: str, command: str) -> str:
    """``command`` run through ``prefix`` (ssh to a submit host), quoted as one word.

    ssh joins its arguments into one command line for the remote shell, which parses it
    again: quoting the whole command keeps its own quotes (``-o '%T|%B'``) intact there.
    Without a prefix the command is left as it is.

    >>> print(make_remote_command("ssh login", "squeue -h -o '%T|%B'"))
    ssh login 'squeue -h -o '"'"'%T|%B'"'"''
    >>> make_remote_command("", "sinfo -h")
    'sinfo -h'
    """
    prefix = prefix.strip()
    return f"{prefix} {shlex.quote(command)}" if prefix else command
