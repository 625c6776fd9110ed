"""Axis rules and link messages on their own (the corpus tests them through the viewer)."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import pytest
from panhub_nexus.core.axes import assign_axes, find_grid_dim, read_axis_values
from panhub_nexus.core.links import describe_broken
from panhub_nexus.core.text import get_indices, get_names, make_label


@pytest.mark.parametrize(
    ("value", "dims"),
    [(0, [0]), (np.int32(2), [2]), (np.array([0, 1]), [0, 1]), ("[0,1]", [0, 1]),
     (b"1", [1]), ("Q", [])],
)  # fmt: skip
def test_indices_as_writers_store_them(value: object, dims: list[int]) -> None:
    assert get_indices(value) == dims


def test_names_labels_and_grids(tmp_path: Path) -> None:
    with h5py.File(tmp_path / "a.h5", "w") as f:
        f.attrs["axes"] = np.array(["Q,Q"], dtype=h5py.string_dtype())  # Igor Pro
        f.attrs["old"] = "y:x"
        d = f.create_dataset("q", data=np.arange(4.0))
        d.attrs.update({"long_name": "Q (1/nm)", "units": "1/nm"})
        qy, qx = np.meshgrid(np.arange(3.0), np.arange(4.0) * 2, indexing="ij")
        f["qx"], f["qy"], f["both"] = qx, qy, qx + qy
        assert get_names(f, "axes", ",") == ["Q", "Q"]
        assert get_names(f, "old", ":,") == ["y", "x"]
        assert get_names(f, "missing") is None
        assert make_label(d, "q") == "Q (1/nm)"  # units not repeated
        assert find_grid_dim(f["qx"], (5, 3, 4)) == 2  # trailing dims of a stack
        assert find_grid_dim(f["qy"], (3, 4)) == 0
        assert find_grid_dim(f["both"], (3, 4)) is None
        assert find_grid_dim(f["qx"], (4, 3)) is None  # not the signal's shape
        np.testing.assert_array_equal(read_axis_values(f["qx"], 4), [0, 2, 4, 6])
        assert read_axis_values(f["both"], 4) is not None  # only one line has 4 values
        assert read_axis_values(f["q"], 7) is None


def test_axes_placed_by_length_and_edges(tmp_path: Path) -> None:
    with h5py.File(tmp_path / "a.h5", "w") as f:
        g = f.create_group("data")
        g["s"] = np.zeros((3, 5))
        g["a"], g["b"] = np.arange(5.0), np.arange(4.0)  # listed for dims 0, 1
        g.attrs["axes"] = ["a", "b"]
        axes, notes = assign_axes(g, g["s"], "s")
    assert [a.path if a else "" for a in axes] == ["/data/b", "/data/a"]
    assert [a.kind if a else "" for a in axes] == ["edges", "values"]  # b: 4 edges, 3 bins
    assert notes == ["axis 'a' (5 values) put on dim 1, the one it fits",
                     "axis 'b' (4 values) put on dim 0, the one it fits"]  # fmt: skip


def test_an_axis_that_fits_no_dim_is_not_used(tmp_path: Path) -> None:
    with h5py.File(tmp_path / "a.h5", "w") as f:
        g = f.create_group("data")
        g["s"], g["t"] = np.zeros((3, 5)), np.arange(9.0)
        g.attrs["axes"] = [".", "t"]
        axes, notes = assign_axes(g, g["s"], "s")
    assert axes == [None, None]
    assert notes == ["axis 't' has 9 values for dims (3, 5): not used"]


def test_external_link_messages_name_the_file_or_the_path(tmp_path: Path) -> None:
    with h5py.File(tmp_path / "data.h5", "w") as f:
        f["frames"] = np.zeros(3)
    with h5py.File(tmp_path / "master.h5", "w") as f:
        f["gone"] = h5py.ExternalLink("absent.h5", "/frames")
        f["wrong"] = h5py.ExternalLink("data.h5", "/nothing")
        f["good"] = h5py.ExternalLink("data.h5", "/frames")
        f["soft"] = h5py.SoftLink("/nowhere")
    with h5py.File(tmp_path / "master.h5", "r") as f:
        assert describe_broken(f, "good") == ""
        assert describe_broken(f, "gone") == (
            f"/gone is an external link to absent.h5::/frames, and absent.h5 is missing "
            f"(not found in {tmp_path})"
        )
        assert describe_broken(f, "wrong") == (
            "/wrong is an external link to data.h5::/nothing, a path not in that file"
        )
        assert (
            describe_broken(f, "soft") == "/soft is a soft link to /nowhere, which does not exist"
        )
