"""Pure SLURM helpers: job script by exact equality, parsers on real command output."""

from __future__ import annotations

import os
import shlex
import subprocess
import time
from pathlib import Path

import pytest
from panhub.slurm import (
    JobInfo,
    JobPhase,
    JobSpec,
    PartitionInfo,
    count_gpus,
    describe_pending,
    format_minutes,
    make_export_vars,
    make_job_name,
    make_job_script,
    make_remote_command,
    parse_scontrol_job,
    parse_sinfo,
    parse_slurm_time,
    parse_squeue,
)

SPEC = JobSpec(
    job_name="jhub-demo-alice-default",
    partition="gpu",
    cpus=2,
    memory_mb=4096,
    runtime_minutes=90,
    workdir="/home/alice",
    log_dir="/home/alice/.panhub/logs",
    command=(
        "/opt/panhub/venv/bin/panhub-singleuser",
        "/opt/panhub/venv/bin/jupyterhub-singleuser",
    ),
    export_vars=("HOME", "JUPYTERHUB_API_TOKEN", "PATH"),
    gpus=1,
    reservation="beamtime-42",
    setup=("export PATH=/opt/panhub/venv/bin:$PATH",),
)


def test_job_script_exact() -> None:
    assert make_job_script(SPEC) == (
        "#!/bin/bash\n"
        "#SBATCH --job-name=jhub-demo-alice-default\n"
        "#SBATCH --output=/dev/null\n"
        "#SBATCH --chdir=/home/alice\n"
        "#SBATCH --export=HOME,JUPYTERHUB_API_TOKEN,PATH\n"
        "#SBATCH --partition=gpu\n"
        "#SBATCH --nodes=1\n"
        "#SBATCH --ntasks=1\n"
        "#SBATCH --cpus-per-task=2\n"
        "#SBATCH --mem=4096M\n"
        "#SBATCH --time=01:30:00\n"
        "#SBATCH --no-requeue\n"
        "#SBATCH --gres=gpu:1\n"
        "#SBATCH --reservation=beamtime-42\n"
        "\n"
        "set -euo pipefail\n"
        "umask 0077\n"
        "mkdir -p -m 0700 /home/alice/.panhub/logs\n"
        'exec >>/home/alice/.panhub/logs/"slurm-$SLURM_JOB_ID.log" 2>&1\n'
        'echo "panhub: job $SLURM_JOB_ID on $(hostname) at $(date -Is)"\n'
        "PANHUB_JOB_END=$(($(date +%s) + 5400))\n"
        "export PANHUB_JOB_END\n"
        "export PATH=/opt/panhub/venv/bin:$PATH\n"
        "exec /opt/panhub/venv/bin/panhub-singleuser /opt/panhub/venv/bin/jupyterhub-singleuser\n"
    )


def test_job_script_cpu_only_has_no_gres_and_no_empty_options() -> None:
    from dataclasses import replace

    script = make_job_script(replace(SPEC, gpus=0, reservation="", export_vars=()))
    assert "--gres" not in script
    assert "--reservation" not in script
    assert "#SBATCH --export=NONE\n" in script


def test_the_server_sees_when_its_job_ends(tmp_path: Path) -> None:
    """The script, run by bash as slurmd would, hands the job's end time to the server."""
    from dataclasses import replace

    seen = tmp_path / "seen"
    script = make_job_script(
        replace(
            SPEC,
            runtime_minutes=125,
            log_dir=str(tmp_path / "logs"),
            setup=(),
            command=("sh", "-c", f'echo "$PANHUB_JOB_END" > {shlex.quote(str(seen))}'),
        )
    )
    before = int(time.time())
    env = {"PATH": os.environ["PATH"], "SLURM_JOB_ID": "4242"}
    subprocess.run(["bash", "-c", script], env=env, check=True, timeout=30)
    after = int(time.time())
    assert before + 125 * 60 <= int(seen.read_text()) <= after + 125 * 60
    assert (tmp_path / "logs" / "slurm-4242.log").read_text().startswith("panhub: job 4242 on ")


@pytest.mark.parametrize(
    "field,value",
    [
        ("reservation", "r\n#SBATCH --uid=0"),
        ("partition", "cpu --qos=high"),
        ("job_name", "a\tb"),
        ("account", "x\x00"),
    ],
)
def test_job_script_refuses_values_that_escape_their_line(field: str, value: str) -> None:
    from dataclasses import replace

    with pytest.raises(ValueError, match="unsafe value"):
        make_job_script(replace(SPEC, **{field: value}))


def test_command_and_log_dir_are_shell_quoted() -> None:
    from dataclasses import replace

    script = make_job_script(
        replace(SPEC, log_dir="/home/o'hara/logs", command=("run", "a b", "$(id)"))
    )
    assert "mkdir -p -m 0700 '/home/o'\"'\"'hara/logs'\n" in script
    assert script.endswith("exec run 'a b' '$(id)'\n")


