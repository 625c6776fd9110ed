"""The multi-node SLURM cluster of ``hub_config/demo/cluster.sh``, for tests and by hand.

Three nodes, each a network namespace with its own address on the bridge ``phbr0``
(the host, where slurmctld and the hub listen, is :data:`HOST_ADDRESS`)::

    cpu1 10.77.0.11  partition cpu (default)
    cpu2 10.77.0.12  partition cpu
    gpu1 10.77.0.13  partition gpu, one fake GPU (gres gpu:fake:1)

SLURM's commands reach this cluster through ``SLURM_CONF`` (:func:`slurm_env`); the
one-node cluster of ``slurm.sh`` keeps ``/etc/slurm`` and runs beside it.

A *probe* is a job that does what a single-user server does: it listens on a free port
on its node and reports that port to the host over the bridge, as a server reports its
port to the hub's API; :meth:`Probe.ask` then connects to the node's address, as the hub
and the proxy connect to a server. Its answer says where the job runs as the job sees
it (hostname, addresses, ``CUDA_VISIBLE_DEVICES``).

Run as root, with ``hub_config`` on the path (for :mod:`panhub.demo`). The checks are tests/integration/test_multinode_cluster.py (no hub: it may
run alone); the figures tests/benchmarks/bench_cluster.py.
"""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import socket
import subprocess
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from panhub.demo import pid_alive

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "hub_config" / "demo" / "cluster.sh"
CONF = Path("/etc/slurm-multi/slurm.conf")
ONE_NODE_CONF = Path("/etc/slurm/slurm.conf")  # slurm.sh's cluster
RUN = Path("/run/slurm-multi")
HOST_ADDRESS = "10.77.0.1"
#: the comment cluster.sh puts on its /etc/hosts lines
HOSTS_TAG = "# panhub-cluster"
#: an account every Debian system has: the probes run as an ordinary user
PROBE_USER = "nobody"
#: how long SLURM may take to call a silent node DOWN: SlurmdTimeout (10 s) after its last
#: answer, found by a ping (every SlurmdTimeout/3) that waits MessageTimeout (5 s)
DOWN_WITHIN = 40.0


@dataclass(frozen=True)
class Node:
    """One node of the cluster as ``cluster.sh`` lays it out."""

    name: str
    address: str
    partition: str


NODES = (
    Node("cpu1", "10.77.0.11", "cpu"),
    Node("cpu2", "10.77.0.12", "cpu"),
    Node("gpu1", "10.77.0.13", "gpu"),
)


def get_node(name: str) -> Node:
    """The node called ``name``."""
    for node in NODES:
        if node.name == name:
            return node
    raise KeyError(f"no node {name!r}; nodes are {', '.join(n.name for n in NODES)}")


# --------------------------------------------------------------------------- commands


def slurm_env(conf: Path = CONF) -> dict[str, str]:
    """This process's environment with SLURM's commands pointed at ``conf``."""
    return {**os.environ, "SLURM_CONF": str(conf)}


