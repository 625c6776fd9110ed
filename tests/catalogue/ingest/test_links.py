"""ingest.links: notes on links that lead nowhere, told without following any."""

from __future__ import annotations

from pathlib import Path

import h5py
from panhub_catalogue.ingest.links import find_link_notes, find_soft_target
from panhub_catalogue.ingest.nexus import read_nexus_file


def write_links(path: Path, other: Path) -> None:
    with h5py.File(other, "w") as f:
        f["entry/data"] = [1, 2, 3]
    with h5py.File(path, "w") as f:
        entry = f.create_group("entry")
        entry.attrs["NX_class"] = "NXentry"
        entry["title"] = "links"
        entry["here"] = [1.0]
        data = entry.create_group("data")
        data["found"] = h5py.ExternalLink(other.name, "/entry/data")
        data["gone"] = h5py.ExternalLink("frames_000002.h5", "/entry/data")
        data["soft"] = h5py.SoftLink("/entry/here")
        data["relative"] = h5py.SoftLink("../here")  # HDF5 has no "..": missing
        data["dangling"] = h5py.SoftLink("/entry/instrument/detector/data")
        data["through"] = h5py.SoftLink("/entry/data/found/more")
        data["loop_a"] = h5py.SoftLink("/entry/data/loop_b")
        data["loop_b"] = h5py.SoftLink("/entry/data/loop_a")


def test_missing_targets_are_noted(tmp_path: Path) -> None:
    path = tmp_path / "proposal" / "raw" / "scan.nxs"
    path.parent.mkdir(parents=True)
    write_links(path, path.with_name("frames_000001.h5"))
    found = read_nexus_file(path, proposal=str(tmp_path / "proposal"))
    assert found.notes == (
        "/entry/data/dangling: soft link to /entry/instrument/detector/data, which is missing",
        "/entry/data/gone: external link to frames_000002.h5:/entry/data: the file is missing",
        "/entry/data/loop_a: soft link to /entry/data/loop_b, which is missing",
        "/entry/data/loop_b: soft link to /entry/data/loop_a, which is missing",
        "/entry/data/relative: soft link to ../here, which is missing",
    )
    assert found.main is not None
    assert found.main.title == "links"


def test_the_existence_of_files_outside_the_proposal_is_not_told(tmp_path: Path) -> None:
    """A user's link into another proposal learns nothing of what is there."""
    secret = tmp_path / "other-proposal" / "raw" / "secret.h5"
    secret.parent.mkdir(parents=True)
    secret.write_bytes(b"")
    mine = tmp_path / "mine" / "processed" / "probe.nxs"
    mine.parent.mkdir(parents=True)
    (mine.parent / "sneaky").symlink_to(secret.parent)  # a folder link leading out
    with h5py.File(mine, "w") as f:
        f["exists"] = h5py.ExternalLink(str(secret), "/x")
        f["missing"] = h5py.ExternalLink(str(secret.with_name("none.h5")), "/x")
        f["through_link"] = h5py.ExternalLink("sneaky/secret.h5", "/x")
        f["absent_through_link"] = h5py.ExternalLink("sneaky/none.h5", "/x")
    with h5py.File(mine, "r") as f:
        notes = find_link_notes(f, str(mine.parent), str(tmp_path / "mine"))
    assert [note.split(": ", 1)[0] for note in notes] == [
        "/absent_through_link",
        "/exists",
        "/missing",
        "/through_link",
    ]
    assert all(note.endswith("leaves the proposal: not followed") for note in notes)


def test_soft_targets_are_looked_up_without_leaving_the_file(tmp_path: Path) -> None:
    path = tmp_path / "scan.nxs"
    write_links(path, tmp_path / "frames_000001.h5")
    with h5py.File(path, "r") as f:
        data = f["entry/data"]
        assert find_soft_target(data, "/entry/here") == "found"
        assert find_soft_target(data, "soft") == "found"  # relative to the group
        assert find_soft_target(data, "/entry/data/found/more") == "external"
        assert find_soft_target(data, "/entry/data/gone") == "external"
        assert find_soft_target(data, "/entry/nothing") == "missing"
        assert find_soft_target(data, "/entry/here/below") == "missing"  # a dataset's child
        assert find_soft_target(data, "/entry/data/loop_a") == "missing"


def test_the_walk_stops_at_its_budget(tmp_path: Path) -> None:
    path = tmp_path / "many.h5"
    with h5py.File(path, "w") as f:
        for n in range(30):
            f[f"d{n:02d}"] = h5py.SoftLink(f"/nowhere{n}")
    with h5py.File(path, "r") as f:
        notes = find_link_notes(f, str(tmp_path), None, budget=10)
    assert len(notes) == 11
    assert notes[-1] == "links beyond the first 10 not checked"
