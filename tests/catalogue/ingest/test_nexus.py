"""ingest.nexus: which entry stands for a file, in silx view's order; files being written."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import h5py
import pytest
from panhub_catalogue.ingest.nexus import (
    NexusError,
    natural_key,
    order_entries,
    read_nexus,
    read_nexus_file,
)


def add_entry(f: h5py.File, name: str, title: str | None = None, **fields: str) -> h5py.Group:
    entry = f.create_group(name)
    entry.attrs["NX_class"] = "NXentry"
    if title is not None:
        entry["title"] = title
    for key, value in fields.items():
        entry[key] = value
    return entry


def test_natural_order_is_silx_views() -> None:
    names = ["scan10", "Scan2", "scan1", "scan_b", "scan_A"]
    assert sorted(names, key=natural_key) == ["scan1", "Scan2", "scan10", "scan_A", "scan_b"]


@pytest.mark.parametrize(
    ("entries", "expected"),
    [
        # by start_time when both have one, whatever the names
        ([("b", "2024-01-02", None), ("a", "2024-01-03", None)], ["b", "a"]),
        # equal times keep the file's order (silx's sort is stable)
        ([("b", "2024-01-02", None), ("a", "2024-01-02", None)], ["b", "a"]),
        # end_time when a start_time is missing
        ([("b", None, "2024-01-05"), ("a", "2024-01-03", "2024-01-04")], ["a", "b"]),
        # names otherwise, numbers as numbers
        ([("scan10", None, None), ("scan9", None, None)], ["scan9", "scan10"]),
    ],
)
def test_order_entries(
    entries: list[tuple[str, str | None, str | None]], expected: list[str]
) -> None:
    assert order_entries(entries) == expected


def test_the_root_default_names_the_main_entry(tmp_path: Path) -> None:
    path = tmp_path / "multi.nxs"
    with h5py.File(path, "w") as f:
        f.attrs["default"] = "entry_2"
        for n in (1, 2, 3):
            add_entry(f, f"entry_{n}", f"title {n}", start_time=f"2024-01-0{n}T00:00:00")
    found = read_nexus_file(path)
    assert found.main is not None
    assert (found.main.name, found.main.title) == ("entry_2", "title 2")
    assert found.main.start_time == datetime(2024, 1, 2)
    assert found.default == "entry_2"
    assert found.entries[0] == "entry_2"
    assert sorted(found.entries) == ["entry_1", "entry_2", "entry_3"]


def test_without_a_root_default_silx_views_first_entry_is_main(tmp_path: Path) -> None:
    path = tmp_path / "multi.nxs"
    with h5py.File(path, "w") as f:
        f.attrs["default"] = "no_such_entry"
        add_entry(f, "a_late", "late", start_time="2024-01-03T00:00:00")
        add_entry(f, "b_early", "early", start_time="2024-01-01T00:00:00")
    found = read_nexus_file(path)
    assert found.main is not None
    assert found.main.title == "early"
    assert found.default is None
    assert found.notes == ("the root's @default names 'no_such_entry', which is no NXentry",)
    assert [e.name for e in read_nexus(path)] == ["b_early", "a_late"]


def test_an_empty_main_entry_gives_way_to_the_next(tmp_path: Path) -> None:
    path = tmp_path / "multi.nxs"
    with h5py.File(path, "w") as f:
        f.attrs["default"] = "empty"
        add_entry(f, "empty")
        add_entry(f, "scan2", "second")
        add_entry(f, "scan10", "tenth")
    found = read_nexus_file(path)
    assert found.main is not None
    assert found.main.name == "scan2"  # silx's order: scan2 before scan10
    assert found.notes == ("NXentry 'empty' holds nothing to catalogue: 'scan2' does",)


def test_entries_with_nothing_usable(tmp_path: Path) -> None:
    path = tmp_path / "hollow.nxs"
    with h5py.File(path, "w") as f:
        add_entry(f, "entry").create_group("data").attrs["NX_class"] = "NXdata"
    found = read_nexus_file(path)
    assert found.main is not None
    assert not found.main.is_usable
    with h5py.File(path, "a") as f:
        f["entry/data/data"] = [1, 2, 3]  # some data, no metadata: usable
    found = read_nexus_file(path)
    assert found.main is not None
    assert found.main.is_usable


def test_a_plain_hdf5_file_has_no_entry(tmp_path: Path) -> None:
    path = tmp_path / "plain.h5"
    with h5py.File(path, "w") as f:
        f["data"] = [1.0, 2.0]
    assert read_nexus_file(path).main is None


def test_the_techniques_a_file_states(tmp_path: Path) -> None:
    """ESRF's BLISS: an NXnote ``techniques`` with ``names`` and ``iris``."""
    path = tmp_path / "bliss.h5"
    with h5py.File(path, "w") as f:
        entry = add_entry(f, "1.1", "ascan energy")
        note = entry.create_group("techniques")
        note.attrs["NX_class"] = "NXnote"
        note["names"] = ["x-ray absorption spectroscopy", "x-ray fluorescence"]
        note["iris"] = ["http://purl.org/pan-science/PaNET/PaNET01196", "urn:x"]
        one = add_entry(f, "2.1", "ct")
        one.create_group("techniques")["iris"] = "urn:only-an-iri"
    first, second = read_nexus(path)
    assert first.techniques == (
        ("x-ray absorption spectroscopy", "http://purl.org/pan-science/PaNET/PaNET01196"),
        ("x-ray fluorescence", "urn:x"),
    )
    assert second.techniques == ((None, "urn:only-an-iri"),)


WRITER = """
import sys, h5py
f = h5py.File(sys.argv[1], "w", libver="latest")
entry = f.create_group("entry")
entry.attrs["NX_class"] = "NXentry"
entry["title"] = "frames coming"
entry.create_dataset("data", shape=(0, 4), maxshape=(None, 4), dtype="f4")
if sys.argv[2] == "swmr":
    f.swmr_mode = True
f.flush()
print("ready", flush=True)
sys.stdin.read()
f.close()
"""


@pytest.mark.parametrize("mode", ["swmr", "plain"])
def test_a_file_a_writer_holds_open(tmp_path: Path, mode: str) -> None:
    """An SWMR writer's file is read as an SWMR reader; without SWMR, HDF5 refuses."""
    path = tmp_path / "live.nxs"
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path), mode],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    try:
        assert writer.stdout is not None
        assert writer.stdout.readline() == b"ready\n"
        if mode == "swmr":
            found = read_nexus_file(path)
            assert found.main is not None
            assert found.main.title == "frames coming"
        else:
            with pytest.raises(NexusError, match=r"being written .* not in SWMR mode"):
                read_nexus_file(path)
    finally:
        writer.communicate(timeout=30)


def test_hundreds_of_entries_are_read_fast(tmp_path: Path) -> None:
    path = tmp_path / "scans.nxs"
    with h5py.File(path, "w") as f:
        for n in range(1, 501):
            entry = add_entry(f, f"scan_{n:04d}", f"scan {n}", start_time="2024-01-01T00:00:00")
            data = entry.create_group("data")
            data.attrs["NX_class"] = "NXdata"
            data["counts"] = [n, n]
    start = time.perf_counter()
    found = read_nexus_file(path)
    elapsed = time.perf_counter() - start
    assert found.main is not None
    assert found.main.title == "scan 1"  # equal start times: silx keeps the file's order
    assert len(found.entries) == 500
    assert elapsed < 2.0, f"{elapsed:.2f} s for 500 entries without a root @default"