def run(
    argv: Sequence[str],
    *,
    timeout: float = 30,
    user: str | None = None,
    input: str | None = None,
    conf: Path = CONF,
) -> str:
    """Run a command against the cluster (as ``user`` if given); return stdout.

    Raises
    ------
    RuntimeError
        If it fails, with its stderr.
    """
    account = pwd.getpwnam(user) if user is not None else None
    done = subprocess.run(
        list(argv), input=input, capture_output=True, text=True, timeout=timeout,
        env=slurm_env(conf), cwd="/", check=False,
        user=account.pw_uid if account else None, group=account.pw_gid if account else None,
        extra_groups=[] if account else None,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed: {(done.stderr or done.stdout).strip()}")
    return done.stdout


def cluster(*args: str, timeout: float = 120) -> str:
    """Run ``cluster.sh ARGS``; return what it printed."""
    done = subprocess.run(
        ["bash", str(SCRIPT), *args], capture_output=True, text=True, timeout=timeout,
        check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"cluster.sh {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return done.stdout + done.stderr


def start() -> None:
    """Start the cluster (idempotent) and wait until every node is usable."""
    cluster("start")


def stop() -> None:
    """Stop every daemon and job of the cluster and remove its network."""
    cluster("stop")


def is_running() -> bool:
    """True if slurmctld of this cluster runs."""
    try:
        return pid_alive(int((RUN / "slurmctld.pid").read_text().strip()))
    except (OSError, ValueError):
        return False


@contextlib.contextmanager
def running() -> Iterator[None]:
    """The cluster up for the block; stopped afterwards only if this started it.

    Nodes taken down in the block are brought back at its end either way.
    """
    started = not is_running()
    start()
    try:
        yield
    finally:
        if started:
            stop()
        else:
            start()


def leftovers() -> list[str]:
    """What of a stopped cluster is still there: namespaces, links, hosts lines, daemons.

    Daemons are processes started with this cluster's config, and job steps
    (``slurmstepd``) outside the host's network namespace.
    """
    netns = Path("/run/netns")
    left = [f"netns {p.name}" for p in netns.glob("phn-*")] if netns.is_dir() else []
    left += [f"link {p.name}" for p in Path("/sys/class/net").glob("ph[vb]*")]
    left += [line for line in Path("/etc/hosts").read_text().splitlines() if HOSTS_TAG in line]
    host_net = os.readlink("/proc/self/ns/net")
    for pid in (int(p) for p in os.listdir("/proc") if p.isdigit()):
        with contextlib.suppress(OSError):
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            stray = argv.startswith("slurmstepd") and os.readlink(f"/proc/{pid}/ns/net") != host_net
            if (str(CONF) in argv or stray) and pid_alive(pid):
                left.append(f"process {pid}: {argv.strip()}")
    return left


def node_down(name: str, mode: str = "crash") -> None:
    """Take a node down: ``crash`` (slurmd and jobs die), ``partition``, or ``slurmd``."""
    cluster("node-down", name, mode)


def node_up(name: str) -> None:
    """Bring a node back and wait until SLURM uses it again."""
    cluster("node-up", name)


# --------------------------------------------------------------------------- nodes


def node_state(name: str, conf: Path = CONF) -> frozenset[str]:
    """SLURM's state flags of a node, e.g. ``{"DOWN", "NOT_RESPONDING"}``."""
    out = run(["scontrol", "-o", "show", "node", name], conf=conf)
    fields = dict(f.split("=", 1) for f in out.split() if "=" in f)
    return frozenset(fields.get("State", "").split("+"))


def is_down(state: frozenset[str]) -> bool:
    """SLURM has marked the node DOWN (it no longer runs jobs there)."""
    return "DOWN" in state


def is_usable(state: frozenset[str]) -> bool:
    """The node answers and takes jobs."""
    return bool(state & {"IDLE", "MIXED", "ALLOCATED"}) and not state & {
        "DOWN",
        "DRAIN",
        "NOT_RESPONDING",
    }


def wait_for(
    what: str, check: Callable[[], object], timeout: float, interval: float = 0.1
) -> float:
    """Wait until ``check()`` is truthy; return the seconds it took, or fail naming ``what``."""
    t0 = time.monotonic()
    while not check():
        if time.monotonic() - t0 > timeout:
            raise TimeoutError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)
    return time.monotonic() - t0


def wait_node(name: str, predicate: Callable[[frozenset[str]], bool], timeout: float) -> float:
    """Wait until the node's state satisfies ``predicate``; return the seconds it took."""
    return wait_for(f"{name} {predicate.__name__}", lambda: predicate(node_state(name)), timeout)


# --------------------------------------------------------------------------- jobs


@dataclass(frozen=True)
class JobState:
    """What SLURM says of a job (``scontrol show job``: kept MinJobAge after the end)."""

    state: str
    node: str
    reason: str


def submit(
    script: str,
    *,
    node: str | None = None,
    partition: str | None = None,
    gres: str | None = None,
    user: str | None = PROBE_USER,
    name: str = "multinode-check",
    conf: Path = CONF,
) -> str:
    """Submit a batch ``script`` (never requeued, output discarded); return its job id."""
    argv = ["sbatch", "--parsable", f"--job-name={name}", "--output=/dev/null", "--chdir=/tmp",
            "--no-requeue", "--ntasks=1", "--cpus-per-task=1", "--mem=100M", "--time=10"]  # fmt: skip
    if node:
        argv.append(f"--nodelist={node}")
    if partition:
        argv.append(f"--partition={partition}")
    if gres:
        argv.append(f"--gres={gres}")
    return run(argv, input=script, user=user, conf=conf).strip().split(";")[0]


def job_state(job_id: str, conf: Path = CONF) -> JobState:
    """The job's state, node (empty while pending) and reason."""
    out = run(["scontrol", "-o", "show", "job", job_id], conf=conf)
    fields = dict(f.split("=", 1) for f in out.split() if "=" in f)
    node = fields.get("BatchHost") or fields.get("NodeList", "")
    return JobState(
        fields.get("JobState", ""), "" if node == "(null)" else node, fields.get("Reason", "")
    )


def cancel(*job_ids: str, conf: Path = CONF) -> None:
    """Cancel jobs (those already ended are ignored)."""
    if job_ids:
        with contextlib.suppress(RuntimeError):
            run(["scancel", *job_ids], conf=conf)


#: the probe job's program: listen, report the port and what the job sees, answer forever
PROBE_CODE = r"""
import json, os, socket, subprocess, sys, time
host, port, token = sys.argv[1], int(sys.argv[2]), sys.argv[3]
server = socket.socket()
server.bind(("0.0.0.0", 0))
server.listen(16)
info = {
    "token": token,
    "job_id": os.environ.get("SLURM_JOB_ID", ""),
    "hostname": socket.gethostname(),
    "addresses": subprocess.run(["hostname", "-I"], capture_output=True, text=True).stdout.split(),
    "cuda": os.environ.get("CUDA_VISIBLE_DEVICES"),
    "uid": os.getuid(),
    "port": server.getsockname()[1],
}
message = json.dumps(info).encode()
for attempt in range(20):
    try:
        with socket.create_connection((host, port), timeout=5) as report:
            report.sendall(message)
        break
    except OSError:
        time.sleep(0.25)
while True:
    conn, _ = server.accept()
    with conn:
        conn.sendall(message)
"""


@dataclass(frozen=True)
class Probe:
    """A running probe job and what it reported when it started."""

    job_id: str
    node: str
    address: str
    info: dict[str, object]

    @property
    def port(self) -> int:
        return int(str(self.info["port"]))

    def ask(self, timeout: float = 5) -> dict[str, object]:
        """Connect to the probe at its node's address and port; return its answer."""
        with socket.create_connection((self.address, self.port), timeout=timeout) as conn:
            data = b""
            while chunk := conn.recv(65536):
                data += chunk
        answer: dict[str, object] = json.loads(data)
        return answer


def make_probe_script(host: str, port: int, token: str) -> str:
    """The probe's batch script: report to ``host:port`` with ``token``."""
    return (
        "#!/bin/bash\n"
        f"exec /usr/bin/python3 - {host} {port} {token} <<'PY'\n{PROBE_CODE.strip()}\nPY\n"
    )


def submit_probe(
    *,
    node: str | None = None,
    partition: str | None = None,
    gres: str | None = None,
    timeout: float = 60,
) -> Probe:
    """Submit a probe and wait (``timeout`` s) until it reports from its node.

    The report arrives over the bridge at :data:`HOST_ADDRESS`, the way a server reports
    its port to the hub; the node is the one SLURM says the job runs on, and the address
    the one SLURM has for that node (``NodeAddr``).
    """
    token = os.urandom(8).hex()
    with socket.socket() as listener:
        listener.bind((HOST_ADDRESS, 0))
        listener.listen(4)
        listener.settimeout(timeout)
        job_id = submit(
            make_probe_script(HOST_ADDRESS, listener.getsockname()[1], token),
            node=node, partition=partition, gres=gres,
        )  # fmt: skip
        try:
            info = _receive_report(listener, token, timeout)
        except BaseException:
            cancel(job_id)
            raise
    state = job_state(job_id)
    return Probe(job_id, state.node, node_address(state.node), info)


def _receive_report(listener: socket.socket, token: str, timeout: float) -> dict[str, object]:
    deadline = time.monotonic() + timeout
    while True:
        listener.settimeout(max(0.1, deadline - time.monotonic()))
        try:
            conn, _ = listener.accept()
        except TimeoutError:
            raise TimeoutError(f"no probe report within {timeout} s") from None
        with conn:
            conn.settimeout(5)
            data = b""
            with contextlib.suppress(OSError):
                while chunk := conn.recv(65536):
                    data += chunk
        with contextlib.suppress(ValueError):
            info: dict[str, object] = json.loads(data)
            if info.get("token") == token:
                return info


def node_address(name: str) -> str:
    """The node's address as SLURM has it (``NodeAddr``)."""
    out = run(["scontrol", "-o", "show", "node", name])
    fields = dict(f.split("=", 1) for f in out.split() if "=" in f)
    return fields["NodeAddr"]


def is_refused(probe: Probe) -> bool:
    """True if nothing answers at the probe's address and port any more."""
    try:
        probe.ask(timeout=1)
    except OSError:
        return True
    return False


def is_gone(job_id: str, conf: Path = CONF) -> bool:
    """The job has ended and its node has finished with it (is not COMPLETING)."""
    job = job_state(job_id, conf)
    if job.state not in {"COMPLETED", "CANCELLED", "FAILED", "TIMEOUT", "NODE_FAIL"}:
        return False
    return not job.node or "COMPLETING" not in node_state(job.node, conf)
