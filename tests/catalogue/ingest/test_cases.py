"""Issue 17's corpus and the real files other software wrote, through the indexer.

Every case of ``tests/support/nexus_cases.py`` and every file of
``tests/support/nexus_real.py`` is indexed once, each in a proposal of its own
(``<root>/P-<name>/raw/<name>/``), in one run: what the catalogue records (title,
start date, technique, instrument, sample) must be what the file states; a file that
cannot be indexed is reported and leaves its proposal without any row, and the run
goes on with the next one.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import h5py
import pytest
from panhub_catalogue.clock import to_naive_utc
from panhub_catalogue.db import make_engine, make_sessionmaker
from panhub_catalogue.ingest.indexer import Indexer, IndexReport
from panhub_catalogue.ingest.techniques import DEFAULT_TECHNIQUES
from panhub_catalogue.model import (
    Datafile,
    Dataset,
    DatasetParameter,
    DatasetTechnique,
    Investigation,
    ParameterType,
    Sample,
    Technique,
)
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.support.nexus_cases import CASES, Case
from tests.support.nexus_real import DATA, REAL_FILES, RealFile


@dataclass(frozen=True)
class Recorded:
    """What the catalogue holds of one file's dataset (``None``: no investigation)."""

    title: str | None
    start: datetime | None
    definition_technique: tuple[str, str | None] | None
    instrument: str | None
    sample: str | None


@dataclass(frozen=True)
class Indexed:
    root: Path
    sessions: sessionmaker[Session]
    report: IndexReport
    paths: dict[str, Path]


def real_name(real: RealFile) -> str:
    return real.path.relative_to(DATA).as_posix().replace("/", "__")


