"""The chart's values: documented one key at a time, checked with readable messages.

values.yaml has a comment above every setting; values.schema.yaml describes every one of
them and refuses any other key; values.schema.json is made from it. Bad values stop
``helm install`` with a message that names the setting and says what is wrong: the
schema's (HelmValuesError) or, for what a schema cannot say readably, the templates'
(HelmRenderError).
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
import yaml

from tests.support.chart import CHART, ROOT, SECRETS, SLURM, ChartRenderer, merge

VALUES_TEXT = (CHART / "values.yaml").read_text()
SCHEMA = yaml.safe_load((CHART / "values.schema.yaml").read_text())


def test_the_json_schema_is_made_from_the_yaml_source() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_schema", ROOT / "helm/tools/make_schema.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert (CHART / "values.schema.json").read_text() == module.make_schema_json()
    assert json.loads((CHART / "values.schema.json").read_text()) == SCHEMA


def iter_keys(text: str) -> list[tuple[int, tuple[str, ...], bool]]:
    """(line number, key path, has a comment just above) of every mapping key.

    Keys inside list items (a toleration's ``key:``) are the item's, not settings.
    """
    found = []
    path: list[tuple[int, str]] = []
    lines = text.splitlines()
    in_list_at: int | None = None
    for number, line in enumerate(lines):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        indent = len(line) - len(line.lstrip())
        if in_list_at is not None and indent > in_list_at:
            continue
        in_list_at = None
        if stripped.startswith("- "):
            in_list_at = indent - 1
            continue
        match = re.match(r"([\w./-]+):", stripped)
        assert match, f"values.yaml line {number + 1} is not a key: {line!r}"
        while path and path[-1][0] >= indent:
            path.pop()
        path.append((indent, match[1]))
        above = lines[number - 1].strip() if number else ""
        found.append((number + 1, tuple(k for _, k in path), above.startswith("#")))
        if (
            stripped.endswith(":")
            and number + 1 < len(lines)
            and lines[number + 1].lstrip().startswith("- ")
        ):
            in_list_at = indent
    return found


def test_every_setting_of_values_yaml_has_its_comment() -> None:
    keys = iter_keys(VALUES_TEXT)
    assert len(keys) > 150
    assert [f"line {n}: {'.'.join(key)}" for n, key, commented in keys if not commented] == []


def schema_at(schema: dict[str, Any], path: tuple[str, ...]) -> dict[str, Any] | None:
    """The schema of the setting at ``path``, following $refs and additionalProperties."""
    node: dict[str, Any] | None = schema
    for part in path:
        while node is not None and "$ref" in node:
            node = SCHEMA["$defs"][node["$ref"].rsplit("/", 1)[-1]]
        if node is None:
            return None
        props = node.get("properties", {})
        if part in props:
            node = props[part]
        elif isinstance(node.get("additionalProperties"), dict):
            node = node["additionalProperties"]
        elif node.get("type") == "object" and "additionalProperties" not in node:
            return {}  # free-form (a volume source, options)
        else:
            return None
    return node


def test_the_schema_describes_every_setting_of_values_yaml() -> None:
    missing = [key for _, key, _ in iter_keys(VALUES_TEXT) if schema_at(SCHEMA, key) is None]
    assert missing == []


def test_the_schema_has_a_default_for_each_of_its_settings() -> None:
    values = yaml.safe_load(VALUES_TEXT)
    undocumented = [
        name for name in SCHEMA["properties"] if name not in values and name != "global"
    ]
    assert undocumented == []


def test_the_defaults_and_the_test_values_pass(renderer: ChartRenderer) -> None:
    renderer.chart.validate_schema({})
    renderer.chart.validate_schema(merge(SECRETS, SLURM))


BAD_VALUES = [
    (
        {"spawner": {"mode": "docker"}},
        "at '/spawner/mode': value must be one of 'kubernetes', 'slurm'",
    ),
    ({"hub": {"imgae": {"name": "x"}}}, "at '/hub': additional properties 'imgae' not allowed"),
    ({"hub": {"config": {"loadRoles": {}}}}, "'loadRoles' does not match pattern '^[A-Z]"),
    ({"spawner": {"mode": "slurm"}}, "at '/slurm': missing properties 'submitHost', 'publicUrl'"),
    ({"spawner": {"mode": "slurm"}}, "at '/slurm/computeCIDRs': minItems: got 0, want 1"),
    ({"hub": {"uid": 0}}, "at '/hub/uid': minimum: got 0, want 1"),
    (
        {"hub": {"cookieSecret": "xyz"}},
        "at '/hub/cookieSecret': 'xyz' does not match pattern '^[0-9a-fA-F]{64}$'",
    ),
    ({"hub": {"sharedPassword": "short"}}, "at '/hub/sharedPassword': minLength: got 5, want 8"),
    ({"hub": {"db": {"type": "postgres"}}}, "at '/hub/db': missing property 'url'"),
    (
        {"catalogue": {"db": {"type": "postgres"}}},
        "at '/catalogue/db/urlSecret': missing property 'name'",
    ),
    (
        {"singleuser": {"profiles": {"cpu": {"max_cpus": "four"}}}},
        "at '/singleuser/profiles/cpu/max_cpus': got string, want integer",
    ),
    (
        {"singleuser": {"profiles": {"gpu": {"node_selector": {"gpu": True}}}}},
        "at '/singleuser/profiles/gpu/node_selector/gpu': got boolean, want string",
    ),
    (
        merge(SLURM, {"slurm": {"computeCIDRs": ["10.20.0.0"]}}),
        "at '/slurm/computeCIDRs/0': '10.20.0.0' does not match pattern",
    ),
    ({"ingress": {"enabled": True}}, "at '/ingress/hosts': minItems: got 0, want 1"),
    ({"hub": {"baseUrl": "jupyter"}}, "at '/hub/baseUrl': 'jupyter' does not match pattern"),
]


@pytest.mark.parametrize(
    ("values", "message"), BAD_VALUES, ids=[m.split(":")[0][4:] for _, m in BAD_VALUES]
)
def test_the_schema_refuses_bad_values_naming_them(
    renderer: ChartRenderer, values: dict[str, Any], message: str
) -> None:
    from helm_python import HelmValuesError

    with pytest.raises(HelmValuesError) as error:
        renderer.chart.validate_schema(values)
    assert message in str(error.value)
    # install and template stop on it too
    with pytest.raises(HelmValuesError):
        renderer.render(merge(SECRETS, values))


BAD_RENDERS = [
    (
        {"hub": {"image": {"tag": "latest"}}},
        'hub.image.tag: "latest" is refused: give a version, so that every pod runs the same image',
    ),
    (
        {"singleuser": {"profiles": {"cpu": {"enabled": False}, "gpu": {"enabled": False}}}},
        "singleuser.profiles: no profile is enabled",
    ),
    (
        {"singleuser": {"defaultProfile": "fast"}},
        'singleuser.defaultProfile: "fast" is not an enabled profile; enabled: cpu, gpu',
    ),
    (
        merge(SLURM, {"slurm": {"serverPorts": {"from": 9000, "to": 8000}}}),
        "slurm.serverPorts: from is above to",
    ),
]


@pytest.mark.parametrize(
    ("values", "message"), BAD_RENDERS, ids=[m.split(":")[0] for _, m in BAD_RENDERS]
)
def test_the_templates_refuse_what_the_schema_cannot_say(
    renderer: ChartRenderer, values: dict[str, Any], message: str
) -> None:
    from helm_python import HelmRenderError

    with pytest.raises(HelmRenderError) as error:
        renderer.render(merge(SECRETS, values))
    assert message in str(error.value)
