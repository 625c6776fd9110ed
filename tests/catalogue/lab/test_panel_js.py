"""The catalogue side panel's TypeScript: its jest tests (query building, page cache,
window arithmetic, sizes and dates, path and code helpers) run by ``make test``.

``jlpm test`` runs in ``extensions/catalogue`` (Yarn crashes when pointed there with
``--cwd`` from the repo root). It needs the extension's ``node_modules``
(``jlpm install``, which ``pip install .`` runs): without them this test fails with
that instruction rather than skipping, so a missing front-end install cannot pass.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
EXTENSION = ROOT / "extensions" / "catalogue"


def find_jlpm() -> str | None:
    """``jlpm`` beside this Python (the venv's), else on the PATH."""
    beside = Path(sys.executable).with_name("jlpm")
    return str(beside) if beside.exists() else shutil.which("jlpm")


def test_jest_tests_of_the_panel_pass() -> None:
    jlpm = find_jlpm()
    assert jlpm, "jlpm is missing: install jupyterlab (it brings jupyter-builder's jlpm)"
    assert (EXTENSION / "node_modules" / ".bin" / "jest").exists(), (
        f"the extension's node modules are missing: cd {EXTENSION} && jlpm install"
    )
    env = {**os.environ, "CI": "true", "FORCE_COLOR": "0"}
    env["PATH"] = f"{Path(jlpm).parent}{os.pathsep}{env.get('PATH', '')}"
    done = subprocess.run(
        [jlpm, "test", "--ci", "--silent"],
        cwd=EXTENSION,
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
        check=False,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-6000:]
    passed = re.search(r"^Tests:\s+(?:.*?)(\d+) passed", output, re.MULTILINE)
    assert passed and int(passed[1]) > 0, output[-3000:]
    assert not re.search(r"^Tests:.*\d+ failed", output, re.MULTILINE), output[-3000:]
