"""Load the chart's hub configuration as the hub pod does, and report what it makes.

Run by :func:`tests.support.chart.probe_hub_config` in a subprocess (the configuration
sets process-wide state: KubeSpawner's client, the port-callback route)::

    python hub_probe.py OUT.json CONFIG_DIR... --users USER...

Each CONFIG_DIR (one per render; one process for all, to import JupyterHub once) holds
what the hub pod mounts (the ConfigMap's files and names, the Secret's
values and keys). A JupyterHub application loads ``jupyterhub_config.py`` from it and
resolves its spawner and authenticator classes; the authenticator's proposal source
gives each USER's access, as at login; the spawner, built from the same configuration,
then shows what it does with it: in the kubernetes mode, each user's pod manifest for the
CPU profile and (if offered) the GPU profile, built by KubeSpawner's ``make_pod`` without
a cluster; in the slurm mode, the commands it would run on the submit host.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from types import SimpleNamespace
from typing import Any

# rfc3987-syntax builds ~35 Lark parsers when jsonschema (through JupyterHub's event
# logger) imports it: seconds, for a format nothing here checks. hub_config/demo's
# bootstrap uninstalls it; a venv that still has it must not make this probe slow.
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]


def make_user(name: str) -> SimpleNamespace:
    return SimpleNamespace(name=name, id=1, url=f"/user/{name}/", escaped_name=name, spawners={})


def make_hub() -> SimpleNamespace:
    return SimpleNamespace(
        public_host="", url="http://hub:8081/hub/", base_url="/", api_url="http://hub:8081/hub/api"
    )


async def probe_kubernetes(app: Any, auth_states: dict[str, Any]) -> dict[str, Any]:
    import kubespawner.spawner
    from kubernetes_asyncio.client import ApiClient

    # no cluster: KubeSpawner's client is never used to build a manifest
    kubespawner.spawner.load_config = lambda **_: None
    kubespawner.spawner.shared_client = lambda *_, **__: None
    client = ApiClient()
    serialize = client.sanitize_for_serialization
    report: dict[str, Any] = {"pods": {}, "refusals": {}}
    for user, auth_state in auth_states.items():
        spawner = app.spawner_class(
            config=app.config, user=make_user(user), hub=make_hub(), _mock=True
        )
        await spawner.run_auth_state_hook(auth_state)
        choices = await spawner.get_partition_choices()
        report["profiles"] = [c.name for c in choices]
        report["form"] = await spawner.get_options_form()
        requests = {"cpu": {"partition": choices[0].name}}
        if "gpu" in report["profiles"]:
            requests["gpu"] = {
                "partition": "gpu",
                "gpus": "1",
                "cpus": "2",
                "memory_gb": "8",
                "runtime": "1:30",
            }
        for label, options in requests.items():
            spawner.user_options = options
            await spawner.load_user_options()
            report["pods"][f"{user}:{label}"] = serialize(await spawner.get_pod_manifest())
        try:
            await spawner.validate({"reservation": "beamtime-42"})
        except Exception as refusal:  # FormRejected: a 400 with the form's message
            report["refusals"]["reservation"] = [getattr(refusal, "status_code", 0), str(refusal)]
    await client.close()
    return report


async def probe_slurm(app: Any, auth_states: dict[str, Any]) -> dict[str, Any]:
    import batchspawner.batchspawner

    ran: list[str] = []

    async def record(self: Any, cmd: str, input: Any = None, env: Any = None) -> str:
        ran.append(cmd)
        return "cpu|8|32000|(null)|12:00:00|1:00:00|up\ngpu|8|32000|gpu:2|12:00:00|1:00:00|up"

    batchspawner.batchspawner.BatchSpawnerBase.run_command = record
    user = next(iter(auth_states))
    spawner = app.spawner_class(config=app.config, user=make_user(user), hub=make_hub())
    await spawner.run_auth_state_hook(auth_states[user])
    choices = await spawner.get_partition_choices()
    spawner.job_id = "4242"
    await spawner.cancel_batch_job()
    return {
        "partitions": [c.name for c in choices],
        "commands": ran,
        "shared_poll": spawner.get_shared_poller().command,
        "spawner_hub_connect_url": spawner.hub_connect_url,
        "catalogue_url": spawner.catalogue_url,
        "data_view": spawner.data_view,
        "proposals": spawner.get_proposals(),
    }


async def probe(config_dir: str, users: list[str]) -> dict[str, Any]:
    from jupyterhub.app import JupyterHub
    from panhub.auth import AUTH_STATE_KEY

    sys.modules.pop("chart", None)  # each configuration imports its own chart.py
    app = JupyterHub()
    app.load_config_file(os.path.join(config_dir, "jupyterhub_config.py"))
    authenticator = app.authenticator_class(config=app.config)
    auth_states = {
        user: {AUTH_STATE_KEY: authenticator.get_proposal_source().get_access(user).to_json()}
        for user in users
    }
    report: dict[str, Any] = {
        "spawner_class": f"{app.spawner_class.__module__}.{app.spawner_class.__qualname__}",
        "authenticator_class": f"{type(authenticator).__module__}.{type(authenticator).__qualname__}",
        "authenticator_mro": [c.__name__ for c in type(authenticator).__mro__],
        "access": {u: s[AUTH_STATE_KEY]["proposals"] for u, s in auth_states.items()},
        "services": [s["name"] for s in app.services],
        "service_urls": {s["name"]: s.get("url", "") for s in app.services},
        "roles": {r["name"]: r.get("scopes", []) for r in app.load_roles},
        "db_url": app.db_url,
        "hub_connect_url": app.hub_connect_url,
        "proxy_api_url": app.config.ConfigurableHTTPProxy.api_url,
        "cleanup_servers": app.cleanup_servers,
        "enable_auth_state": authenticator.enable_auth_state,
        "proposal_source": authenticator.proposal_source,
    }
    if "Kube" in app.spawner_class.__name__:
        report.update(await probe_kubernetes(app, auth_states))
    else:
        report.update(await probe_slurm(app, auth_states))
    return report


async def main(out: str, config_dirs: list[str], users: list[str]) -> None:
    reports = {folder: await probe(folder, users) for folder in config_dirs}
    with open(out, "w") as stream:
        json.dump(reports, stream, indent=1, default=str)


if __name__ == "__main__":
    split = sys.argv.index("--users")
    asyncio.run(main(sys.argv[1], sys.argv[2:split], sys.argv[split + 1 :]))
