"""Where results go, names that never overwrite, and the provenance they record."""

from __future__ import annotations

import hashlib
import json
import threading
from pathlib import Path

import h5py
import numpy as np
import pytest
from panhub_nexus import nxwrite, results

from tests.support.nexus import find_nexus_problems


def test_processed_folder_mirrors_raw() -> None:
    assert results.processed_folder("/data/p1/raw/saxs/a.nxs") == Path("/data/p1/processed/saxs")
    assert results.processed_folder("/data/p1/raw/a.nxs") == Path("/data/p1/processed")
    # the last raw/ counts (a proposal named raw is still a proposal)
    assert results.processed_folder("/data/raw/raw/b/a.h5") == Path("/data/raw/processed/b")
    with pytest.raises(results.ResultError, match="not in a proposal's raw/ folder"):
        results.processed_folder("/home/alice/a.nxs")


def test_new_result_paths_never_overwrite(tmp_path: Path) -> None:
    first = results.new_result_path(tmp_path / "out", "saxs")
    first.write_bytes(b"earlier result")
    second = results.new_result_path(tmp_path / "out", "saxs")
    assert (first.name, second.name) == ("saxs.nxs", "saxs-2.nxs")
    assert first.read_bytes() == b"earlier result"
    for bad in ("", "../x", ".hidden"):
        with pytest.raises(results.ResultError, match="not a file name"):
            results.new_result_path(tmp_path, bad)


def test_concurrent_runs_get_distinct_names(tmp_path: Path) -> None:
    got: list[Path] = []
    threads = [
        threading.Thread(target=lambda: got.append(results.new_result_path(tmp_path, "r")))
        for _ in range(8)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(got)) == 8


def test_a_folder_that_cannot_be_made_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("not a folder")
    with pytest.raises(results.ResultError, match=r"cannot create .*file/out: Not a directory"):
        results.new_result_path(tmp_path / "file" / "out", "r")


def write_result(path: Path, source: Path) -> None:
    with h5py.File(path, "w") as f:
        nxwrite.root(f, creator="test")
        entry = nxwrite.group(f, "entry", "NXentry", default="data")
        nxwrite.field(entry, "definition", "NXxbase")
        data = nxwrite.data(entry, "data", signal="intensity", axes=["q"])
        nxwrite.field(data, "intensity", np.arange(5.0), units="counts")
        nxwrite.field(data, "q", np.linspace(0.1, 0.5, 5), units="1/angstrom")
        results.write_provenance(
            entry,
            program="h5py",
            template="test/01-write-result",
            parameters={"path": source, "bins": 5},
            inputs=[source],
            libraries=["numpy", "no-such-library"],
        )


def test_provenance_records_how_a_result_was_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(results.KERNEL_ENV, "saxs-2026.12")
    source = tmp_path / "raw.nxs"
    source.write_bytes(b"raw data")
    out = tmp_path / "result.nxs"
    write_result(out, source)
    with h5py.File(out, "r") as f:
        process = f["entry/process"]
        assert process.attrs["NX_class"] == "NXprocess"
        assert process["program"][()].decode() == "h5py"
        assert process["version"][()].decode() == h5py.__version__
        assert process["kernel/data"][()].decode() == "saxs-2026.12"
        assert process["template/data"][()].decode() == "test/01-write-result"
        assert json.loads(process["parameters/template_parameters"][()]) == {
            "path": str(source),
            "bins": 5,
        }
        libraries = json.loads(process["libraries/data"][()])
        assert libraries == {"numpy": np.__version__, "no-such-library": "not installed"}
        assert process["input_1/file_name"][()].decode() == str(source)
        assert results.sha256(source) == hashlib.sha256(b"raw data").hexdigest()
        assert process["input_1/checksum"][()].decode() == results.sha256(source)
        assert process["input_1/algorithm"][()].decode() == "SHA-256"
        assert f.attrs["file_name"] == "result.nxs"


def test_kernel_defaults_to_unknown(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(results.KERNEL_ENV, raising=False)
    source = tmp_path / "raw.nxs"
    source.write_bytes(b"x")
    write_result(tmp_path / "r.nxs", source)
    with h5py.File(tmp_path / "r.nxs", "r") as f:
        assert f["entry/process/kernel/data"][()].decode() == "unknown"


def test_links_record_their_target(tmp_path: Path) -> None:
    with h5py.File(tmp_path / "l.nxs", "w") as f:
        detector = nxwrite.group(f, "detector", "NXdetector")
        counts = nxwrite.field(detector, "data", np.ones(3), units="counts")
        plot = nxwrite.data(f, "plot", signal="data")
        nxwrite.link(plot, "data", counts)
        assert f["plot/data"].attrs["target"] == "/detector/data"
        with (
            h5py.File(tmp_path / "other.nxs", "w") as g,
            pytest.raises(ValueError, match="in another file"),
        ):
            nxwrite.link(g, "data", counts)


def test_an_invalid_file_is_reported(tmp_path: Path) -> None:
    with h5py.File(tmp_path / "bad.nxs", "w") as f:
        nxwrite.root(f, creator="test")
        entry = nxwrite.group(f, "entry", "NXentry", default="nothing")
        nxwrite.field(entry, "definition", "NXsas")
    problems = find_nexus_problems(tmp_path / "bad.nxs")
    assert any("NXsas" in p and "errors" in p for p in problems), problems
    assert any("@default does not lead" in p for p in problems), problems
