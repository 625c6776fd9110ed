"""The Helm chart (helm/panhub) rendered offline, as the tests of tests/helm read it.

The Helm SDK (helm-python-sdk) renders and lints without a helm binary or a cluster;
kubernetes-validate checks manifests against the API's schemas. Both are imported once
(tests/helm/conftest.py holds the loaded chart for the session).

The values the tests render with: :data:`SECRETS` (so that two renders of the same
values are the same) merged with one variant of each axis of :data:`MATRIX`.
"""

from __future__ import annotations

import base64
import copy
import functools
import itertools
import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml

#: libyaml's loader: the pure-Python one takes ~0.15 s per render
LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "helm" / "panhub"
RELEASE = "panhub"
NAMESPACE = "jhub"
#: the oldest Kubernetes the chart supports (Chart.yaml's kubeVersion)
OLDEST_KUBERNETES = "1.30.0"

SECRETS: dict[str, Any] = {
    "hub": {"cookieSecret": "a1" * 32, "cryptKey": "b2" * 32, "sharedPassword": "c3" * 8},
    "proxy": {"secretToken": "d4" * 32},
    "catalogue": {"apiToken": "e5" * 32},
}

SLURM: dict[str, Any] = {
    "spawner": {"mode": "slurm"},
    "slurm": {
        "submitHost": "slurm-login.example.org",
        "publicUrl": "https://hub.example.org",
        "computeCIDRs": ["10.20.0.0/16"],
        "submitHostCIDRs": ["10.30.0.5/32"],
    },
}
POSTGRES: dict[str, Any] = {
    "hub": {
        "db": {
            "type": "postgres",
            "url": "postgresql+psycopg2://jupyterhub@db.example.org:5432/jupyterhub",
            "passwordSecret": {"name": "hub-db"},
            "cidrs": ["10.40.0.10/32"],
        }
    },
    "catalogue": {
        "db": {
            "type": "postgres",
            "urlSecret": {"name": "catalogue-db"},
            "cidrs": ["10.40.0.11/32"],
        }
    },
}
INGRESS: dict[str, Any] = {
    "ingress": {
        "enabled": True,
        "ingressClassName": "nginx",
        "hosts": ["hub.example.org"],
        "tls": [{"hosts": ["hub.example.org"], "secretName": "hub-tls"}],
    },
    "proxy": {"service": {"type": "ClusterIP"}},
}
NO_GPU: dict[str, Any] = {"singleuser": {"profiles": {"gpu": {"enabled": False}}}}

#: each axis: its variants, by name
MATRIX: dict[str, dict[str, dict[str, Any]]] = {
    "mode": {"kubernetes": {}, "slurm": SLURM},
    "db": {"sqlite": {}, "postgres": POSTGRES},
    "ingress": {"no-ingress": {}, "ingress": INGRESS},
    "gpu": {"gpu": {}, "no-gpu": NO_GPU},
}


def merge(base: Mapping[str, Any], *overrides: Mapping[str, Any]) -> dict[str, Any]:
    """Deep-merge mappings as Helm merges values files (later ones win)."""
    merged = copy.deepcopy(dict(base))
    for override in overrides:
        for key, value in override.items():
            if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
                merged[key] = merge(merged[key], value)
            else:
                merged[key] = copy.deepcopy(value)
    return merged


def iter_matrix() -> Iterator[tuple[str, dict[str, Any]]]:
    """Every combination of :data:`MATRIX`: ``("slurm-postgres-ingress-no-gpu", values)``."""
    for combination in itertools.product(*(axis.items() for axis in MATRIX.values())):
        name = "-".join(variant for variant, _ in combination)
        yield name, merge(SECRETS, *(values for _, values in combination))


def demo_values() -> dict[str, Any]:
    """The demo's proposals file as the static source's directory."""
    directory = (ROOT / "hub_config" / "demo" / "proposals.toml").read_text()
    return merge(SECRETS, {"proposals": {"directory": directory}})


