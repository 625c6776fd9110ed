"""Write helm/panhub/values.schema.json from values.schema.yaml (its readable source).

Run from anywhere: ``python helm/tools/make_schema.py``. tests/helm/test_schema.py
fails when the JSON file is not what this writes.
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml

CHART = Path(__file__).resolve().parents[1] / "panhub"


def make_schema_json(source: Path = CHART / "values.schema.yaml") -> str:
    """The JSON text of the schema in ``source``."""
    return json.dumps(yaml.safe_load(source.read_text()), indent=2) + "\n"


if __name__ == "__main__":
    (CHART / "values.schema.json").write_text(make_schema_json())
