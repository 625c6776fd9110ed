"""ingest.writer through Indexer.index: a file's rows are all written or none; what the
path, the beamline and the file say; notes; odd names; files of hundreds of entries."""

from __future__ import annotations

import shutil
import time
from datetime import datetime
from pathlib import Path

import h5py
import pytest
from panhub_catalogue.demo import ScanSpec, write_scan
from panhub_catalogue.ingest.indexer import Indexer
from panhub_catalogue.ingest.members import apply_directory, parse_directory
from panhub_catalogue.ingest.writer import NOTE_PARAMETER, IndexRun
from panhub_catalogue.model import (
    Base,
    Datafile,
    DatafileParameter,
    Dataset,
    DatasetParameter,
    DatasetTechnique,
    Investigation,
    ParameterType,
    Sample,
    Technique,
)
from panhub_nexus.synthetic import mx, powder, saxs, tomo, xas
from panhub_nexus.synthetic._detector import Geometry
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.support.nexus_cases import get_case

START = datetime(2024, 2, 29, 8, 30)
PANET = "http://purl.org/pan-science/PaNET/"


def count_rows(sessions: sessionmaker[Session]) -> dict[str, int]:
    with sessions() as session:
        return {
            table.name: session.scalar(select(func.count()).select_from(table)) or 0
            for table in Base.metadata.sorted_tables
        }


def good_scan(root: Path, proposal: str, name: str = "scan.nxs", **changes: object) -> Path:
    spec = ScanSpec(title="Battery cathode", start=START, sample="LiNiO2")
    spec = ScanSpec(**{**spec.__dict__, **changes})
    return write_scan(root / proposal / "raw" / "cathode" / name, spec)


def make_case(folder: Path, name: str) -> Path:
    """The corpus case ``name``'s file, written in ``folder`` (created)."""
    folder.mkdir(parents=True)
    return get_case(name).make(folder)


def write_hollow(path: Path) -> None:
    """An NXentry with nothing usable: groups, no metadata, no data (a writer's first flush)."""
    with h5py.File(path, "w") as f:
        entry = f.create_group("entry")
        entry.attrs["NX_class"] = "NXentry"
        entry.create_group("instrument").attrs["NX_class"] = "NXinstrument"
        entry.create_group("data").attrs["NX_class"] = "NXdata"


