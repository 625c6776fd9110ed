"""panhub's hub configuration in the Helm chart: wiring only, from the chart's values.

As z2jh's: the values come from the hub Secret (``chart.get_config``, which replaces
traitlets' ``get_config`` once ``c`` is taken), secrets from the same Secret
(``chart.get_secret_value``), the objects' names from the hub ConfigMap
(``chart.get_name``). In order: hub and proxy, login and proposals, the spawner of
``spawner.mode``, the catalogue and the idle culler as services, then ``hub.config``
(pass-through onto traits, so it wins) and ``hub.extraConfig``.
"""

c = get_config()  # noqa: F821

import os  # noqa: E402
import sys  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))

from chart import get_config, get_name, get_secret_path, get_secret_value  # noqa: E402
from panhub.services import (  # noqa: E402
    make_catalogue_service,
    make_catalogue_user_role,
    make_culler_service,
    make_server_token_scopes,
)

mode = get_config("spawner.mode")
base_url = get_config("hub.baseUrl", "/")
hub_url = f"http://{get_name('hub')}:8081"
catalogue_prefix = base_url.rstrip("/") + "/services/catalogue/"

# --- hub and proxy: the proxy runs in its own pod, so a hub restart keeps every route ---
c.JupyterHub.base_url = base_url
c.JupyterHub.hub_bind_url = "http://:8081"
c.JupyterHub.hub_connect_url = hub_url
c.ConfigurableHTTPProxy.api_url = f"http://{get_name('proxy-api')}:8001"
c.ConfigurableHTTPProxy.should_start = False  # its token: CONFIGPROXY_AUTH_TOKEN
c.JupyterHub.cleanup_servers = False  # a hub restart must not stop users' servers
c.JupyterHub.last_activity_interval = 60
c.JupyterHub.tornado_settings = {"slow_spawn_timeout": 0}
c.JupyterHub.concurrent_spawn_limit = get_config("hub.concurrentSpawnLimit")
c.JupyterHub.allow_named_servers = get_config("hub.allowNamedServers")
c.JupyterHub.named_server_limit_per_user = get_config("hub.namedServerLimitPerUser")
c.JupyterHub.cookie_secret = get_secret_value("hub.cookieSecret")
c.CryptKeeper.keys = [get_secret_value("hub.cryptKey")]
if get_config("hub.db.type") == "postgres":
    c.JupyterHub.db_url = get_config("hub.db.url")  # the password: PGPASSWORD
else:
    c.JupyterHub.db_url = "sqlite:////srv/jupyterhub/jupyterhub.sqlite"

# --- login: proposal membership into auth_state, at login and before every spawn ---
c.Authenticator.enable_auth_state = True
c.Authenticator.refresh_pre_spawn = True
# the default login (ProposalSharedPasswordAuthenticator); hub.config replaces it
c.SharedPasswordAuthenticator.user_password = get_secret_value("hub.sharedPassword")
c.ProposalSharedPasswordAuthenticator.allow_all = True  # anyone with the password
c.ProposalsMixin.proposal_source = get_config("proposals.source")
if get_config("proposals.source") == "static":
    c.ProposalsMixin.proposal_source_options = {"path": get_secret_path("proposals.toml")}
else:
    c.ProposalsMixin.proposal_source_options = get_config("proposals.options", {})

# --- the data layout, the catalogue and the kernels, as every server sees them ---
c.Spawner.default_url = get_config("singleuser.defaultUrl")
# the Lab's root is the server's whole view: home and /data/<proposal> as mounted
c.Spawner.notebook_dir = "/"
c.Spawner.args = ["--LabApp.copy_absolute_path=True"]
c.FacilitySpawnerMixin.proposals_layout = {
    "root": get_config("proposals.root"),
    "view": get_config("proposals.view"),
}
kernels = get_config("singleuser.kernels")
c.FacilitySpawnerMixin.kernels_path = (
    [kernels["mountPath"].rstrip("/") + "/share/jupyter"] if kernels["enabled"] else []
)
c.FacilitySpawnerMixin.kernel_environments = bool(kernels["enabled"])