@pytest.mark.parametrize("umask", ["0002; rm -rf ~", "77", "0888", ""])
def test_umask_must_be_octal(umask: str) -> None:
    from dataclasses import replace

    with pytest.raises(ValueError, match="umask must be"):
        make_job_script(replace(SPEC, umask=umask))


def test_extra_sbatch_must_be_an_option() -> None:
    from dataclasses import replace

    assert "#SBATCH --constraint=ib\n" in make_job_script(
        replace(SPEC, extra_sbatch=("--constraint=ib",))
    )
    with pytest.raises(ValueError, match="unsafe extra"):
        make_job_script(replace(SPEC, extra_sbatch=("echo hi",)))


@pytest.mark.parametrize(
    "hub,user,server,expected",
    [
        ("demo", "alice", "", "jhub-demo-alice-default"),
        ("demo", "alice", "tomo-gpu", "jhub-demo-alice-tomo-gpu"),
        ("alba site", "b@b", "x/y", "jhub-alba_site-b_b-x_y"),
    ],
)
def test_job_name(hub: str, user: str, server: str, expected: str) -> None:
    assert make_job_name(hub, user, server) == expected


@pytest.mark.parametrize(
    "text,minutes",
    [
        ("12:00:00", 720),
        ("1-00:00:00", 1440),
        ("2-03", 3060),
        ("2-03:04", 3064),
        ("30", 30),
        ("30:10", 31),
        ("infinite", None),
        ("UNLIMITED", None),
    ],
)
def test_parse_slurm_time(text: str, minutes: int | None) -> None:
    assert parse_slurm_time(text) == minutes


def test_parse_slurm_time_rejects_garbage() -> None:
    with pytest.raises(ValueError, match="invalid literal"):
        parse_slurm_time("soon")


def test_format_minutes_round_trips() -> None:
    for minutes in (1, 59, 60, 90, 1439, 1440, 1500, 10000):
        assert parse_slurm_time(format_minutes(minutes)) == minutes


def test_count_gpus() -> None:
    assert count_gpus("gpu:fake:1") == 1
    assert count_gpus("gpu:a100:4(S:0-1),gpu:v100:2,tmpfs:10") == 6
    assert count_gpus("(null)") == 0


def test_parse_sinfo_real_output() -> None:
    output = (
        "cpu|8|16000|gpu:fake:1|12:00:00|1:00:00|up\ngpu|8|16000|gpu:fake:1|4:00:00|1:00:00|up\n"
    )
    assert parse_sinfo(output) == {
        "cpu": PartitionInfo("cpu", 8, 16000, 1, 720, 60, True),
        "gpu": PartitionInfo("gpu", 8, 16000, 1, 240, 60, True),
    }


def test_parse_sinfo_merges_node_kinds_and_skips_junk() -> None:
    output = (
        "big|32|192000|(null)|infinite|n/a|up\n"
        "big|64+|512000|gpu:h100:8|infinite|n/a|down\n"
        "garbage line\n"
        "odd|x|1|(null)|1:00|1:00|up\n"
    )
    assert parse_sinfo(output) == {"big": PartitionInfo("big", 64, 512000, 8, None, None, True)}


@pytest.mark.parametrize(
    "text,expected",
    [
        ("RUNNING|node1|2026-11-24T12:28:51|2026-11-24T13:28:51|None", JobInfo(JobPhase.RUNNING, "RUNNING", "node1", "2026-11-24T12:28:51", "", "2026-11-24T13:28:51")),
        ("PENDING|n/a|2026-11-24T13:28:51|N/A|Resources", JobInfo(JobPhase.PENDING, "PENDING", "", "2026-11-24T13:28:51", "Resources")),
        ("PENDING|n/a|N/A|N/A|ReqNodeNotAvail, UnavailableNodes:node1", JobInfo(JobPhase.PENDING, "PENDING", "", "", "ReqNodeNotAvail, UnavailableNodes:node1")),
        ("COMPLETING|node1|2026-11-24T12:28:51|2026-11-24T12:30:00|None", JobInfo(JobPhase.RUNNING, "COMPLETING", "node1", "2026-11-24T12:28:51", "", "2026-11-24T12:30:00")),
        ("CANCELLED|node1|2026-11-24T12:28:51|2026-11-24T12:40:00|None", JobInfo(JobPhase.GONE, "CANCELLED", "node1", "2026-11-24T12:28:51", "", "2026-11-24T12:40:00")),
        ("TIMEOUT|cpu2|2026-11-24T12:28:51|2026-11-24T13:28:51|TimeLimit", JobInfo(JobPhase.GONE, "TIMEOUT", "cpu2", "2026-11-24T12:28:51", "TimeLimit", "2026-11-24T13:28:51")),
        ("NODE_FAIL|cpu2|2026-11-24T12:28:51|2026-11-24T12:50:00|NodeDown", JobInfo(JobPhase.GONE, "NODE_FAIL", "cpu2", "2026-11-24T12:28:51", "NodeDown", "2026-11-24T12:50:00")),
        # a line of the former format, as a hub database may still hold
        ("RUNNING|node1|2026-11-24T12:28:51|None", JobInfo(JobPhase.RUNNING, "RUNNING", "node1", "2026-11-24T12:28:51", "")),
        ("", JobInfo(JobPhase.MISSING)),
        ("slurm_load_jobs error: Invalid job id specified", JobInfo(JobPhase.MISSING)),
        ("slurm_load_jobs error: Unable to contact slurm controller (connect failure)", JobInfo(JobPhase.UNKNOWN)),
        ("sudo: unable to resolve host", JobInfo(JobPhase.UNKNOWN)),
    ],
)  # fmt: skip
def test_parse_squeue(text: str, expected: JobInfo) -> None:
    assert parse_squeue(text) == expected


