"""The settings of ``panhub kernels``: one traitlets class, ``c.Kernels.*``.

Set them in a config file given with ``panhub kernels --config FILE`` (a traitlets
Python config, e.g. ``/etc/panhub/kernels_config.py``), or per run with the command's
options (``--prefix``, ``--source``, ``--panhub-wheel``), which win::

    c.Kernels.prefix = "/gpfs/software/panhub/kernels"   # mounted on every node
    c.Kernels.sources = ["/opt/panhub/venv/share/panhub/kernels", "/etc/panhub/kernels"]
    c.Kernels.panhub_wheel = "/opt/panhub/dist/panhub-0.1.0-py3-none-any.whl"
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from traitlets import Float, List, Unicode, default
from traitlets.config import Config, Configurable
from traitlets.config.loader import PyFileConfigLoader

from panhub.kernels.build import Tools
from panhub.kernels.prefix import Prefix


class Kernels(Configurable):
    """Where staff kernels come from, where they are built, and with what."""

    prefix = Unicode(
        "/opt/panhub/kernels",
        help="The shared prefix kernels are built into: envs/ and share/jupyter/kernels/. "
        "On a cluster, a file system every compute node mounts (read-only there); users' "
        "servers get JUPYTER_PATH=<prefix>/share/jupyter. Example: '/gpfs/panhub/kernels'.",
    ).tag(config=True)

    sources = List(
        Unicode(),
        help="Folders holding kernel folders (<source>/<name>/kernel.toml), searched in "
        "order; a name in two sources is an error. Default: panhub's own kernels (installed "
        "with the package under <sys.prefix>/share/panhub/kernels) and the site's "
        "/etc/panhub/kernels (optional). Example: ['/srv/beamline-kernels'].",
    ).tag(config=True)

    python = Unicode(
        "/usr/bin/python3",
        help="The interpreter every environment is made from (python -m venv); its X.Y "
        "must be the Python the locks were made for (kernel.toml 'python', default 3.11).",
    ).tag(config=True)

    uv = Unicode(
        help="The uv executable that installs locks. Default: the uv beside this Python "
        "(the hub's venv installs it with panhub[hub]), else uv on PATH.",
    ).tag(config=True)

    uv_cache_dir = Unicode(
        "",
        help="uv's cache folder; empty: uv's default (~/.cache/uv). Keep it on the "
        "prefix's file system: uv then hard-links packages shared between environments "
        "instead of copying them. Example: '/opt/panhub/kernels-cache'.",
    ).tag(config=True)

    panhub_wheel = Unicode(
        "",
        help="panhub's own wheel (panhub_nexus, the catalogue's Python API), installed "
        "with --no-deps into every environment; their dependencies are in the base "
        "kernel's requirements. Make it with: pip wheel --no-deps -w dist . "
        "Example: '/opt/panhub/dist/panhub-0.1.0-py3-none-any.whl'.",
    ).tag(config=True)

    step_timeout = Float(
        1800.0,
        help="Seconds one build step (venv, install, ...) may take before it fails.",
    ).tag(config=True)

    check_timeout = Float(
        120.0,
        help="Seconds check waits for a kernel's imports, and again for its first cell.",
    ).tag(config=True)

    @default("sources")
    def _default_sources(self) -> list[str]:
        return [str(Path(sys.prefix) / "share" / "panhub" / "kernels"), "/etc/panhub/kernels"]

    @default("uv")
    def _default_uv(self) -> str:
        beside = Path(sys.executable).parent / "uv"
        return str(beside) if beside.is_file() else shutil.which("uv") or "uv"

    def get_prefix(self) -> Prefix:
        """The prefix's layout."""
        return Prefix(Path(self.prefix))

    def get_sources(self) -> list[Path]:
        """The source folders as paths."""
        return [Path(s) for s in self.sources]

    def make_tools(self) -> Tools:
        """What a build runs (the wheel must be set; see :attr:`panhub_wheel`)."""
        return Tools(
            python=Path(self.python),
            uv=Path(self.uv),
            panhub_wheel=Path(self.panhub_wheel),
            uv_cache_dir=self.uv_cache_dir,
            timeout=self.step_timeout,
        )


def load_config(path: str | None) -> Config:
    """The traitlets config of ``path`` (a Python config file), or an empty one."""
    if not path:
        return Config()
    file = Path(path)
    config: Config = PyFileConfigLoader(file.name, path=str(file.parent)).load_config()
    return config
