"""Virtual datasets whose source files are missing: named, never shown as fill values."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
from panhub_nexus.core.links import describe_missing_sources
from panhub_nexus.core.locate import find_plot


def write_master(folder: Path, *, through_link: bool) -> Path:
    """A master file mapping 2 frames from ``frames_000001.h5`` (written, then removed)."""
    frames = folder / "frames_000001.h5"
    with h5py.File(frames, "w") as f:
        f["data"] = np.ones((2, 4, 4), dtype=np.uint16)
    master = folder / "master.h5"
    layout = h5py.VirtualLayout(shape=(2, 4, 4), dtype=np.uint16)
    with h5py.File(master, "w") as f:
        f.attrs["default"] = "entry"
        entry = f.create_group("entry")
        entry.attrs.update(NX_class="NXentry", default="data")
        data = entry.create_group("data")
        data.attrs.update(NX_class="NXdata", signal="data")
        if through_link:  # as DLS and nexgen write: the VDS maps a link in the master
            data["data_000001"] = h5py.ExternalLink(frames.name, "data")
            layout[:] = h5py.VirtualSource(".", "/entry/data/data_000001", shape=(2, 4, 4))
        else:
            layout[:] = h5py.VirtualSource(frames.name, "data", shape=(2, 4, 4))
        data.create_virtual_dataset("data", layout, fillvalue=0)
    frames.unlink()
    return master


def test_a_missing_source_file_is_named(tmp_path: Path) -> None:
    for through_link in (False, True):
        folder = tmp_path / str(through_link)
        folder.mkdir()
        master = write_master(folder, through_link=through_link)
        with h5py.File(master, "r") as f:
            problem = describe_missing_sources(f["entry/data/data"])
            assert "frames_000001.h5" in problem and "missing" in problem, problem
            for path in ("/", "/entry/data/data"):
                spec = find_plot(f, path)
                assert spec.kind == "none" and "frames_000001.h5" in spec.note, spec


def test_a_virtual_dataset_with_its_sources_is_plotted(tmp_path: Path) -> None:
    master = write_master(tmp_path, through_link=False)
    with h5py.File(tmp_path / "frames_000001.h5", "w") as f:
        f["data"] = np.ones((2, 4, 4), dtype=np.uint16)
    with h5py.File(master, "r") as f:
        assert describe_missing_sources(f["entry/data/data"]) == ""
        assert find_plot(f, "/").kind == "image"