BAD = {
    "not_hdf5": "file signature not found",
    "truncated": "truncated file",
    "corrupt_header": "file signature not found",
    "being_written": "being written (open for writing, not in SWMR mode)",
    "hollow": "nothing to catalogue: NXentry 'entry' holds no title",
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_a_file_that_cannot_be_indexed_leaves_no_row(
    sqlite_sessions: sessionmaker[Session], tmp_path: Path, name: str
) -> None:
    """Reported with its path and reason; no investigation, dataset or datafile for it,
    in a new proposal or in one that has files; the run goes on with the next file.

    (Nothing is written for these files: SQLite only. The rollback of rows written is
    tested on both backends below.)
    """
    sessions = sqlite_sessions
    good_scan(tmp_path, "P1")
    indexer = Indexer(root=str(tmp_path))
    indexer.index(sessions, [tmp_path])
    before = count_rows(sessions)
    bad = []
    for proposal in ("P1", "P2"):
        path = tmp_path / proposal / "raw" / "bad" / f"{name}.nxs"
        path.parent.mkdir(parents=True)
        write_hollow(path) if name == "hollow" else get_case(name).write(path)
        bad.append(str(path))
    later = good_scan(tmp_path, "P3")
    report = indexer.index(sessions, [tmp_path / "P1", tmp_path / "P2", tmp_path / "P3"])
    assert [path for path, _ in report.failed] == bad
    assert all(BAD[name] in reason for _, reason in report.failed), report.failed
    assert (report.indexed, report.unchanged) == (1, 1)
    after = count_rows(sessions)
    grown = {
        table: after[table] - before[table] for table in after if after[table] != before[table]
    }
    # P3's good file only: an investigation with its dataset, datafile, sample...
    assert grown["investigation"] == grown["dataset"] == grown["datafile"] == 1
    with sessions() as session:
        assert session.scalars(select(Investigation.name).order_by(Investigation.name)).all() == [
            "P1",
            "P3",
        ]
        assert session.scalar(select(Datafile.location).where(Datafile.name == later.name))


@pytest.mark.parametrize("name", ["truncated", "hollow"])
def test_a_catalogued_file_gone_bad_keeps_its_record(
    sqlite_sessions: sessionmaker[Session], tmp_path: Path, name: str
) -> None:
    """A file rewritten (a copy interrupted, a writer starting over) loses no record."""
    path = good_scan(tmp_path, "P1")
    indexer = Indexer(root=str(tmp_path))
    indexer.index(sqlite_sessions, [tmp_path])
    before = count_rows(sqlite_sessions)
    if name == "hollow":
        write_hollow(path)
    else:
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    report = indexer.index(sqlite_sessions, [tmp_path])
    assert [p for p, _ in report.failed] == [str(path)]
    assert count_rows(sqlite_sessions) == before
    with sqlite_sessions() as session:
        assert session.scalar(select(Dataset.description)) == "Battery cathode"


def test_an_error_while_writing_a_file_takes_back_its_rows(
    sessions: sessionmaker[Session], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failure after the investigation, dataset, datafile and sample rows were added
    (here: in the techniques) takes them all back; the files before and after stay."""
    first = good_scan(tmp_path, "P1", "a.nxs")
    broken = good_scan(tmp_path, "P2", "b.nxs", sample="only-in-P2")
    last = good_scan(tmp_path, "P3", "c.nxs")
    apply = IndexRun.apply_techniques

    def fail_on_b(self: IndexRun, investigation: Investigation, dataset: Dataset, entry: object):
        if investigation.name == "P2":
            raise RuntimeError("the database went away")
        return apply(self, investigation, dataset, entry)  # type: ignore[arg-type]

    monkeypatch.setattr(IndexRun, "apply_techniques", fail_on_b)
    report = Indexer(root=str(tmp_path)).index(sessions, [tmp_path])
    assert report.failed == [(str(broken), "not catalogued: RuntimeError: the database went away")]
    assert report.indexed == 2
    with sessions() as session:
        assert session.scalars(select(Investigation.name).order_by(Investigation.name)).all() == [
            "P1",
            "P3",
        ]
        assert sorted(session.scalars(select(Datafile.location))) == [str(first), str(last)]
        assert "only-in-P2" not in session.scalars(select(Sample.name)).all()
        # the rows of the files after it, written after the rollback, are whole
        assert session.scalars(select(Investigation.fileCount)).all() == [1, 1]
        assert len(session.scalars(select(DatasetTechnique)).all()) == 2
    monkeypatch.setattr(IndexRun, "apply_techniques", apply)
    again = Indexer(root=str(tmp_path)).index(sessions, [tmp_path])
    assert (again.indexed, again.unchanged, again.failed) == (1, 2, [])


def get_note(session: Session, location: str) -> str | None:
    return session.scalar(
        select(DatafileParameter.stringValue)
        .join(Datafile, Datafile.id == DatafileParameter.datafile_id)
        .join(ParameterType, ParameterType.id == DatafileParameter.type_id)
        .where(Datafile.location == location, ParameterType.name == NOTE_PARAMETER)
    )


def test_the_path_names_the_proposal_whatever_the_file_says(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    raw = tmp_path / "20240001" / "raw" / "s"
    raw.mkdir(parents=True)
    other, same, silent = raw / "other.nxs", raw / "same.nxs", raw / "silent.nxs"
    for path, identifier in ((other, "20249999"), (same, "20240001-2"), (silent, None)):
        with h5py.File(path, "w") as f:
            entry = f.create_group("entry")
            entry.attrs["NX_class"] = "NXentry"
            entry["title"] = path.stem
            if identifier:
                entry["experiment_identifier"] = identifier
    indexer = Indexer(root=str(tmp_path))
    report = indexer.index(sessions, [tmp_path])
    said = (
        "the file names experiment '20249999'; catalogued under proposal '20240001', which "
        "its path names"
    )
    assert report.notes == [(str(other), said)]
    with sessions() as session:
        assert session.scalars(select(Investigation.name)).all() == ["20240001"]
        assert get_note(session, str(other)) == said
        assert get_note(session, str(same)) is None
        assert get_note(session, str(silent)) is None
    with h5py.File(other, "a") as f:  # corrected: the note goes
        del f["entry/experiment_identifier"]
        f["entry/experiment_identifier"] = "20240001"
    assert indexer.index(sessions, [tmp_path]).notes == []
    with sessions() as session:
        assert get_note(session, str(other)) is None


def test_missing_link_targets_are_noted_on_the_datafile(
    sqlite_sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    path = make_case(tmp_path / "P1" / "raw" / "links", "external_missing")
    report = Indexer(root=str(tmp_path)).index(sqlite_sessions, [tmp_path])
    expected = (
        "/entry/data/data: external link to external_missing_data_000001.h5:"
        "/entry/data/data: the file is missing"
    )
    assert (report.indexed, report.failed, report.notes) == (1, [], [(str(path), expected)])
    with sqlite_sessions() as session:
        assert get_note(session, str(path)) == expected
        assert session.scalar(select(Dataset.description)) == "external missing"


def small_files(root: Path) -> dict[str, Path]:
    """The demo's template generators' raw files, small, one proposal each."""
    files = {name: root / f"P-{name}" / "raw" / name / f"{name}.nxs" for name in TEMPLATES}
    for path in files.values():
        path.parent.mkdir(parents=True)
    geometry = Geometry(shape=(128, 128), distance=40.0, beam_center_x=11.0, beam_center_y=11.0,
                        wavelength=0.5)  # fmt: skip
    powder.write_si_lab6(files["powder"], geometry=geometry, oversample=1)
    saxs_geometry = Geometry(shape=(64, 64), distance=2000.0, beam_center_x=5.5,
                             beam_center_y=5.5, wavelength=1.0)  # fmt: skip
    saxs.write_polydisperse_spheres(files["saxs"], geometry=saxs_geometry)
    xas.write_xas_scan(files["xas"])
    tomo.write_nxtomo(files["tomo"], rows=8, columns=16, n_projections=9, n_flats=2, n_darks=2)
    small = mx.Geometry(shape=(96, 96), beam_centre=(48.0, 48.0), n_frames=2)
    mx.write_rotation_series(files["mx"], geometry=small, d_min=4.0)
    return files


TEMPLATES = {
    "powder": ("NXmx", "x-ray powder diffraction", PANET + "PaNET01101"),
    "saxs": ("NXsas", "small angle scattering", PANET + "PaNET01124"),
    "xas": ("NXxas", "x-ray absorption spectroscopy", PANET + "PaNET01196"),
    "tomo": ("NXtomo", "x-ray tomography", PANET + "PaNET01207"),
    "mx": ("NXmx", "macromolecular crystallography", PANET + "PaNET01164"),
}


def techniques_by_proposal(session: Session) -> dict[str, list[tuple[str, str | None]]]:
    rows = session.execute(
        select(Investigation.name, Technique.name, Technique.pid)
        .join(Dataset, Dataset.investigation_id == Investigation.id)
        .join(DatasetTechnique, DatasetTechnique.dataset_id == Dataset.id)
        .join(Technique, Technique.id == DatasetTechnique.technique_id)
        .order_by(Investigation.name, Technique.name)
    )
    found: dict[str, list[tuple[str, str | None]]] = {}
    for proposal, name, pid in rows:
        found.setdefault(proposal, []).append((name, pid))
    return found


def test_the_beamline_says_what_an_nxmx_file_of_powder_is(
    sqlite_sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    """The demo's raw files: the powder still is NXmx, its beamline says powder."""
    files = small_files(tmp_path)
    definitions = {}
    for name, path in files.items():
        with h5py.File(path, "r") as f:
            definitions[name] = f["entry/definition"][()].decode()
    assert definitions == {name: d for name, (d, _, _) in TEMPLATES.items()}
    indexer = Indexer(root=str(tmp_path), beamline_techniques={"BL04-MSPD": "PaNET01101"})
    assert indexer.index(sqlite_sessions, [tmp_path]).indexed == 6  # and the MX truth .mtz
    with sqlite_sessions() as session:
        assert techniques_by_proposal(session) == {
            f"P-{name}": [(technique, pid)] for name, (_, technique, pid) in TEMPLATES.items()
        }


def test_the_proposals_beamline_when_the_file_names_none(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    """A file that names no beamline: the one the directory links its proposal to."""
    write_scan(tmp_path / "P1" / "raw" / "a" / "a.nxs", ScanSpec("t", START, "NXmx", ""))
    write_scan(tmp_path / "P2" / "raw" / "b" / "b.nxs", ScanSpec("t", START, "NXmx", ""))
    directory = parse_directory(
        {"beamlines": {"BL04-MSPD": {}}, "proposals": {"P1": {"beamline": "BL04-MSPD"}}}
    )
    with sessions() as session:
        apply_directory(session, directory, "PANHUB")
        session.commit()
    setting = {"BL04-MSPD": {"NXmx": ["powder still", None], "*": "x-ray powder diffraction"}}
    Indexer(root=str(tmp_path), beamline_techniques=setting).index(sessions, [tmp_path])
    with sessions() as session:
        assert techniques_by_proposal(session) == {
            "P1": [("powder still", None)],
            "P2": [("macromolecular crystallography", PANET + "PaNET01164")],
        }


def test_what_the_file_states_comes_first(sessions: sessionmaker[Session], tmp_path: Path) -> None:
    """ESRF BLISS's ``techniques`` note wins over the beamline and the definition; the
    catalogue's own name is kept for a PaNET IRI it knows."""
    path = write_scan(tmp_path / "P1" / "raw" / "a" / "a.nxs",
                      ScanSpec("t", START, "NXmx", "BL04-MSPD"))  # fmt: skip
    with h5py.File(path, "a") as f:
        note = f["entry"].create_group("techniques")
        note.attrs["NX_class"] = "NXnote"
        note["names"] = ["XAS (ESRF's name)", "ESRF's own technique"]
        note["iris"] = [PANET + "PaNET01196", "https://w3id.org/PaN/ESRFET#XYZ"]
    setting = {"BL04-MSPD": "x-ray powder diffraction"}
    Indexer(root=str(tmp_path), beamline_techniques=setting).index(sessions, [tmp_path])
    with sessions() as session:
        assert techniques_by_proposal(session) == {
            "P1": [
                ("ESRF's own technique", "https://w3id.org/PaN/ESRFET#XYZ"),
                ("x-ray absorption spectroscopy", PANET + "PaNET01196"),
            ]
        }


def test_odd_names_of_files_folders_and_entries(
    sqlite_sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    path = make_case(tmp_path / "P 1's" / "raw" / "run: 1.2 (Bob's)", "odd_names")
    renamed = path.rename(path.with_name("scan 1: Bob's sample.v2.nxs"))
    report = Indexer(root=str(tmp_path)).index(sqlite_sessions, [tmp_path])
    assert (report.indexed, report.failed) == (1, [])
    with sqlite_sessions() as session:
        row = session.execute(
            select(Investigation.name, Dataset.name, Dataset.description, Datafile.name)
            .join(Dataset, Dataset.investigation_id == Investigation.id)
            .join(Datafile, Datafile.dataset_id == Dataset.id)
        ).one()
    assert tuple(row) == ("P 1's", "raw/run: 1.2 (Bob's)", "odd names", renamed.name)
    pruned = Indexer(root=str(tmp_path)).index(sqlite_sessions, [tmp_path], prune=True)
    assert pruned.pruned is not None
    assert pruned.pruned.files == 0


@pytest.fixture(scope="module")
def scans_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A file of 500 entries, a scan each (SPEC-to-NeXus style), one sample and beamline."""
    path = tmp_path_factory.mktemp("scans") / "scans.nxs"
    with h5py.File(path, "w") as f:
        for i in range(1, 501):
            entry = f.create_group(f"scan_{i:04d}")
            entry.attrs["NX_class"] = "NXentry"
            entry["title"] = f"ascan samy 0 1 100 0.1 (scan {i})"
            entry["start_time"] = f"2024-05-01T{8 + i // 60:02d}:{i % 60:02d}:00Z"
            instrument = entry.create_group("instrument")
            instrument.attrs["NX_class"] = "NXinstrument"
            instrument["name"] = "BL22-CLAESS"
            sample = entry.create_group("sample")
            sample.attrs["NX_class"] = "NXsample"
            sample["name"] = "Cu foil"
            data = entry.create_group("data")
            data.attrs["NX_class"] = "NXdata"
            data.attrs["signal"] = "I0"
            data["I0"] = [float(i)] * 10
    return path


@pytest.mark.parametrize("default", [True, False], ids=["root default", "no default"])
def test_a_file_of_500_entries_is_indexed_fast(
    sqlite_sessions: sessionmaker[Session], tmp_path: Path, scans_file: Path, default: bool
) -> None:
    path = tmp_path / "P1" / "raw" / "scans" / "scans.nxs"
    path.parent.mkdir(parents=True)
    shutil.copy(scans_file, path)
    if default:
        with h5py.File(path, "a") as f:
            f.attrs["default"] = "scan_0500"
    start = time.perf_counter()
    report = Indexer(root=str(tmp_path)).index(sqlite_sessions, [tmp_path])
    elapsed = time.perf_counter() - start
    print(f"\n500 entries ({'root @default' if default else 'no @default'}): {elapsed:.3f} s")
    assert (report.indexed, report.failed) == (1, [])
    with sqlite_sessions() as session:
        dataset = session.scalars(select(Dataset)).one()
        main = 500 if default else 1
        assert dataset.description == f"ascan samy 0 1 100 0.1 (scan {main})"
        assert dataset.startDate == datetime(2024, 5, 1, 8 + main // 60, main % 60)
        assert session.scalars(select(Sample.name)).all() == ["Cu foil"]
        assert session.scalar(select(DatasetParameter.stringValue)) == "BL22-CLAESS"
    # about 0.2 s with a root @default, 0.5 s without, on 2 shared cores
    assert elapsed < 5.0, f"{elapsed:.2f} s to index a file of 500 entries"