class Rendered:
    """One render: its manifests (parsed) and NOTES.txt."""

    def __init__(self, files: Mapping[str, str]) -> None:
        self.files = dict(files)
        self.notes = next((t for p, t in files.items() if p.endswith("NOTES.txt")), "")
        self.docs = [
            doc
            for path, text in sorted(files.items())
            if not path.endswith("NOTES.txt")
            for doc in yaml.load_all(text, Loader=LOADER)
            if doc
        ]

    def get(self, kind: str, name: str) -> dict[str, Any]:
        """The manifest of ``kind`` named ``name``."""
        for doc in self.docs:
            if doc["kind"] == kind and doc["metadata"]["name"] == name:
                return doc
        raise KeyError(f"no {kind} {name} in {sorted(self.names())}")

    def names(self) -> set[tuple[str, str]]:
        return {(d["kind"], d["metadata"]["name"]) for d in self.docs}

    def of_kind(self, kind: str) -> list[dict[str, Any]]:
        return [d for d in self.docs if d["kind"] == kind]

    def pods(self) -> dict[str, dict[str, Any]]:
        """The pod templates of the Deployments, by Deployment name."""
        return {d["metadata"]["name"]: d["spec"]["template"] for d in self.of_kind("Deployment")}

    def secret_data(self, name: str) -> dict[str, str]:
        """A Secret's data, decoded."""
        data = self.get("Secret", name).get("data", {})
        return {k: base64.b64decode(v).decode() for k, v in data.items()}


class ChartRenderer:
    """The chart loaded once; renders cached by their values."""

    def __init__(self, chart: Any) -> None:
        self.chart = chart
        self._cache: dict[str, Rendered] = {}

    def render(self, values: Mapping[str, Any]) -> Rendered:
        key = json.dumps(values, sort_keys=True)
        if key not in self._cache:
            files = self.chart.render(values=dict(values), name=RELEASE, namespace=NAMESPACE)
            self._cache[key] = Rendered(files)
        return self._cache[key]


@functools.cache
def fast_kubernetes_validate() -> Any:
    """kubernetes_validate, reading each schema file once (it reads them at every call)."""
    import kubernetes_validate
    import kubernetes_validate.utils as utils

    utils.schema_contents = functools.lru_cache(maxsize=None)(utils.schema_contents)
    utils.all_versions = functools.lru_cache(maxsize=None)(utils.all_versions)
    return kubernetes_validate


def write_hub_mounts(rendered: Rendered, folder: Path) -> Path:
    """Lay out in ``folder`` what the hub pod mounts at /usr/local/etc/jupyterhub."""
    data = rendered.get("ConfigMap", "hub")["data"]
    (folder / "config").mkdir(parents=True)
    (folder / "secret").mkdir()
    for key, text in data.items():
        (folder / "config" / key).write_text(text)
    for name in ("jupyterhub_config.py", "chart.py"):
        (folder / name).write_text(data[name])
    for key, text in rendered.secret_data("hub").items():
        (folder / "secret" / key).write_text(text)
    return folder


def probe_hub_configs(
    renders: Mapping[str, Rendered], folder: Path, users: list[str]
) -> dict[str, dict[str, Any]]:
    """Run tests/support/hub_probe.py on rendered configurations (one subprocess).

    Returns each render's report, by the name it was given.
    """
    import os
    import subprocess
    import sys

    folders = {
        name: write_hub_mounts(rendered, folder / name) for name, rendered in renders.items()
    }
    out = folder / "probe.json"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "hub_config"), str(ROOT)]),
        "POD_NAMESPACE": NAMESPACE,
    }
    probe = Path(__file__).with_name("hub_probe.py")
    done = subprocess.run(
        [sys.executable, str(probe), str(out), *map(str, folders.values()), "--users", *users],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    if done.returncode:
        raise RuntimeError(f"a hub configuration did not load:\n{done.stdout}\n{done.stderr}")
    reports = json.loads(out.read_text())
    return {name: reports[str(path)] for name, path in folders.items()}
