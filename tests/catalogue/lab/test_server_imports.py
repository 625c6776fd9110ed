"""The server extension loads light: every user's server imports it on every start.

What the routes need beyond the catalogue's HTTP client (the NeXus core, the catalogue
service's database model) is imported when a request needs it, not when the server
starts: those imports would lengthen each spawn for every user.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

#: Imported by none of the extension's modules at load (checked in a fresh interpreter).
HEAVY = (
    "numpy",
    "h5py",
    "hdf5plugin",
    "silx",
    "PIL",
    "matplotlib",
    "panhub_nexus",
    "sqlalchemy",
    "panhub_catalogue.model",
    "panhub_catalogue.db",
)

LOAD = """
import json, pkgutil, sys
import panhub_catalogue.lab as lab
for point in lab._jupyter_server_extension_points():
    __import__(point["module"])
for info in pkgutil.iter_modules(lab.__path__, "panhub_catalogue.lab."):
    __import__(info.name)
print(json.dumps(sorted(sys.modules)))
"""


def test_the_lab_extension_imports_nothing_heavy_at_load() -> None:
    result = subprocess.run(
        [sys.executable, "-c", LOAD],
        env=os.environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    loaded = set(json.loads(result.stdout))
    assert "panhub_catalogue.lab.routes" in loaded  # the control: the modules were loaded
    heavy = sorted(m for m in loaded if m.split(".")[0] in HEAVY or m in HEAVY)
    assert heavy == []
