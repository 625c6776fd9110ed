"""The demo's accounts and data: DEMO_USERS, the proposals and acquisitions files, make_data.py.

The catalogue's view of the same files (techniques, samples, parameters, people) is
tested in tests/catalogue/test_demo_data.py.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from pathlib import Path
from typing import Any

import h5py
import pytest
from panhub.demo import DEMO_USERS
from panhub.proposals import StaticFileSource, resolve_access

from hub_config.demo import make_data

DEMO = Path(__file__).parents[2] / "hub_config" / "demo"
#: the demo's proposals whose 3-year embargo was over by mid 2026
RELEASED_BY = dt.date(2023, 6, 1)


def load(name: str) -> dict[str, Any]:
    with open(DEMO / name, "rb") as stream:
        return tomllib.load(stream)


def test_demo_users_see_what_the_proposals_file_says() -> None:
    """tests/integration/test_privacy.py trusts DEMO_USERS for what each user may read."""
    directory = StaticFileSource(DEMO / "proposals.toml").get_directory()
    for user in DEMO_USERS:
        access = resolve_access(user.name, directory)
        assert list(user.proposals) == sorted(access.proposals), user.name


def test_public_proposals_show_people_across_beamlines() -> None:
    data = load("proposals.toml")
    proposals, people = data["proposals"], data["people"]
    public = {p: info for p, info in proposals.items() if info["start_date"] < RELEASED_BY}
    assert len(public) >= 5
    assert len({info["beamline"] for info in public.values()}) >= 4
    for pid, info in public.items():
        for member in info["members"]:
            assert people[member]["affiliation"] in data["affiliations"], (pid, member)
        if info["members"]:
            assert info["principal_investigator"] in info["members"], pid


def test_every_proposal_has_an_acquisition() -> None:
    proposals, acquired = load("proposals.toml")["proposals"], load("acquisitions.toml")
    assert set(acquired["proposals"]) == set(proposals)
    for pid, acquisition in acquired["proposals"].items():
        assert acquisition["definition"].startswith("NX"), pid
        assert ("energy" in acquisition) != ("wavelength" in acquisition), pid
        assert acquisition["samples"], pid


def test_entry_fields_say_what_the_technique_files_say() -> None:
    acquisition = {"definition": "NXmonopd", "wavelength": 0.4246}
    sample = {"name": "ab", "chemical_formula": "BH6N", "temperature": 298.0,
              "pressure": 5.0, "pressure_units": "GPa"}  # fmt: skip
    fields = make_data.entry_fields("T", dt.date(2022, 11, 28), 3, "BL04-MSPD", acquisition, sample)
    assert {f.path: (f.value, f.units) for f in fields} == {
        "title": ("T", None),
        "start_time": ("2022-11-28T09:21:00+00:00", None),
        "end_time": ("2022-11-28T09:26:00+00:00", None),
        "instrument/name": ("BL04-MSPD", None),
        "definition": ("NXmonopd", None),
        "instrument/monochromator/wavelength": (0.4246, "angstrom"),
        "sample/name": ("ab", None),
        "sample/chemical_formula": ("BH6N", None),
        "sample/temperature": (298.0, "K"),
        "sample/pressure": (5.0, "GPa"),
    }


def test_files_of_an_older_demo_get_the_metadata_once(tmp_path: Path) -> None:
    """A demo machine keeps its files; bringing the demo up again adds what they lack."""
    (tmp_path / "P1" / "raw").mkdir(parents=True)
    info = {"beamline": "BL11-NCD", "title": "Fibrils", "start_date": dt.date(2026, 3, 10)}
    acquisition = load("acquisitions.toml")["proposals"]["20260001"]
    saxs = make_data.plan_files("P1", info, acquisition, tmp_path, 0)[1]
    saxs.write(saxs.path)
    old = make_data.entry_fields("Fibrils, scan 2", dt.date(2026, 3, 10), 2)
    assert make_data.add_metadata(saxs.path, old)  # what the older make_data.py wrote
    assert not make_data.add_metadata(saxs.path, old)
    with h5py.File(saxs.path) as f:  # the writer's definition, until the acquisition's
        assert f["entry/definition"][()] == b"NXcanSAS"
    assert make_data.add_metadata(saxs.path, saxs.fields)
    mtime = saxs.path.stat().st_mtime_ns
    assert not make_data.add_metadata(saxs.path, saxs.fields)
    assert saxs.path.stat().st_mtime_ns == mtime  # only read: the indexer reads it no more
    with h5py.File(saxs.path) as f:
        entry = f["entry"]
        assert entry["definition"][()] == b"NXsas"
        assert entry["sample"].attrs["NX_class"] == "NXsample"
        assert entry["sample/name"][()] == b"insulin-fibrils"
        assert entry["sample/temperature"].attrs["units"] == "K"
        assert entry["instrument/monochromator"].attrs["NX_class"] == "NXmonochromator"
        assert entry["instrument/monochromator/energy"][()] == pytest.approx(12.4)
        assert entry["integrated/I"].shape == (2000,)  # the data are kept


def test_samples_get_a_folder_each(tmp_path: Path) -> None:
    info = {"beamline": "BL04-MSPD", "title": "Zeolites", "start_date": dt.date(2022, 5, 17)}
    acquisition = load("acquisitions.toml")["proposals"]["20220004"]
    files = make_data.plan_files("20220004", info, acquisition, tmp_path, 0)
    assert [f.path.relative_to(tmp_path).as_posix() for f in files] == [
        "20220004/raw/20220004_scan0001_eiger.nxs",
        "20220004/raw/20220004_scan0002_saxs.nxs",
        "20220004/raw/silicalite-1/20220004_silicalite-1_scan0003.nxs",
        "20220004/raw/SSZ-13/20220004_SSZ-13_scan0004.nxs",
    ]
    bad = {**acquisition, "samples": [{"name": "../x"}]}
    with pytest.raises(ValueError, match=re.escape("invalid sample name '../x'")):
        make_data.plan_files("20220004", info, bad, tmp_path, 0)
