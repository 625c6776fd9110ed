"""Write the demo's sample NeXus data into each proposal's raw folder (idempotent).

Usage: python make_data.py PROPOSALS_TOML PROPOSALS_ROOT

Each proposal gets a small Eiger-like stack (bitshuffle-LZ4, with detector gaps and a
pixel mask) and a 1D spectrum with errors, owned by root and readable by the proposal's
group only, as an acquisition system would leave them.
"""

from __future__ import annotations

import os
import shutil
import sys
import tomllib
from pathlib import Path

from panhub_nexus.synthetic import write_eiger_stack, write_spectrum


def main(toml: str, root: str) -> int:
    with open(toml, "rb") as f:
        proposals = tomllib.load(f).get("proposals", {})
    for index, pid in enumerate(sorted(proposals)):
        raw = Path(root) / pid / "raw"
        group = raw.stat().st_gid
        files = {
            raw / f"{pid}_scan0001_eiger.nxs": lambda p, i=index: write_eiger_stack(
                p, shape=(1065, 1030), n_frames=20, module=(514, 1030), seed=i
            ),
            raw / f"{pid}_scan0002_saxs.nxs": lambda p: write_spectrum(p, n_points=2000),
        }
        for path, write in files.items():
            if path.exists():
                continue
            partial = path.with_suffix(".partial")
            write(partial)
            os.chown(partial, 0, group)
            os.chmod(partial, 0o640)
            shutil.move(partial, path)
            print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
