"""Files as other software writes them, for the viewer's tests and benchmark.

These imitate what users bring from elsewhere (a beamline control system's master
file with hundreds of scan entries and no application definition; plain HDF5 with no
NeXus attributes at all), so they deliberately declare no application definition:
they are not files panhub writes for users (so they live with the tests, not in
``panhub_nexus.synthetic``, whose every generator writes valid NeXus).
"""

from __future__ import annotations

import os

import h5py
import numpy as np
from panhub_nexus import nxwrite


def write_wide_tree(
    path: str | os.PathLike[str], *, n_entries: int = 300, n_counters: int = 30
) -> int:
    """Write a beamline master-file-like tree with many small scan entries.

    Each entry holds ``n_counters`` counters, a positioner group and an NXdata.

    Returns
    -------
    int
        Number of distinct objects (groups and datasets) in the file; the NXdata
        members are hard links to counters and are counted once.
    """
    rng = np.random.default_rng(3)
    with h5py.File(os.fspath(path), "w") as f:
        nxwrite.set_attrs(f, NX_class="NXroot", default="1.1")
        for s in range(n_entries):
            entry = nxwrite.group(f, f"{s + 1}.1", "NXentry", default="plotselect")
            entry["title"] = f"ascan samy 0 1 100 0.1 (scan {s + 1})"
            meas = nxwrite.group(entry, "measurement", "NXcollection")
            for c in range(n_counters):
                meas[f"counter_{c:02d}"] = rng.random(16)
            plot = nxwrite.group(
                entry, "plotselect", "NXdata", signal="counter_00", axes="counter_01"
            )
            plot["counter_00"] = meas["counter_00"]
            plot["counter_01"] = meas["counter_01"]
        names: list[str] = []
        f.visit(names.append)
    return len(names)


def write_plain_hdf5(path: str | os.PathLike[str]) -> None:
    """Write an HDF5 file with no NeXus attributes: an image, a curve and text."""
    with h5py.File(os.fspath(path), "w") as f:
        f["images/frame"] = np.arange(12 * 10, dtype=np.float32).reshape(12, 10)
        f["curves/y"] = np.linspace(0.0, 1.0, 50)
        f["notes"] = "plain HDF5, no NeXus"
        f["scalar"] = 3.5
