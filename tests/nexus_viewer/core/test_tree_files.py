from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest
from panhub_nexus import synthetic
from panhub_nexus.core.files import ViewerError, open_file
from panhub_nexus.core.frames import FrameReader
from panhub_nexus.core.tree import UNKNOWN, get_attributes, get_child_names, list_children


def test_first_level_describes_children(stack: synthetic.StackInfo) -> None:
    with open_file(stack.path) as f:
        rows, total = list_children(f, "/entry")
        # NXmx: definition, times, instrument, sample, source, title and the plot
        assert total == 8
        by_name = {r["name"]: r for r in rows}
        assert by_name["data"]["nx_class"] == "NXdata"
        assert by_name["data"]["kind"] == "group"
        assert by_name["title"]["dtype"] == "string"
        rows, total = list_children(f, "/entry/data", offset=1, limit=2)
        assert total == UNKNOWN  # more children follow: not counted
        assert [r["name"] for r in rows] == ["omega", "x"]
        assert rows[0]["shape"] == [6]
        assert rows[0]["dtype"] == "float64"
        rows, total = list_children(f, "/entry/data", offset=2, limit=2)
        assert (total, [r["name"] for r in rows]) == (4, ["x", "y"])  # the last page


@pytest.mark.parametrize("track_order", [False, True])
def test_pages_of_children_follow_h5py_order(tmp_path: Path, track_order: bool) -> None:
    names = [f"n{(i * 37) % 101:03d}" for i in range(101)]  # not created in name order
    with h5py.File(tmp_path / "wide.h5", "w", track_order=track_order) as f:
        for name in names:  # dense link storage (more than 8 links)
            f.create_group(name)
    with open_file(tmp_path / "wide.h5") as f:
        expected = list(f.keys())
        assert expected == (names if track_order else sorted(names))
        root = f["/"]
        pages = [get_child_names(root, offset, 40) for offset in (0, 40, 80, 120)]
        assert [total for _, total in pages] == [UNKNOWN, UNKNOWN, 101, 101]
        assert [name for page, _ in pages for name in page] == expected
        assert get_child_names(root, 0, 0) == ([], UNKNOWN)
        assert get_child_names(root, 61, 40) == (expected[61:], 101)  # exactly the rest
        rows, total = list_children(f, "/", offset=95)
        assert (total, [r["name"] for r in rows]) == (101, expected[95:])
        assert {r["kind"] for r in rows} == {"group"}


def test_broken_and_external_links(tmp_path: Path) -> None:
    with h5py.File(tmp_path / "other.h5", "w") as f:
        f["v"] = np.arange(3)
    with h5py.File(tmp_path / "links.h5", "w") as f:
        f["soft_ok"] = h5py.SoftLink("/target")
        f["target"] = 1.0
        f["soft_broken"] = h5py.SoftLink("/nowhere")
        f["ext_ok"] = h5py.ExternalLink("other.h5", "/v")
        f["ext_missing"] = h5py.ExternalLink("absent.h5", "/v")
    with open_file(tmp_path / "links.h5") as f:
        rows = {r["name"]: r for r in list_children(f)[0]}
    assert rows["soft_ok"]["kind"] == "dataset"
    assert rows["soft_ok"]["link"] == "soft"
    assert rows["soft_broken"]["kind"] == "broken"
    assert rows["soft_broken"]["target"] == "/nowhere"
    assert rows["ext_ok"]["kind"] == "dataset"
    assert rows["ext_ok"]["shape"] == [3]
    assert rows["ext_missing"]["kind"] == "external-missing"
    assert rows["ext_missing"]["target"] == "absent.h5::/v"


def test_attributes_are_short_texts(stack: synthetic.StackInfo) -> None:
    with open_file(stack.path) as f:
        attrs = get_attributes(f["/entry/data"])
    assert attrs["axes"] == "omega, y, x"
    assert attrs["NX_class"] == "NXdata"


def test_missing_file_not_hdf5_and_truncated(tmp_path: Path, stack: synthetic.StackInfo) -> None:
    with pytest.raises(ViewerError, match="no such file"):
        open_file(tmp_path / "absent.nxs")
    (tmp_path / "text.nxs").write_text("hello")
    with pytest.raises(ViewerError, match="not an HDF5 file"):
        open_file(tmp_path / "text.nxs")
    data = Path(stack.path).read_bytes()
    (tmp_path / "cut.nxs").write_bytes(data[: len(data) // 3])
    with pytest.raises(ViewerError, match=r"cut\.nxs"), open_file(tmp_path / "cut.nxs") as f:
        FrameReader(f["/entry/data/data"]).read(5)


def test_missing_compression_plugin_is_named(tmp_path: Path) -> None:
    with h5py.File(tmp_path / "vbz.h5", "w") as f:
        d = f.create_dataset(
            "d", shape=(1, 4, 4), dtype=np.uint16, chunks=(1, 4, 4), compression=32020,
            allow_unknown_filter=True,
        )  # fmt: skip
        d.id.write_direct_chunk((0, 0, 0), b"not really VBZ")
    expected = r"plugin not available: VBZ \(filter id 32020\)"
    with open_file(tmp_path / "vbz.h5") as f, pytest.raises(ViewerError, match=expected):
        FrameReader(f["d"]).read(0)


WRITER = """
import sys, time, h5py, numpy as np
with h5py.File(sys.argv[1], "w", libver="latest") as f:
    d = f.create_dataset("d", data=np.zeros((2, 3, 3)), maxshape=(None, 3, 3), chunks=(1, 3, 3))
    f.swmr_mode = True
    f.flush()
    print("ready", flush=True)
    sys.stdin.readline()
"""


def test_open_is_not_locked_while_a_writer_holds_the_file(tmp_path: Path) -> None:
    path = tmp_path / "live.h5"
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        assert writer.stdout is not None
        assert writer.stdout.readline() == "ready\n"
        with open_file(path) as f:
            assert f["d"].shape == (2, 3, 3)
    finally:
        writer.communicate("done\n", timeout=30)
    assert writer.returncode == 0
