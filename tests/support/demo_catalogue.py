"""The hub demo's catalogue, built as ``panhub.demo.bring_up`` builds it.

hub_config/demo/make_data.py writes each proposal's files (the Eiger stacks left out:
big, and their entries say what the technique's files say), the catalogue imports
hub_config/demo/proposals.toml (members, people, affiliations), then indexes the files
with the default settings (membership from the directory, not from the files).
"""

from __future__ import annotations

import os
import shutil
import tomllib
from datetime import datetime
from pathlib import Path
from typing import Any

from panhub_catalogue.ingest.indexer import Indexer
from panhub_catalogue.ingest.members import apply_directory, parse_directory
from sqlalchemy.orm import Session, sessionmaker
from traitlets.config import Config, PyFileConfigLoader

from hub_config.demo import make_data

DEMO = Path(__file__).parents[2] / "hub_config" / "demo"
#: A time at which the demo's proposals of 2021-2022 are public and those of 2026 are not.
NOW = datetime(2026, 6, 1)


def load(name: str) -> dict[str, Any]:
    """One of the demo's TOML files."""
    with open(DEMO / name, "rb") as stream:
        return tomllib.load(stream)


def load_catalogue_config() -> Config:
    """hub_config/catalogue_config.py, as ``panhub-catalogue --config`` loads it."""
    return PyFileConfigLoader("catalogue_config.py", str(DEMO.parent)).load_config()


_written: list[Path] = []
"""The first tree :func:`write_demo_files` wrote in this test session (writing takes
about 15 s; the trees of later calls are copies of it)."""


def write_demo_files(root: Path) -> None:
    """Write the demo's files under ``root`` as make_data.py does, the stacks left out."""
    if _written and _written[0].is_dir():
        shutil.copytree(_written[0], root, dirs_exist_ok=True)
        return
    directory = load("proposals.toml")
    acquisitions = load("acquisitions.toml")["proposals"]
    for index, (pid, info) in enumerate(sorted(directory["proposals"].items())):
        for planned in make_data.plan_files(pid, info, acquisitions[pid], root, index):
            if "eiger" in planned.path.name:
                continue
            planned.path.parent.mkdir(parents=True, exist_ok=True)
            make_data.write_file(planned, os.getgid())
    _written[:] = [root]


def build_hub_demo(sessions: sessionmaker[Session], root: Path) -> None:
    """Write the demo's files under ``root``, import its directory, index the files."""
    write_demo_files(root)
    directory = load("proposals.toml")
    with sessions() as session:
        apply_directory(session, parse_directory(directory), "PANHUB")
        session.commit()
    config = load_catalogue_config()
    report = Indexer(root=str(root), beamline_techniques=config.Indexer.beamline_techniques).index(
        sessions, [root]
    )
    # 22 NeXus files and the MX proposal's 2 processing results (MTZ)
    assert (report.indexed, report.failed, report.ignored) == (24, [], []), report
