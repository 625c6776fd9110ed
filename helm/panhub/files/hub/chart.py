"""What the chart gives the hub's configuration, as z2jh's ``z2jh.py`` does.

The hub's pod mounts, beside ``jupyterhub_config.py`` (this folder):

- ``secret/values.yaml``: the chart's values (the hub Secret), read by :func:`get_config`;
- ``secret/<key>``: generated or given secrets, read by :func:`get_secret_value`;
- ``config/<name>``: the names of the chart's objects (the hub ConfigMap), :func:`get_name`.
"""

from __future__ import annotations

import os
from functools import cache
from typing import Any

import yaml

HERE = os.path.dirname(os.path.realpath(__file__))


@cache
def _load_values() -> dict[str, Any]:
    with open(os.path.join(HERE, "secret", "values.yaml")) as stream:
        values: dict[str, Any] = yaml.safe_load(stream) or {}
    return values


def get_config(key: str, default: Any = None) -> Any:
    """The value at ``key`` (``"hub.db.type"``), or ``default`` where the path ends."""
    value: Any = _load_values()
    for level in key.split("."):
        if not isinstance(value, dict) or level not in value:
            return default
        value = value[level]
    return value


def get_secret_value(key: str) -> str:
    """The secret ``key`` of the hub Secret (``hub.cookieSecret``)."""
    with open(os.path.join(HERE, "secret", key)) as stream:
        return stream.read()


def get_secret_path(key: str) -> str:
    """Where the secret ``key`` is mounted (for settings that name a file)."""
    return os.path.join(HERE, "secret", key)


def get_name(name: str) -> str:
    """The full name of one of the chart's objects (``hub``, ``proxy-api``, ``catalogue``)."""
    with open(os.path.join(HERE, "config", name)) as stream:
        return stream.read().strip()
