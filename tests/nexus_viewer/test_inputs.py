"""A template's input checks: each bad input stops with what to change."""

from __future__ import annotations

from pathlib import Path

import h5py
import pytest
from panhub_nexus import inputs, nxwrite


def write(path: Path, definitions: list[str], distance_units: str = "mm") -> Path:
    with h5py.File(path, "w") as f:
        nxwrite.root(f, creator="test")
        for i, definition in enumerate(definitions):
            entry = nxwrite.group(f, f"entry{i + 1}", "NXentry")
            nxwrite.field(entry, "definition", definition)
            detector = nxwrite.group(entry, "detector", "NXdetector")
            nxwrite.field(detector, "distance", 2500.0, units=distance_units)
            nxwrite.field(detector, "count", 3)
    return path


def test_the_entry_of_the_definition_is_found(tmp_path: Path) -> None:
    f, entry = inputs.open_input(write(tmp_path / "a.nxs", ["NXmx", "NXsas"]), ("NXsas",))
    with f:
        assert entry.name == "/entry2"
        assert inputs.require(entry, "detector/distance", "mm") == 2500.0
        assert inputs.require(entry, "detector/distance", "m") == pytest.approx(2.5)
        assert inputs.require(entry, "detector/count") == 3


@pytest.mark.parametrize(
    ("definitions", "entry", "message"),
    [
        (["NXmx"], "", "is NXmx, not NXsas: NXmx is read by the MX or powder diffraction template"),
        ([""], "", "names no application definition: this template reads NXsas"),
        (["NXsas", "NXsas"], "", r"several NXsas entries \['entry1', 'entry2'\]: set `entry`"),
        (["NXsas"], "entry9", "has no NXentry named 'entry9'"),
    ],
)
def test_wrong_files_say_what_to_change(
    tmp_path: Path, definitions: list[str], entry: str, message: str
) -> None:
    with pytest.raises(inputs.InputError, match=message):
        inputs.open_input(write(tmp_path / "a.nxs", definitions), ("NXsas",), entry=entry)


def test_missing_broken_and_empty_paths(tmp_path: Path) -> None:
    with pytest.raises(inputs.InputError, match="no input file: set `raw_file`"):
        inputs.open_input("", ("NXsas",))
    with pytest.raises(inputs.InputError, match=r"gone\.nxs: no such file"):
        inputs.open_input(tmp_path / "gone.nxs", ("NXsas",))
    (tmp_path / "text.nxs").write_text("hello")
    with pytest.raises(inputs.InputError, match=r"text\.nxs is not an HDF5 file"):
        inputs.open_input(tmp_path / "text.nxs", ("NXsas",))


def test_missing_fields_and_units(tmp_path: Path) -> None:
    f, entry = inputs.open_input(write(tmp_path / "a.nxs", ["NXsas"], "furlong"), ("NXsas",))
    with f:
        with pytest.raises(inputs.InputError, match=r"a.nxs:/entry1/detector/x is missing \(the"):
            inputs.require(entry, "detector/x", "mm", what="the pixel size")
        with pytest.raises(inputs.InputError, match="detector/count has no units"):
            inputs.require(entry, "detector/count", "counts")
        with pytest.raises(inputs.InputError, match="in 'furlong', which is not convertible to eV"):
            inputs.require(entry, "detector/distance", "eV")


def test_the_message_replaces_the_traceback() -> None:
    error = inputs.InputError("x.nxs is NXmx, not NXsas")
    assert error._render_traceback_() == ["\x1b[31mInputError\x1b[0m: x.nxs is NXmx, not NXsas"]
