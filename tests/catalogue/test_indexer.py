"""The NeXus indexer on small files written in tmp_path."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import h5py
import pytest
from panhub_catalogue.cli import main
from panhub_catalogue.db import make_engine, make_sessionmaker
from panhub_catalogue.demo import ScanSpec, make_demo_proposals, write_scan
from panhub_catalogue.identity import Identity
from panhub_catalogue.ingest.indexer import PANET, Indexer
from panhub_catalogue.ingest.members import apply_directory, parse_directory
from panhub_catalogue.ingest.nexus import read_nexus
from panhub_catalogue.ingest.progress import Progress
from panhub_catalogue.model import (
    Affiliation,
    Base,
    DataCollection,
    DataCollectionDatafile,
    Datafile,
    Dataset,
    DatasetParameter,
    Instrument,
    InstrumentScientist,
    Investigation,
    InvestigationInstrument,
    InvestigationUser,
    ParameterType,
    Sample,
    Technique,
    User,
)
from panhub_catalogue.store import Lookup
from panhub_catalogue.visibility import visible_investigations
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

START = datetime(2024, 2, 29, 8, 30)
USERS = (("Ana Alba", "PI", "ana"), ("Ben Bragg", "member", "ben"))


def scan(root: Path, proposal: str, name: str, **changes: object) -> Path:
    spec = ScanSpec(title="Battery cathode", start=START, users=USERS, sample="LiNiO2")
    for key, value in changes.items():
        spec = ScanSpec(**{**spec.__dict__, key: value})
    return write_scan(root / proposal / "raw" / "cathode" / name, spec)


def test_an_instrument_without_a_name_is_no_beamline(tmp_path: Path) -> None:
    path = tmp_path / "unnamed.nxs"
    with h5py.File(path, "w") as f:
        entry = f.create_group("entry")
        entry.attrs["NX_class"] = "NXentry"
        entry.create_group("instrument").attrs["NX_class"] = "NXinstrument"
    (found,) = read_nexus(path)
    assert found.instrument is None


def snapshot(session: Session) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table, but their datestamps (when each run wrote them)."""
    return {
        table.name: sorted(
            map(tuple, session.execute(select(*(c for c in table.c if c.name != "mod_time")))),
            key=repr,
        )
        for table in Base.metadata.sorted_tables
    }


def test_read_nexus(tmp_path: Path) -> None:
    (entry,) = read_nexus(scan(tmp_path, "P1", "scan0001.nxs"))
    assert entry.title == "Battery cathode"
    assert entry.start_time == START
    assert entry.definition == "NXxas"
    assert entry.instrument == "BL22"
    assert entry.sample == "LiNiO2"
    assert [(u.name, u.role, u.facility_user_id) for u in entry.users] == list(USERS)
    assert [(p.name, p.value, p.units) for p in entry.parameters] == [
        ("incident_photon_energy", 12.4, "keV"),
        ("sample_temperature", 295.0, "K"),
    ]


def number(group: h5py.Group, name: str, value: float, units: str) -> None:
    group[name] = value
    group[name].attrs["units"] = units


def nx_group(parent: h5py.Group, name: str, nx_class: str) -> h5py.Group:
    group = parent.create_group(name)
    group.attrs["NX_class"] = nx_class
    return group


