"""Write the demo's sample NeXus data into each proposal's raw folder (idempotent).

Usage: python make_data.py PROPOSALS_TOML PROPOSALS_ROOT

Each proposal gets a small Eiger-like stack (bitshuffle-LZ4, with detector gaps and a
pixel mask) and a 1D spectrum with errors, owned by root and readable by the proposal's
group only, as an acquisition system would leave them.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sys
import tomllib
from pathlib import Path

import h5py
from panhub_nexus.synthetic import write_eiger_stack, write_spectrum


def add_metadata(path: Path, title: str, start: dt.date, scan: int) -> None:
    """What an acquisition system records in NXentry: title, start and end time."""
    begin = dt.datetime.combine(start, dt.time(9, 0), dt.UTC) + dt.timedelta(minutes=7 * scan)
    with h5py.File(path, "r+", locking=False) as f:
        entry = f["entry"]
        for name, value in (
            ("title", title),
            ("start_time", begin.isoformat()),
            ("end_time", (begin + dt.timedelta(minutes=5)).isoformat()),
        ):
            if name in entry:
                del entry[name]
            entry[name] = value


def main(toml: str, root: str) -> int:
    with open(toml, "rb") as f:
        proposals = tomllib.load(f).get("proposals", {})
    for index, pid in enumerate(sorted(proposals)):
        info = proposals[pid]
        start = info.get("start_date", dt.date(2026, 1, 1))
        raw = Path(root) / pid / "raw"
        group = raw.stat().st_gid
        files = {
            raw / f"{pid}_scan0001_eiger.nxs": lambda p, i=index: write_eiger_stack(
                p, shape=(1065, 1030), n_frames=20, module=(514, 1030), seed=i
            ),
            raw / f"{pid}_scan0002_saxs.nxs": lambda p: write_spectrum(p, n_points=2000),
        }
        for scan, (path, write) in enumerate(files.items(), start=1):
            if path.exists():
                continue
            partial = path.with_suffix(".partial")
            write(partial)
            add_metadata(partial, f"{info.get('title', pid)}, scan {scan}", start, scan)
            os.chown(partial, 0, group)
            os.chmod(partial, 0o640)
            shutil.move(partial, path)
            print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