@pytest.fixture(scope="module")
def indexed(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Indexed:
    """The corpus and the real files, indexed in one run into one SQLite catalogue."""
    root = tmp_path_factory.mktemp("proposals")
    paths = {}
    for case in CASES:
        folder = root / f"P-{case.name}" / "raw" / case.name
        folder.mkdir(parents=True)
        paths[case.name] = case.make(folder)
    for real in REAL_FILES:
        name = real_name(real)
        folder = root / f"P-{name}" / "raw" / "real"
        folder.mkdir(parents=True)
        paths[name] = Path(shutil.copy(real.path, folder / real.path.name))
    database = tmp_path_factory.mktemp("db") / "catalogue.sqlite"
    shutil.copy(sqlite_template, database)
    engine = make_engine(f"sqlite:///{database}")
    sessions = make_sessionmaker(engine)
    report = Indexer(root=str(root)).index(sessions, [root])
    yield Indexed(root, sessions, report, paths)
    engine.dispose()


def get_recorded(indexed: Indexed, proposal: str, path: Path) -> Recorded | None:
    """The dataset of ``path`` in ``proposal``, as the catalogue records it."""
    with indexed.sessions() as session:
        investigation = session.scalar(select(Investigation).filter_by(name=proposal))
        if investigation is None:
            return None
        dataset = session.scalars(
            select(Dataset)
            .join(Datafile, Datafile.dataset_id == Dataset.id)
            .where(Datafile.location == str(path))
        ).one()
        techniques = session.execute(
            select(Technique.name, Technique.pid)
            .join(DatasetTechnique, DatasetTechnique.technique_id == Technique.id)
            .where(DatasetTechnique.dataset_id == dataset.id)
        ).all()
        instrument = session.scalar(
            select(DatasetParameter.stringValue)
            .join(ParameterType, ParameterType.id == DatasetParameter.type_id)
            .where(
                DatasetParameter.dataset_id == dataset.id,
                ParameterType.name == "instrument_name",
            )
        )
        sample = session.get(Sample, dataset.sample_id) if dataset.sample_id else None
        assert len(techniques) <= 1
        return Recorded(
            title=dataset.description,
            start=dataset.startDate,
            definition_technique=tuple(techniques[0]) if techniques else None,  # type: ignore[arg-type]
            instrument=instrument,
            sample=sample.name if sample else None,
        )


def expect_technique(definition: str | None) -> tuple[str, str | None] | None:
    technique = DEFAULT_TECHNIQUES.get(definition or "")
    return (str(technique[0]), technique[1]) if technique else None


def utc(text: str | None) -> datetime | None:
    return to_naive_utc(datetime.fromisoformat(text)) if text else None


def reported(indexed: Indexed, name: str) -> list[str]:
    return [reason for path, reason in indexed.report.failed if path == str(indexed.paths[name])]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_corpus_case(indexed: Indexed, case: Case) -> None:
    recorded = get_recorded(indexed, f"P-{case.name}", indexed.paths[case.name])
    if case.record is None:
        assert recorded is None, "a file that cannot be indexed left a record"
        assert reported(indexed, case.name), "a file that cannot be indexed was not reported"
        return
    assert reported(indexed, case.name) == []
    expected = case.record
    assert recorded == Recorded(
        title=expected.title,
        start=utc(expected.start_time),
        definition_technique=expect_technique(expected.definition),
        instrument=expected.instrument,
        sample=expected.sample,
    )


def test_the_run_went_on_past_every_bad_file(indexed: Indexed) -> None:
    bad = {str(indexed.paths[case.name]) for case in CASES if case.record is None}
    assert {path for path, _ in indexed.report.failed} == bad
    with indexed.sessions() as session:
        named = set(session.scalars(select(Investigation.name)))
    assert named == {f"P-{n}" for n in indexed.paths} - {
        f"P-{case.name}" for case in CASES if case.record is None
    }


#: What each real file states in its main entry (the root's @default, else silx view's
#: first), read from the files themselves (h5dump, h5py): title, start time as written,
#: definition, NXinstrument/name, NXsample/name. ``None`` for a file without NXentry.
REAL_RECORDS: dict[
    str, tuple[str | None, str | None, str | None, str | None, str | None] | None
] = {
    "punx/writer_1_3.hdf5": (None, None, None, None, None),
    "punx/writer_2_1.hdf5": (None, None, None, None, None),
    "punx/prj_test.nexus.hdf5": ("1-D scan of I00 v. mr", None, None, None, None),
    "punx/gov_5.h5": (None, None, None, None, None),
    "punx/example_01_1D_I_Q.h5": (
        "I(|Q|): The most common SAS data, a one-dimensional set of data.",
        None,
        "NXcanSAS",
        None,
        None,
    ),
    # spec2nexus: the scan's time is `date`
    "punx/02_03_setup.h5": (
        "1  ascan  mr 10.3467 10.3426  30 0.1",
        "2016-02-03T16:52:03",
        None,
        None,
        None,
    ),
    "punx/33id_spec_22_2D.hdf5": (
        "22  mesh  eta 57 57.1 10  chi 90.9 91 10  1",
        "2003-07-17T03:30:31",
        "NXspecdata",
        None,
        None,
    ),
    # ten entries, the root's @default names AF1410_10
    "punx/cs_af1410.h5": (
        "AF1410-10 (AF1410 steel aged 10 h)",
        None,
        "NXcanSAS",
        "NIST/CNRF SANS",
        None,
    ),
    "punx/DLS_i03_i04_NXmx_Therm_6_2.nxs": (None, "2019-02-14T14:25:57", "NXmx", None, None),
    "punx/Data_Q.h5": (None, "2014-04-25T09:33:43.637", None, None, None),
    "punx/Qx_rank4_test_data.h5": (
        "I(t,T,P,Q(t,T,P)): several varied parameters",
        None,
        "NXcanSAS",
        None,
        None,
    ),
    # EPICS areaDetector: a month-first time; NXsample/name is a NaN
    "punx/S2p5min_00070_00001.h5": (None, "2022-04-19T14:41:59", None, "SAXS/GISAXS", None),
    "punx/USAXS_flyScan_GC_M4_NewD_15.h5": (
        "GC_M4_NewD",
        None,
        None,
        "APS USAXS at 9-ID-C",
        "GC_M4_NewD",
    ),
    "punx/chopper.nxs": (
        "MgB2 PDOS 43.37g 8K 120meV E0@240Hz T0@120Hz",
        "2001-02-07T08:54:21-06:00",
        None,
        "LRMECS",
        None,
    ),
    # two entries, no times, no @default: silx's name order puts entry1 first
    "punx/example_mapping.nxs": ("Example Mapping Scan", None, None, None, None),
    # the title ends with a newline; the definition names no application definition
    "punx/scan101.nxs": ("{experiment-type}", "2013-09-28T04:50:48+01:00", "NXentry", None, None),
    "sasdata/FK403_0006_Nika.hdf": ("FK403_0006_270_30", None, "NXcanSAS", None, None),
    "sasdata/33837rear_1D_1.75_16.5_NXcanSAS_v3.h5": (
        "MH4_5deg_16T_SLOW",
        None,
        "NXcanSAS",
        "SANS2D",
        None,
    ),
    # Mantid 3.6's draft writer: canSAS class names in NX_class (SASentry...)
    "sasdata/33837rear_1D_1.75_16.5_NXcanSAS.h5": (
        "MH4_5deg_16T_SLOW",
        None,
        "NXcanSAS",
        "SANS2D",
        None,
    ),
    "sasdata/14250_2D_NoDetInfo_NXcanSAS_v3.h5": (
        "High C high V 63, 900oC, 10h 1.65T_SANS",
        None,
        "NXcanSAS",
        "LARMOR",
        None,
    ),
    "nexpy/example.nxs": ("Example Data", None, None, None, None),
    "pynxtools/201805_WSe2_arpes.nxs": (
        "Excited-state dynamics of WSe2 in the Valence Band and Core-Levels",
        "2018-05-01T07:22:00+02:00",
        "NXarpes",
        "HEXTOF @ PG-2, Flash",
        "WSe2",
    ),
    "nexgen/xrc_209_master.h5": (
        None,
        "2024-07-24T10:09:13Z",
        "NXmx",
        "DIAMOND BEAMLINE i03",
        None,
    ),
    "nexgen/00001.h5": None,  # a detector's data file: no NXentry
    "nexus-code/dmc01.h5": (
        "Ga0.94Mn0.04Sb_8mm 2.567A T=4",
        "2005-05-27 05:44:13",
        None,
        "DMC at SINQ",
        None,
    ),
    # two entries, no times: "entry" before "link"
    "nexus-code/NXtest.h5": (None, None, None, None, None),
}


def read_plain_title(path: Path) -> str | None:
    """The title of a file's only entry, or of the one its root's @default names."""
    with h5py.File(path, "r") as f:
        named = f.attrs.get("default")
        entries = [k for k in f if isinstance(f.get(k), h5py.Group)]
        name = named.decode() if isinstance(named, bytes) else named
        name = name if name in entries else (entries[0] if len(entries) == 1 else None)
        title = f.get(f"{name}/title") if name else None
        value = title[()] if isinstance(title, h5py.Dataset) else None
    value = value.reshape(-1)[0] if hasattr(value, "reshape") else value
    return value.decode().strip() if isinstance(value, bytes) else value


@pytest.mark.parametrize("real", REAL_FILES, ids=real_name)
def test_real_file(indexed: Indexed, real: RealFile) -> None:
    name = real_name(real)
    path = indexed.paths[name]
    assert reported(indexed, name) == [], "a real file was not indexed"
    recorded = get_recorded(indexed, f"P-{name}", path)
    assert recorded is not None
    key = real.path.relative_to(DATA).as_posix()
    if key not in REAL_RECORDS:  # a file added since: what its main entry's title says
        assert recorded.title == read_plain_title(real.path)
        return
    expected = REAL_RECORDS[key]
    if expected is None:
        assert recorded == Recorded(None, None, None, None, None)
        with indexed.sessions() as session:
            assert session.scalar(select(Datafile.datafileFormat).filter_by(location=str(path)))
        return
    title, start, definition, instrument, sample = expected
    assert recorded == Recorded(
        title=title,
        start=utc(start),
        definition_technique=expect_technique(definition),
        instrument=instrument,
        sample=sample,
    )