def test_parameters_are_named_as_the_pan_portal_names_them(tmp_path: Path) -> None:
    """What the PaN data portal filters on, with units as written; nothing made up."""
    path = tmp_path / "mx.nxs"
    with h5py.File(path, "w") as f:
        entry = nx_group(f, "entry", "NXentry")
        entry["definition"] = "NXmx"
        instrument = nx_group(entry, "instrument", "NXinstrument")
        number(nx_group(instrument, "source", "NXsource"), "energy", 2.98, "GeV")
        number(nx_group(instrument, "detector", "NXdetector"), "distance", 250.0, "mm")
        sample = nx_group(entry, "sample", "NXsample")
        sample["name"] = "lysozyme"
        sample["description"] = "Hen egg-white lysozyme, Gd soak"
        sample["chemical_formula"] = "C613H959N193O185S10"
        number(sample, "temperature", 100.0, "K")
        number(sample, "pressure", 101325.0, "Pa")
        number(sample, "concentration", 50.0, "mg/ml")
        # NXmx keeps the beam in the sample; only a wavelength: no energy is made up
        number(nx_group(sample, "beam", "NXbeam"), "incident_wavelength", 0.9793, "angstrom")
        number(nx_group(entry, "log", "NXlog"), "temperature", 5.0, "K")  # not a sample's
    (found,) = read_nexus(path)
    assert found.sample_description == "Hen egg-white lysozyme, Gd soak"
    assert [(p.name, p.value, p.units) for p in found.parameters] == [
        ("detector_distance", 250.0, "mm"),
        ("incident_wavelength", 0.9793, "angstrom"),
        ("sample_chemical_formula", "C613H959N193O185S10", ""),
        ("sample_concentration", 50.0, "mg/ml"),
        ("sample_pressure", 101325.0, "Pa"),
        ("sample_temperature", 100.0, "K"),
        ("source_energy", 2.98, "GeV"),
    ]


def test_a_monochromator_wavelength_and_a_beam_energy(tmp_path: Path) -> None:
    path = tmp_path / "xas.nxs"
    with h5py.File(path, "w") as f:
        entry = nx_group(f, "entry", "NXentry")
        instrument = nx_group(entry, "instrument", "NXinstrument")
        number(nx_group(instrument, "monochromator", "NXmonochromator"), "wavelength", 1.5, "Å")
        number(nx_group(instrument, "beam", "NXbeam"), "incident_energy", 8.333, "keV")
    (found,) = read_nexus(path)
    assert [(p.name, p.value, p.units) for p in found.parameters] == [
        ("incident_photon_energy", 8.333, "keV"),
        ("incident_wavelength", 1.5, "Å"),
    ]


def test_index_fills_the_model(sqlite_sessions: sessionmaker[Session], tmp_path: Path) -> None:
    for n in range(3):
        scan(tmp_path, "20240001", f"scan{n:04d}.nxs")
    (tmp_path / "20240001" / "processed").mkdir()
    (tmp_path / "20240001" / "processed" / "fit.txt").write_text("chi2 = 1.02\n")
    report = Indexer(root=str(tmp_path), checksum="adler32", members_from_files=True).index(
        sqlite_sessions, [tmp_path]
    )
    assert (report.indexed, report.unchanged, report.failed, report.ignored) == (4, 0, [], [])
    with sqlite_sessions() as session:
        (investigation,) = session.scalars(select(Investigation))
        assert investigation.name == "20240001"
        assert investigation.title == "Battery cathode"
        assert investigation.startDate == START
        assert investigation.releaseDate == datetime(2027, 2, 28, 8, 30)  # 29 Feb + 3 years
        assert investigation.fileCount == 4
        sizes = [f.fileSize for f in session.scalars(select(Datafile))]
        assert investigation.fileSize == sum(sizes) > 0
        datasets = {d.name: d for d in session.scalars(select(Dataset))}
        assert set(datasets) == {"raw/cathode", "processed"}
        assert datasets["raw/cathode"].type == "raw"
        assert datasets["raw/cathode"].fileCount == 3
        assert datasets["processed"].type == "processed"
        assert session.scalars(select(Sample.name)).all() == ["LiNiO2"]
        assert datasets["raw/cathode"].sample is not None
        members = session.execute(
            select(User.name, User.fullName, InvestigationUser.role).join(InvestigationUser.user)
        ).all()
        assert sorted(members) == [("ana", "Ana Alba", "PI"), ("ben", "Ben Bragg", "member")]
        technique = session.scalars(select(Technique)).one()
        assert technique.pid == "http://purl.org/pan-science/PaNET/PaNET01196"
        # energy, temperature and the instrument's name (kept as metadata, not a beamline)
        assert len(session.scalars(select(DatasetParameter)).all()) == 3
        checksums = session.scalars(select(Datafile.checksum)).all()
        assert all(c and c.startswith("adler32:") for c in checksums)