if mode == "kubernetes":
    c.JupyterHub.spawner_class = "panhub.kube.FacilityKubeSpawner"
    c.KubeSpawner.namespace = os.environ.get("POD_NAMESPACE", "default")
    # the chart's labels: its NetworkPolicies select the servers by them
    c.KubeSpawner.common_labels = {
        "app.kubernetes.io/name": get_config("nameOverride") or get_config("Chart.Name"),
        "app.kubernetes.io/instance": get_config("Release.Name"),
        "app.kubernetes.io/managed-by": "kubespawner",
    }
    c.KubeSpawner.extra_labels = {
        "hub.jupyter.org/network-access-hub": "true",
        "panhub.io/network-access-catalogue": "true",
    }
    image = get_config("singleuser.image")
    c.KubeSpawner.image = f"{image['name']}:{image['tag']}"
    c.KubeSpawner.image_pull_policy = image["pullPolicy"]
    c.KubeSpawner.image_pull_secrets = get_config("imagePullSecrets", [])
    c.KubeSpawner.cmd = get_config("singleuser.cmd")
    c.KubeSpawner.environment = get_config("singleuser.extraEnv", {})
    # the restricted Pod Security Standard, and a root file system nobody writes to
    c.KubeSpawner.uid = get_config("singleuser.uid")
    c.KubeSpawner.gid = get_config("singleuser.fsGid")
    c.KubeSpawner.fs_gid = get_config("singleuser.fsGid")
    c.KubeSpawner.allow_privilege_escalation = False
    c.KubeSpawner.automount_service_account_token = False
    c.KubeSpawner.pod_security_context = {
        "runAsNonRoot": True,
        "seccompProfile": {"type": "RuntimeDefault"},
    }
    c.KubeSpawner.container_security_context = {
        "runAsNonRoot": True,
        "readOnlyRootFilesystem": True,
        "capabilities": {"drop": ["ALL"]},
        "seccompProfile": {"type": "RuntimeDefault"},
    }
    storage = get_config("singleuser.storage")
    home = storage["homeMountPath"]
    c.KubeSpawner.working_dir = home
    volumes = [{"name": "tmp", "emptyDir": {}}]
    mounts = [{"name": "tmp", "mountPath": "/tmp"}]  # noqa: S108 - the pod's own
    if storage["type"] == "dynamic":
        c.KubeSpawner.storage_pvc_ensure = True
        c.KubeSpawner.storage_capacity = storage["capacity"]
        c.KubeSpawner.storage_class = storage.get("storageClass") or ""
        c.KubeSpawner.storage_access_modes = ["ReadWriteOnce"]
        c.KubeSpawner.delete_pvc = False  # a deleted hub user keeps their files
        volumes.append({"name": "home", "persistentVolumeClaim": {"claimName": "{pvc_name}"}})
    else:
        volumes.append({"name": "home", "emptyDir": {}})
    mounts.append({"name": "home", "mountPath": home})
    if kernels["enabled"]:
        volumes.append({"name": "kernels", **kernels["volume"]})
        mounts.append({"name": "kernels", "mountPath": kernels["mountPath"], "readOnly": True})
    c.KubeSpawner.volumes = volumes
    c.KubeSpawner.volume_mounts = mounts
    c.FacilityKubeSpawner.proposals_claim = get_config("proposals.claim")
    # the form's profiles: the default first, then by name
    first = get_config("singleuser.defaultProfile")
    profiles = get_config("singleuser.profiles")
    c.FacilityKubeSpawner.profiles = {
        name: {k: v for k, v in profile.items() if k != "enabled"}
        for name, profile in sorted(profiles.items(), key=lambda item: (item[0] != first, item[0]))
        if profile.get("enabled", True)
    }
    catalogue_url = f"http://{get_name('catalogue')}:8090{catalogue_prefix}"
else:
    c.JupyterHub.spawner_class = "panhub.spawner.FacilitySlurmSpawner"
    slurm = get_config("slurm")
    public = slurm["publicUrl"].rstrip("/")
    # jobs reach the hub API (their port report too) and the catalogue through the proxy
    c.Spawner.hub_connect_url = public  # the API path (with base_url) is appended
    c.FacilitySlurmSpawner.hub_name = slurm["hubName"]
    c.FacilitySlurmSpawner.exec_prefix = slurm["execPrefix"]
    c.FacilitySlurmSpawner.submit_prefix = slurm["submitPrefix"] or " ".join(
        [
            "ssh -i /etc/panhub/ssh/id_ed25519",
            "-o UserKnownHostsFile=/etc/panhub/ssh/known_hosts -o StrictHostKeyChecking=yes",
            "-o BatchMode=yes -o SendEnv=JUPYTERHUB_* -o SendEnv=PANHUB_*",
            "-o SendEnv=JUPYTER_PATH",
            f"{slurm['sshUser']}@{slurm['submitHost']}",
        ]
    )
    c.FacilitySlurmSpawner.partitions = slurm["partitions"]
    if slurm["environments"]:
        c.FacilitySlurmSpawner.environments = slurm["environments"]
    c.FacilitySlurmSpawner.data_view = slurm["dataView"]
    catalogue_url = public + catalogue_prefix

# --- services: the catalogue (its own pod) and the idle culler (in this pod) ---
c.JupyterHub.services = []
c.JupyterHub.load_roles = []
if get_config("catalogue.enabled"):
    c.JupyterHub.services.append(
        make_catalogue_service(
            f"http://{get_name('catalogue')}:8090",
            get_secret_value("catalogue.apiToken"),
            catalogue_prefix,
        )
    )
    c.JupyterHub.load_roles.append(make_catalogue_user_role())
    c.Spawner.server_token_scopes = make_server_token_scopes()
    c.FacilitySpawnerMixin.catalogue_url = catalogue_url

cull = get_config("cull")
if cull["enabled"]:
    service, role = make_culler_service(
        f"http://localhost:8081{base_url.rstrip('/')}/hub/api",
        cull["timeout"],
        cull["every"],
        cull["concurrency"],
        cull["maxAge"],
        cull["users"],
        cull["adminUsers"],
        cull["removeNamedServers"],
    )
    c.JupyterHub.services.append(service)
    c.JupyterHub.load_roles.append(role)

# --- hub.config: pass-through onto traits (z2jh's), after everything above ---
for section, traits in (get_config("hub.config") or {}).items():
    if not section[:1].isupper():
        # traitlets sections are class names: a lowercase one is a misplaced setting
        sys.exit(f"FATAL: hub.config.{section}: hub.config sections must be class names")
    print(f"Loading pass-through config section hub.config.{section}")
    c[section].update(traits)

for key, snippet in sorted((get_config("hub.extraConfig") or {}).items()):
    print(f"Loading extra config: {key}")
    exec(compile(snippet, f"hub.extraConfig.{key}", "exec"))  # noqa: S102 - the operator's