# scontrol show job -o, as SLURM 22.05 prints it (shortened)
SCONTROL_TIMEOUT = (
    "JobId=51 JobName=jhub-demo-alice-default UserId=alice(1001) GroupId=alice(1001) "
    "Priority=1 JobState=TIMEOUT Reason=TimeLimit Dependency=(null) RunTime=00:10:01 "
    "TimeLimit=00:10:00 SubmitTime=2026-11-24T21:39:58 StartTime=2026-11-24T21:40:00 "
    "EndTime=2026-11-24T21:50:01 Partition=cpu NodeList=cpu2 BatchHost=cpu2 "
    "Command=(null) WorkDir=/home/alice StdOut=/dev/null"
)


@pytest.mark.parametrize(
    "text,expected",
    [
        (SCONTROL_TIMEOUT, JobInfo(JobPhase.GONE, "TIMEOUT", "cpu2", "2026-11-24T21:40:00", "TimeLimit", "2026-11-24T21:50:01")),
        ("JobId=52 JobState=NODE_FAIL Reason=NodeDown StartTime=2026-11-24T21:40:00 EndTime=2026-11-24T21:49:40 NodeList=cpu1 BatchHost=cpu1", JobInfo(JobPhase.GONE, "NODE_FAIL", "cpu1", "2026-11-24T21:40:00", "NodeDown", "2026-11-24T21:49:40")),
        ("JobId=53 JobState=RUNNING Reason=None StartTime=2026-11-24T21:40:00 EndTime=2026-11-24T22:40:00 NodeList=gpu1 BatchHost=gpu1", JobInfo(JobPhase.RUNNING, "RUNNING", "gpu1", "2026-11-24T21:40:00", "", "2026-11-24T22:40:00")),
        ("JobId=54 JobState=PENDING Reason=Resources StartTime=Unknown EndTime=Unknown NodeList=(null)", JobInfo(JobPhase.PENDING, "PENDING", "", "", "Resources")),
        ("slurm_load_jobs error: Invalid job id specified", JobInfo(JobPhase.MISSING)),
        ("slurm_load_jobs error: Unable to contact slurm controller (connect failure)", JobInfo(JobPhase.UNKNOWN)),
        ("sudo: a password is required", JobInfo(JobPhase.UNKNOWN)),
        ("", JobInfo(JobPhase.UNKNOWN)),  # scontrol prints nothing only if something broke
    ],
)  # fmt: skip
def test_parse_scontrol_job(text: str, expected: JobInfo) -> None:
    assert parse_scontrol_job(text) == expected


def test_describe_pending_names_reason_and_start() -> None:
    info = parse_squeue("PENDING|n/a|2026-11-24T13:28:51|N/A|Resources")
    assert describe_pending(info) == (
        "Pending in the queue (reason: Resources); expected start 2026-11-24 13:28:51"
    )
    assert describe_pending(parse_squeue("PENDING|n/a|N/A|N/A|None")) == "Pending in the queue"


def test_export_vars_sorted_unique() -> None:
    assert make_export_vars({"PATH": "x", "HOME": "y"}, ["LANG", "", "PATH"]) == (
        "HOME",
        "LANG",
        "PATH",
    )


@pytest.mark.parametrize(
    "command",
    ["squeue -h -j 7 -o '%T|%B|%S|%r'", "sbatch --parsable", "echo 'it'\"'\"'s'; rm -rf /"],
)
def test_a_remote_command_reaches_the_remote_shell_as_one_word(command: str) -> None:
    remote = make_remote_command("ssh login", command)
    # what ssh hands the remote shell: the one word after the host, unchanged
    assert shlex.split(remote) == ["ssh", "login", command]
    assert make_remote_command("  ", command) == command