PEOPLE = {"ana": ("ALBA Synchrotron Light Source", "0000-0000-0000-001X")}


def test_files_give_affiliations_and_orcid_ids_when_trusted_for_members(
    sqlite_sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    scan(tmp_path, "20240001", "scan0000.nxs", people=PEOPLE, sample_description="A cathode")
    # a file naming ben with an ORCID iD whose check digit is wrong
    scan(tmp_path, "20240001", "scan0001.nxs", people={"ben": ("UAB", "0000-0000-0000-0029")})
    Indexer(root=str(tmp_path), members_from_files=True).index(sqlite_sessions, [tmp_path])
    with sqlite_sessions() as session:
        rows = session.execute(
            select(User.name, User.orcidId, InvestigationUser.role, Affiliation.name)
            .join(InvestigationUser.user)
            .outerjoin(InvestigationUser.affiliation)
        )
        assert sorted(rows) == [
            ("ana", "0000-0000-0000-001X", "PI", "ALBA Synchrotron Light Source"),
            ("ben", None, "member", "UAB"),
        ]
        assert session.scalars(select(Sample.description)).all() == ["A cathode"]


def test_files_give_no_people_details_by_default(
    sqlite_sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    scan(tmp_path, "20240001", "scan0000.nxs", people=PEOPLE)
    Indexer(root=str(tmp_path)).index(sqlite_sessions, [tmp_path])
    with sqlite_sessions() as session:
        assert session.scalars(select(Affiliation)).all() == []
        assert session.scalars(select(User)).all() == []


def test_default_techniques_are_panet_terms() -> None:
    techniques = Indexer().techniques
    assert all(pid and pid.startswith(PANET + "PaNET") for _, pid in techniques.values())
    by_definition = {d: tuple(t) for d, t in techniques.items()}
    assert by_definition["NXmx"] == ("macromolecular crystallography", PANET + "PaNET01164")
    assert by_definition["NXmonopd"] == ("x-ray powder diffraction", PANET + "PaNET01101")
    assert by_definition["NXtomo"] == ("x-ray tomography", PANET + "PaNET01207")
    # one name, one IRI (Technique.name and Technique.pid are both unique)
    assert len({name for name, _ in techniques.values()}) == len(
        {pid for _, pid in techniques.values()}
    )


def test_files_grant_no_membership_by_default(
    sqlite_sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    """A file's NXuser entries must not make anyone a member (files are user-writable)."""
    scan(tmp_path, "20240001", "scan0000.nxs")
    report = Indexer(root=str(tmp_path)).index(sqlite_sessions, [tmp_path])
    assert report.indexed == 1
    with sqlite_sessions() as session:
        assert session.scalars(select(InvestigationUser)).all() == []


def names_seen_by(session: Session, identity: Identity) -> list[str]:
    rule = visible_investigations(identity, datetime(2024, 6, 1))
    return list(
        session.scalars(select(Investigation.name).where(rule).order_by(Investigation.name))
    )


def test_files_link_no_beamline_by_default(
    sqlite_sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    """A beamline named in a (user-writable) file must not widen who sees the proposal."""
    scan(tmp_path, "20240001", "scan0000.nxs", instrument="BL13")
    write_scan(
        tmp_path / "20240001" / "processed" / "mine.nxs",
        ScanSpec(title="forged", start=START, instrument="BL22"),
    )
    directory = parse_directory(
        {
            "beamlines": {"BL13": {"staff": ["steph"]}, "BL22": {"staff": ["olga"]}},
            "proposals": {"20240001": {"beamline": "BL13", "members": ["ana"]}},
        }
    )
    with sqlite_sessions() as session:
        apply_directory(session, directory, "PANHUB")
        session.commit()
    report = Indexer(root=str(tmp_path)).index(sqlite_sessions, [tmp_path])
    assert report.indexed == 2
    with sqlite_sessions() as session:
        linked = session.scalars(
            select(Instrument.name)
            .join(InvestigationInstrument, InvestigationInstrument.instrument_id == Instrument.id)
            .order_by(Instrument.name)
        )
        assert linked.all() == ["BL13"]  # from the directory only
        assert names_seen_by(session, Identity("steph")) == ["20240001"]
        assert names_seen_by(session, Identity("olga")) == []
        assert names_seen_by(session, Identity("ana")) == ["20240001"]
        recorded = session.execute(
            select(Dataset.name, DatasetParameter.stringValue)
            .join(DatasetParameter, DatasetParameter.dataset_id == Dataset.id)
            .join(ParameterType, ParameterType.id == DatasetParameter.type_id)
            .where(ParameterType.name == "instrument_name")
            .order_by(Dataset.name)
        )
        assert recorded.all() == [("processed", "BL22"), ("raw/cathode", "BL13")]


def test_files_link_beamlines_when_configured(
    sqlite_sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    scan(tmp_path, "20240001", "scan0000.nxs", instrument="BL22")
    with sqlite_sessions() as session:
        olga = Lookup(session).user("olga")
        bl22 = Lookup(session).instrument(Lookup(session).facility("PANHUB"), "BL22")
        session.add(InstrumentScientist(user_id=olga.id, instrument_id=bl22.id))
        session.commit()
    indexer = Indexer(root=str(tmp_path), instruments_from_files=True)
    assert indexer.index(sqlite_sessions, [tmp_path]).indexed == 1
    with sqlite_sessions() as session:
        assert names_seen_by(session, Identity("olga")) == ["20240001"]


def test_second_run_is_incremental_and_idempotent(
    sqlite_sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    first = scan(tmp_path, "P1", "scan0001.nxs")
    scan(tmp_path, "P1", "scan0002.nxs")
    indexer = Indexer(root=str(tmp_path))
    indexer.index(sqlite_sessions, [tmp_path])
    with sqlite_sessions() as session:
        before = snapshot(session)
    again = indexer.index(sqlite_sessions, [tmp_path])
    assert (again.indexed, again.unchanged) == (0, 2)
    with sqlite_sessions() as session:
        assert snapshot(session) == before
    scan(tmp_path, "P1", "scan0001.nxs", frame_shape=(40, 80), temperature_k=77.0)
    os.utime(first, (first.stat().st_atime, first.stat().st_mtime + 10))
    changed = indexer.index(sqlite_sessions, [tmp_path])
    assert (changed.indexed, changed.unchanged) == (1, 1)
    with sqlite_sessions() as session:
        assert session.scalar(select(Datafile.fileSize).where(Datafile.name == "scan0001.nxs")) == (
            first.stat().st_size
        )
        assert len(session.scalars(select(Datafile)).all()) == 2
        temperatures = session.scalars(select(DatasetParameter.numericValue)).all()
        assert 77.0 in temperatures


def test_corrupt_and_partial_files_are_reported_and_skipped(
    sqlite_sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    good = scan(tmp_path, "P1", "scan0001.nxs")
    corrupt = tmp_path / "P1" / "raw" / "cathode" / "scan0002.nxs"
    corrupt.write_bytes(b"\x89HDF\r\n\x1a\n" + os.urandom(2000))
    truncated = tmp_path / "P1" / "raw" / "cathode" / "scan0003.nxs"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 3])
    later = scan(tmp_path, "P1", "scan0004.nxs")
    report = Indexer(root=str(tmp_path)).index(sqlite_sessions, [tmp_path])
    assert report.indexed == 2
    assert sorted(path for path, _ in report.failed) == [str(corrupt), str(truncated)]
    assert all(reason for _, reason in report.failed)
    with sqlite_sessions() as session:
        names = set(session.scalars(select(Datafile.name)))
    assert names == {good.name, later.name}
    # once repaired, the next run picks it up
    scan(tmp_path, "P1", "scan0002.nxs")
    fixed = Indexer(root=str(tmp_path)).index(sqlite_sessions, [tmp_path])
    assert (fixed.indexed, len(fixed.failed)) == (1, 1)


WRITER = """
import sys, h5py
with h5py.File(sys.argv[1], "w") as f:  # holds the HDF5 file lock until stdin closes
    entry = f.create_group("entry")
    entry.attrs["NX_class"] = "NXentry"
    entry["title"] = "still running"
    f.flush()
    print("ready", flush=True)
    sys.stdin.read()
"""


def test_file_still_being_written_is_read_without_locking(
    sqlite_sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    path = tmp_path / "P1" / "raw" / "live" / "scan0001.nxs"
    path.parent.mkdir(parents=True)
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    try:
        assert writer.stdout is not None
        assert writer.stdout.readline() == b"ready\n"
        report = Indexer(root=str(tmp_path)).index(sqlite_sessions, [tmp_path])
    finally:
        writer.communicate(timeout=30)
    assert (report.indexed, report.failed) == (1, [])
    with sqlite_sessions() as session:
        assert session.scalar(select(Investigation.title)) == "still running"


def test_layout_is_a_setting(sqlite_sessions: sessionmaker[Session], tmp_path: Path) -> None:
    scan(tmp_path, "P1", "a.nxs")
    write_scan(tmp_path / "P2" / "notes" / "b.nxs", ScanSpec(title="t", start=START))
    write_scan(tmp_path / "P3" / "visit7" / "raw" / "c.nxs", ScanSpec(title="t", start=START))
    report = Indexer(root=str(tmp_path)).index(sqlite_sessions, [tmp_path])
    assert report.indexed == 1
    assert [reason for _, reason in report.ignored] == ["does not match the proposals layout"] * 2
    visits = Indexer(
        root=str(tmp_path), layout=r"^(?P<proposal>[^/]+)/(?P<visit>[^/]+)/(?P<kind>raw)/"
    )
    assert visits.index(sqlite_sessions, [tmp_path / "P3"]).indexed == 1
    with sqlite_sessions() as session:
        assert session.execute(select(Investigation.name, Investigation.visitId)).all() == [
            ("P1", ""),
            ("P3", "visit7"),
        ]
    with pytest.raises(Exception, match="layout needs the named groups"):
        Indexer(layout=r"^(?P<proposal>[^/]+)/")


def test_paths_outside_the_root_are_ignored(
    sqlite_sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    outside = write_scan(tmp_path / "elsewhere" / "x.nxs", ScanSpec(title="t", start=START))
    report = Indexer(root=str(tmp_path / "data")).index(sqlite_sessions, [outside])
    assert report.ignored == [(str(outside), f"outside the proposals root {tmp_path / 'data'}")]


def test_progress_bar() -> None:
    stream = io.StringIO()
    progress = Progress(4, stream=stream, enabled=True, interval=0)
    assert progress.render(1, 0.5, width=8) == "[##      ] 1/4 files  2/s"
    for done in range(1, 5):
        progress.update(done)
    progress.close()
    assert stream.getvalue().count("\r") == 5
    assert stream.getvalue().endswith("4/4 files  " + stream.getvalue().rsplit("  ", 1)[1])


def test_cli_demo_then_index(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'db' / 'catalogue.sqlite'}"
    assert main(["--db", url, "demo", str(tmp_path / "data")]) == 0
    assert capsys.readouterr().out == "12 files: 12 indexed, 0 unchanged, 0 failed, 0 ignored\n"
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:  # the demo's files are its only source
        beamlines = session.execute(
            select(Investigation.name, Instrument.name)
            .join(
                InvestigationInstrument,
                InvestigationInstrument.investigation_id == Investigation.id,
            )
            .join(Instrument, Instrument.id == InvestigationInstrument.instrument_id)
            .order_by(Investigation.name)
        )
        assert beamlines.all() == [
            ("2023015001", "BL13"),
            ("2024025002", "BL22"),
            ("2025035003", "BL11"),
        ]
        assert len(session.scalars(select(InvestigationUser)).all()) == 5
    engine.dispose()
    (tmp_path / "data" / "2023015001" / "raw" / "bad.nxs").write_bytes(b"not hdf5")
    assert main(["index", "--db", url, "--no-progress", str(tmp_path / "data")]) == 0
    out, err = capsys.readouterr()
    assert out == "13 files: 0 indexed, 12 unchanged, 1 failed, 0 ignored\n"
    assert "failed: " + str(tmp_path / "data" / "2023015001" / "raw" / "bad.nxs") in err
    assert len(make_demo_proposals(tmp_path / "data")) == 12


def test_cli_index_prints_notes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_scan(tmp_path / "data" / "P1" / "raw" / "a.nxs", ScanSpec("t", START))
    with h5py.File(path, "a") as f:
        f["entry/experiment_identifier"] = "P2"
    url = f"sqlite:///{tmp_path / 'db' / 'catalogue.sqlite'}"
    assert main(["index", "--db", url, "--no-progress", str(tmp_path / "data")]) == 0
    out, err = capsys.readouterr()
    assert out == "1 files: 1 indexed, 0 unchanged, 0 failed, 0 ignored\n"
    assert err == (
        f"note: {path}: the file names experiment 'P2'; catalogued under proposal 'P1', "
        "which its path names\n"
    )


def test_parallel_readers_give_the_same_catalogue(
    sqlite_sessions: sessionmaker[Session], sqlite_template: Path, tmp_path: Path
) -> None:
    for n in range(40):
        scan(tmp_path, f"P{n % 3}", f"scan{n:04d}.nxs", sample=f"s{n % 4}")
    (tmp_path / "P0" / "raw" / "cathode" / "broken.nxs").write_bytes(b"\x89HDF\r\n\x1a\n....")
    parallel = Indexer(root=str(tmp_path), workers=2).index(sqlite_sessions, [tmp_path])
    assert (parallel.indexed, len(parallel.failed)) == (40, 1)
    serial = tmp_path.parent / f"{tmp_path.name}-serial.sqlite"
    serial.write_bytes(sqlite_template.read_bytes())
    engine = make_engine(f"sqlite:///{serial}")
    serial_sessions = make_sessionmaker(engine)
    Indexer(root=str(tmp_path), workers=1).index(serial_sessions, [tmp_path])
    with sqlite_sessions() as a, serial_sessions() as b:
        assert snapshot(a) == snapshot(b)
    engine.dispose()


def test_cli_reads_a_traitlets_config_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    write_scan(data / "P9" / "v1" / "raw" / "a.nxs", ScanSpec(title="t", start=START))
    url = f"sqlite:///{tmp_path / 'db' / 'c.sqlite'}"
    config = tmp_path / "catalogue_config.py"
    config.write_text(
        f"c.CatalogueDatabase.url = {url!r}\n"
        f"c.Indexer.root = {str(data)!r}\n"
        "c.Indexer.layout = r'^(?P<proposal>[^/]+)/(?P<visit>[^/]+)/(?P<kind>raw)/'\n"
        "c.Indexer.facility = 'ALBA'\n"
    )
    assert main(["--config", str(config), "migrate"]) == 0
    assert main(["--config", str(config), "index", "--no-progress", str(data)]) == 0
    assert capsys.readouterr().out == "1 files: 1 indexed, 0 unchanged, 0 failed, 0 ignored\n"
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        investigation = session.scalars(select(Investigation)).one()
        assert (investigation.name, investigation.visitId) == ("P9", "v1")
        assert investigation.facility.name == "ALBA"
    engine.dispose()


def test_investigation_dates_cover_files_indexed_later(
    sqlite_sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    scan(tmp_path, "P1", "scan0002.nxs")
    indexer = Indexer(root=str(tmp_path))
    indexer.index(sqlite_sessions, [tmp_path])
    earlier = datetime(2024, 1, 15, 9, 0)
    scan(tmp_path, "P1", "scan0001.nxs", start=earlier)
    indexer.index(sqlite_sessions, [tmp_path])
    with sqlite_sessions() as session:
        investigation = session.scalars(select(Investigation)).one()
        assert investigation.startDate == earlier
        assert investigation.endDate == datetime(2024, 2, 29, 8, 35)


def test_prune_removes_files_gone_from_disk(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    kept = scan(tmp_path, "P1", "scan0001.nxs")
    gone = scan(tmp_path, "P1", "scan0002.nxs")
    lone = write_scan(tmp_path / "P1" / "raw" / "other" / "a.nxs", ScanSpec("t", START))
    published = write_scan(tmp_path / "P1" / "raw" / "doi" / "b.nxs", ScanSpec("t", START))
    elsewhere = scan(tmp_path, "P2", "scan0001.nxs")
    (tmp_path / "P_").mkdir()  # an existing folder whose name is a LIKE pattern for P1
    indexer = Indexer(root=str(tmp_path))
    indexer.index(sessions, [tmp_path])
    with sessions() as session:
        (datafile,) = session.scalars(select(Datafile).where(Datafile.name == "b.nxs"))
        collection = DataCollection(doi="10.5072/x")
        session.add(collection)
        session.flush()
        session.add(
            DataCollectionDatafile(data_collection_id=collection.id, datafile_id=datafile.id)
        )
        session.commit()
    for path in (gone, lone, published, elsewhere):
        path.unlink()
    plain = indexer.index(sessions, [tmp_path])
    assert (plain.unchanged, plain.pruned) == (1, None)
    with sessions() as session:
        assert len(session.scalars(select(Datafile)).all()) == 5  # not pruned unless asked
    report = indexer.index(
        sessions, [tmp_path / "P1", tmp_path / "P_", tmp_path / "P9"], prune=True
    )
    assert report.pruned is not None
    assert (report.pruned.files, report.pruned.datasets) == (2, 1)
    assert report.pruned.kept == [(str(published), "missing, but in a data collection")]
    assert report.pruned.skipped == [
        (str(tmp_path / "P9"), "does not exist: nothing pruned under it")
    ]
    with sessions() as session:
        assert sorted(session.scalars(select(Datafile.location))) == sorted(
            [str(kept), str(published), str(elsewhere)]  # P2 was not among the paths
        )
        assert sorted(session.scalars(select(Dataset.name))) == [
            "raw/cathode",
            "raw/cathode",
            "raw/doi",
        ]
        p1 = session.scalars(select(Investigation).where(Investigation.name == "P1")).one()
        assert (p1.fileCount, p1.fileSize) == (2, kept.stat().st_size + datafile.fileSize)
    again = indexer.index(sessions, [tmp_path / "P1"], prune=True)
    assert again.pruned is not None
    assert (again.pruned.files, again.pruned.datasets) == (0, 0)


def test_cli_index_prune(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'db' / 'catalogue.sqlite'}"
    data = tmp_path / "data"
    assert main(["--db", url, "demo", str(data)]) == 0
    shutil.rmtree(data / "2023015001" / "raw")
    capsys.readouterr()
    argv = ["index", "--db", url, "--no-progress", "--root", str(data), "--prune"]
    assert main([*argv, str(data / "2023015001")]) == 0
    assert capsys.readouterr().out == (
        "1 files: 0 indexed, 1 unchanged, 0 failed, 0 ignored; "
        "pruned 3 missing files, 1 empty datasets (0 kept, 0 paths not pruned)\n"
    )


def test_links_into_another_proposal_are_not_followed(
    sqlite_sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    """A user can write links and NeXus links in their own processed folder, nothing more.

    The indexer reads with more rights than the user: a file link, a folder link, an
    HDF5 external link or a virtual dataset pointing into another proposal must not
    copy that proposal's metadata into the user's.
    """
    secret = scan(tmp_path, "B", "secret.nxs", title="Secret of B", sample="B-sample")
    processed = tmp_path / "A" / "processed"
    processed.mkdir(parents=True)
    (processed / "steal.nxs").symlink_to(secret)
    (processed / "folder").symlink_to(secret.parent)
    with h5py.File(processed / "external.nxs", "w") as f:
        f["entry"] = h5py.ExternalLink(str(secret), "/entry")
        own = f.create_group("own")
        own.attrs["NX_class"] = "NXentry"
        own["sample"] = h5py.ExternalLink(str(secret), "/entry/sample")
        f["hop"] = h5py.ExternalLink(str(secret), "/entry")
        hopping = f.create_group("own2")
        hopping.attrs["NX_class"] = "NXentry"
        hopping["title"] = h5py.SoftLink("/hop/title")
        layout = h5py.VirtualLayout(shape=(), dtype=h5py.string_dtype())
        layout[()] = h5py.VirtualSource(str(secret), "/entry/title", shape=())
        own.create_virtual_dataset("title", layout)
    report = Indexer(root=str(tmp_path)).index(sqlite_sessions, [tmp_path / "A"])
    assert report.ignored == [
        (str(processed / "steal.nxs"), "not a regular file (links are not followed)")
    ]
    assert report.indexed == 1  # external.nxs, as a file of A's without B's metadata
    with sqlite_sessions() as session:
        (investigation,) = session.scalars(select(Investigation))
        assert investigation.name == "A"
        assert not investigation.title  # B's title would be "Secret of B"
        assert session.scalars(select(Sample)).all() == []
        (location,) = session.scalars(select(Datafile.location))
        assert location == str(processed / "external.nxs")
    entries = read_nexus(processed / "external.nxs")
    assert [(e.name, e.title, e.sample) for e in entries] == [
        ("own", None, None),
        ("own2", None, None),
    ]


def test_a_file_swapped_for_a_link_after_planning_is_not_read(tmp_path: Path) -> None:
    from panhub_catalogue.ingest.indexer import read_file

    secret = scan(tmp_path, "B", "secret.nxs", title="Secret of B")
    mine = scan(tmp_path, "A", "mine.nxs", title="Mine")
    found = read_file(mine, suffixes=(".nxs",), checksum="none", root=str(tmp_path))
    assert not isinstance(found, str)
    assert found[0].main is not None
    assert found[0].main.title == "Mine"
    mine.unlink()
    mine.symlink_to(secret)
    result = read_file(mine, suffixes=(".nxs",), checksum="none", root=str(tmp_path))
    assert isinstance(result, str)
    assert "Secret" not in result


def test_a_processed_file_cannot_end_the_embargo(
    sqlite_sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    """A member writes processed/ with a start time in 1990: the proposal stays embargoed.

    The release date is the start date plus the embargo; the start date came from every
    dataset, so a file a user wrote made the proposal public at its first indexing.
    """
    scan(tmp_path, "20240001", "scan0001.nxs")
    forged = ScanSpec(title="Battery cathode", start=datetime(1990, 1, 1), users=USERS)
    write_scan(tmp_path / "20240001" / "processed" / "fit" / "fit.nxs", forged)
    Indexer(root=str(tmp_path)).index(sqlite_sessions, [tmp_path])
    with sqlite_sessions() as session:
        (investigation,) = session.scalars(select(Investigation))
        assert investigation.startDate == START
        assert investigation.releaseDate == datetime(2027, 2, 28, 8, 30)
        public = select(Investigation.id).where(
            visible_investigations(Identity(), datetime(2026, 6, 1))
        )
        assert session.scalars(public).all() == []


def test_only_raw_files_name_an_untitled_investigation(
    sqlite_sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    """A title is shown even on citation-only pages: a user's processed file may not set it."""
    forged = ScanSpec(title="Forged by a member", start=START)
    write_scan(tmp_path / "20240001" / "processed" / "fit" / "fit.nxs", forged)
    indexer = Indexer(root=str(tmp_path))
    indexer.index(sqlite_sessions, [tmp_path])
    with sqlite_sessions() as session:
        assert not session.scalars(select(Investigation.title)).one()
    scan(tmp_path, "20240001", "scan0001.nxs")
    indexer.index(sqlite_sessions, [tmp_path])
    with sqlite_sessions() as session:
        assert session.scalars(select(Investigation.title)).one() == "Battery cathode"
