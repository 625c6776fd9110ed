"""panhub's JupyterHub configuration: wiring only.

Site settings come from environment variables (read here, and only here), so that the
demo, the tests and a real site run the same file:

PANHUB_HUB_NAME        name of this hub in SLURM job names (default "panhub")
PANHUB_STATE_DIR       where the hub keeps its database and cookie secret (default: cwd)
PANHUB_DB_URL          SQLAlchemy URL of the hub database (default: SQLite in the state dir);
                       PostgreSQL with the password in the hub account's 0600 libpq file:
                       postgresql+psycopg2://panhub_hub@HOST:5432/panhub_hub?passfile=PATH
PANHUB_PUBLIC_URL      where the proxy listens (default http://127.0.0.1:8000)
PANHUB_HUB_URL         where the hub listens (default http://127.0.0.1:8081)
PANHUB_HUB_CONNECT_URL where servers on the compute nodes reach the hub's API, when that
                       differs from PANHUB_HUB_URL (e.g. http://10.77.0.1:8081 for the
                       multi-node demo cluster's nodes, with the hub on 0.0.0.0)
PANHUB_PROXY_API_URL   the proxy's API (default http://127.0.0.1:8001; token in
                       CONFIGPROXY_AUTH_TOKEN)
PANHUB_SERVER_IP       address single-user servers listen on (default 0.0.0.0; the demo
                       uses 127.0.0.1)
PANHUB_ALLOWED_GROUPS  comma-separated Unix groups allowed to log in (default panhub-users)
PANHUB_ADMIN_GROUPS    comma-separated Unix groups of hub admins (default panhub-admins)
PANHUB_API_TOKEN       if set, a service "panhub-admin" with this token gets the admin role
PANHUB_SPAWNER         "panhub" (default) or "stock" (plain batchspawner, for benchmarks)
PANHUB_STOCK_VENV      with "stock": the Python environment its jobs run from
PANHUB_POLL_INTERVAL   seconds between checks that running servers' jobs still exist
PANHUB_NAMED_SERVER_LIMIT  named servers a user may have besides the default (4; 0: no
                       limit)
PANHUB_SINGLEUSER_CMD  the server command jobs run instead of jupyterhub-singleuser, split
                       as a shell splits it; for benchmarks (tests/support/tinyserver.py).
                       Stock batchspawner's wrapper runs its first word as a Python file
PANHUB_RECONCILE_INTERVAL  seconds between the reconciler's passes (panhub-hub only;
                       default 300; 0: off)
PANHUB_PROPOSALS_FILE  TOML file of proposals, beamline staff and admins (static source;
                       default /etc/panhub/proposals.toml, root:panhub 0640)
PANHUB_PROPOSALS_ROOT  proposals root on the cluster file system (default /srv/proposals)
PANHUB_GROUP_PREFIX    POSIX group of a proposal: prefix + id (default prop-)
PANHUB_DATA_VIEW       1 (default): servers run in a bubblewrap view of the user's
                       proposals under /data; 0: no view (POSIX permissions only)
PANHUB_CATALOGUE       1 (default): the catalogue service is part of this hub; 0: not
PANHUB_CATALOGUE_URL   where the catalogue service listens, for the hub and the compute
                       nodes (default http://127.0.0.1:8090)
PANHUB_CATALOGUE_TOKEN the catalogue service's API token (the service gets the same one)
JUPYTERHUB_CRYPT_KEY   encrypts auth_state, where the proposal membership travels

Idle servers (seconds; 0, the default, is off):

PANHUB_CULL_IDLE_TIMEOUT    stop a server nobody used for this long (jupyterhub-idle-culler,
                            a hub-managed service): its job is cancelled, a named server
                            is kept with its choices; also makes the hub gather activity
                            every timeout/4 s (5 to 300). Example: 7200
PANHUB_CULL_EVERY           how often the culler looks (default timeout/4, 5 to 600)
PANHUB_CULL_MAX_AGE         stop servers older than this, used or not (default 0: never)
PANHUB_CULL_REMOVE_NAMED    1: remove a culled named server instead of stopping it
                            (default 0)
PANHUB_KERNEL_CULL_TIMEOUT  shut down kernels idle this long (not busy ones, nor those a
                            notebook tab shows): MappingKernelManager.cull_idle_timeout
PANHUB_SERVER_IDLE_SHUTDOWN a server with no activity for this long stops itself and
                            ends its job (ServerApp.shutdown_no_activity_timeout), even
                            while the hub is down

The Lab's walltime warning comes this many minutes before the job's end:
c.FacilitySlurmSpawner.walltime_warning_minutes (default 10, 0: none).

The hub runs as its own account (``panhub``, see panhub.site), not root: it submits,
polls and cancels jobs through ``sudo -u USER`` (batchspawner's exec_prefix) and a sudo
rule limited to those commands, and reads every job of its own through one shared
``squeue`` run as SLURM's account, since ``PrivateData=jobs`` hides other users' jobs.
The catalogue is an external service under its own account, started beside the hub
(as the proxy is), so a hub restart leaves it running.
"""

