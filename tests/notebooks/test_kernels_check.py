"""``panhub kernels check`` on every staff kernel the templates run on, as staff run it."""

from __future__ import annotations

import re
from pathlib import Path

from tests.notebooks.conftest import KERNELS
from tests.support.kernels import kernel_id, panhub_kernels


def test_every_staff_kernel_passes_check(staff_kernels: Path) -> None:
    done = panhub_kernels("check", timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr
    for name in KERNELS:
        line = re.search(rf"^(\S+) {re.escape(kernel_id(name))}: ", done.stdout, re.MULTILINE)
        assert line is not None, done.stdout
        assert line[1] == "ok", done.stdout