import os
import shlex
import sys

from panhub.services import (
    make_catalogue_service,
    make_catalogue_user_role,
    make_culler_service,
    make_server_token_scopes,
)

c = get_config()
env = os.environ.get
state_dir = env("PANHUB_STATE_DIR", os.getcwd())
venv_bin = os.path.join(sys.prefix, "bin")

# --- hub and proxy: the proxy runs on its own, so a hub restart keeps every route ---
c.JupyterHub.bind_url = env("PANHUB_PUBLIC_URL", "http://127.0.0.1:8000")
c.JupyterHub.hub_bind_url = env("PANHUB_HUB_URL", "http://127.0.0.1:8081")
if env("PANHUB_HUB_CONNECT_URL"):
    c.JupyterHub.hub_connect_url = env("PANHUB_HUB_CONNECT_URL")
c.ConfigurableHTTPProxy.should_start = False
c.ConfigurableHTTPProxy.api_url = env("PANHUB_PROXY_API_URL", "http://127.0.0.1:8001")
c.JupyterHub.db_url = env("PANHUB_DB_URL", f"sqlite:///{state_dir}/jupyterhub.sqlite")
c.JupyterHub.cookie_secret_file = os.path.join(state_dir, "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = os.path.join(state_dir, "jupyterhub.pid")
c.JupyterHub.cleanup_servers = False  # a hub restart must not cancel users' jobs
c.JupyterHub.allow_named_servers = True
c.JupyterHub.named_server_limit_per_user = int(env("PANHUB_NAMED_SERVER_LIMIT", "4"))

# --- login: real Unix accounts through PAM; only members of the allowed groups ---
# proposal membership is looked up at login and before every spawn, into auth_state
c.JupyterHub.authenticator_class = "panhub-pam"
c.Authenticator.enable_auth_state = True
c.Authenticator.refresh_pre_spawn = True
c.ProposalPAMAuthenticator.proposal_source = "static"
c.ProposalPAMAuthenticator.proposal_source_options = {
    "path": env("PANHUB_PROPOSALS_FILE", "/etc/panhub/proposals.toml")
}
c.PAMAuthenticator.allowed_groups = set(
    filter(None, env("PANHUB_ALLOWED_GROUPS", "panhub-users").split(","))
)
c.PAMAuthenticator.admin_groups = set(
    filter(None, env("PANHUB_ADMIN_GROUPS", "panhub-admins").split(","))
)
c.PAMAuthenticator.open_sessions = False

c.JupyterHub.services = []
c.JupyterHub.load_roles = []
if env("PANHUB_API_TOKEN"):
    c.JupyterHub.services.append({"name": "panhub-admin", "api_token": env("PANHUB_API_TOKEN")})
    c.JupyterHub.load_roles.append({"name": "admin", "services": ["panhub-admin"]})

# --- the data catalogue: an external service at /services/catalogue/, hub OAuth ---
if env("PANHUB_CATALOGUE", "1") == "1":
    catalogue_url = env("PANHUB_CATALOGUE_URL", "http://127.0.0.1:8090")
    c.JupyterHub.services.append(
        make_catalogue_service(catalogue_url, env("PANHUB_CATALOGUE_TOKEN"))
    )
    c.JupyterHub.load_roles.append(make_catalogue_user_role())
    c.Spawner.server_token_scopes = make_server_token_scopes()

# --- spawner ---
c.Spawner.default_url = "/lab"
# the Lab's root is the server's whole view, so its file browser reaches the home folder
# and /data/<proposal> with the paths as mounted (a copied path works in a cell); it
# opens at the proposals (FacilitySlurmSpawner.lab_start), later at the last folder used
c.Spawner.notebook_dir = "/"
c.Spawner.args = ["--LabApp.copy_absolute_path=True"]  # "Copy Path" gives /data/...
server_cmd = shlex.split(env("PANHUB_SINGLEUSER_CMD", ""))
c.Spawner.cmd = server_cmd or [os.path.join(venv_bin, "jupyterhub-singleuser")]
c.Spawner.poll_interval = int(env("PANHUB_POLL_INTERVAL", "10"))
c.Spawner.start_timeout = 300
c.Spawner.http_timeout = 60
c.Spawner.ip = env("PANHUB_SERVER_IP", "0.0.0.0")  # noqa: S104

if env("PANHUB_SPAWNER", "panhub") == "stock":
    # batchspawner 1.3.0 with its defaults, for the benchmark's peer measurement; its jobs
    # run from PANHUB_STOCK_VENV if set (a plain jupyterhub + jupyterlab environment)
    stock_bin = os.path.join(env("PANHUB_STOCK_VENV", sys.prefix), "bin")
    c.JupyterHub.spawner_class = "batchspawner.SlurmSpawner"
    c.Spawner.cmd = server_cmd or [os.path.join(stock_bin, "jupyterhub-singleuser")]
    c.SlurmSpawner.batchspawner_singleuser_cmd = os.path.join(stock_bin, "batchspawner-singleuser")
    c.SlurmSpawner.req_prologue = f"export PATH={stock_bin}:$PATH"
    c.SlurmSpawner.req_partition = "cpu"
    c.SlurmSpawner.req_nprocs = "1"
    c.SlurmSpawner.req_memory = "1G"
    c.SlurmSpawner.req_runtime = "01:00:00"
    if env("SLURM_CONF"):  # the hub's cluster is the jobs' (sbatch gets the job's environment)
        c.Spawner.environment.update({"SLURM_CONF": env("SLURM_CONF")})
else:
    c.JupyterHub.spawner_class = "panhub-slurm"
    c.FacilitySlurmSpawner.hub_name = env("PANHUB_HUB_NAME", "panhub")
    # panhub-hub (panhub.hubapp.PanHub): jobs without a server cancelled, servers without a
    # job cleaned up, at start and every interval; plain `jupyterhub` ignores this
    c.PanHub.reconcile_interval = float(env("PANHUB_RECONCILE_INTERVAL", "300"))
    c.FacilitySlurmSpawner.batchspawner_singleuser_cmd = os.path.join(venv_bin, "panhub-singleuser")
    c.FacilitySlurmSpawner.environments = {
        "default": {
            "description": "panhub Python 3 (JupyterLab, NumPy, h5py, silx)",
            "setup": [f"export PATH={venv_bin}:$PATH"],
        },
    }
    if os.geteuid() != 0:
        # PrivateData=jobs: only SLURM's own account (and root) see every user's jobs
        c.FacilitySlurmSpawner.shared_poll_prefix = "sudo -n -u slurm"
    c.FacilitySlurmSpawner.data_view = env("PANHUB_DATA_VIEW", "1") == "1"
    c.FacilitySlurmSpawner.proposals_layout = {
        "root": env("PANHUB_PROPOSALS_ROOT", "/srv/proposals"),
        "view": "/data",
        "group_prefix": env("PANHUB_GROUP_PREFIX", "prop-"),
    }
    if env("PANHUB_CATALOGUE", "1") == "1":
        # the catalogue as the compute nodes reach it (the demo's node is this host)
        c.FacilitySlurmSpawner.catalogue_url = catalogue_url.rstrip("/") + "/services/catalogue/"
    c.FacilitySlurmSpawner.partitions = {
        # the demo's one node is in both partitions: GPUs only through "gpu"
        "cpu": {"description": "CPU nodes", "max_gpus": 0},
        "gpu": {"description": "GPU nodes"},
    }

# --- idle culling: jupyterhub-idle-culler as a hub-managed service (timeout 0: off) ---
# A server nobody used for the timeout (no browser tab, API call or kernel output) is
# stopped: its job is cancelled; a named server stays listed with its form choices (and
# is removed with PANHUB_CULL_REMOVE_NAMED=1). A spawn still queued is never culled.


def seconds(name, default):
    """A whole number of seconds from the environment (0: off), or a clear error."""
    value = env(name) or default
    if not value.isdigit():
        raise ValueError(f"{name} must be a whole number of seconds (0: off), not {value!r}")
    return int(value)


cull_timeout = seconds("PANHUB_CULL_IDLE_TIMEOUT", "0")
if cull_timeout:
    # activity reaches the hub 4 times per timeout (the proxy's routes, the servers' own
    # reports; JupyterHub's default is every 300 s), else a used server could look idle
    activity_interval = max(5, min(300, cull_timeout // 4))
    c.JupyterHub.last_activity_interval = activity_interval
    c.Spawner.environment.update({"JUPYTERHUB_ACTIVITY_INTERVAL": str(activity_interval)})
    culler, culler_role = make_culler_service(
        c.JupyterHub.hub_bind_url.rstrip("/") + "/hub/api",
        timeout=cull_timeout,
        every=seconds("PANHUB_CULL_EVERY", str(max(5, min(600, cull_timeout // 4)))),
        max_age=seconds("PANHUB_CULL_MAX_AGE", "0"),
        remove_named_servers=env("PANHUB_CULL_REMOVE_NAMED", "0") == "1",
    )
    c.JupyterHub.services.append(culler)
    c.JupyterHub.load_roles.append(culler_role)
# inside the server: idle kernels shut down (not while a notebook shows them, nor busy
# ones), and a server with no activity at all ends its job by itself
kernel_timeout = seconds("PANHUB_KERNEL_CULL_TIMEOUT", "0")
if kernel_timeout:
    c.Spawner.args += [
        f"--MappingKernelManager.cull_idle_timeout={kernel_timeout}",
        f"--MappingKernelManager.cull_interval={max(5, min(300, kernel_timeout // 4))}",
    ]
server_timeout = seconds("PANHUB_SERVER_IDLE_SHUTDOWN", "0")
if server_timeout:
    c.Spawner.args += [f"--ServerApp.shutdown_no_activity_timeout={server_timeout}"]
