"""The demo's accounts and data: DEMO_USERS, the proposals and acquisitions files, make_data.py.

The catalogue's view of the same files (techniques, samples, parameters, people) is
tested in tests/catalogue/test_demo_data.py.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import tomllib
from pathlib import Path
from typing import Any

import h5py
import pytest
from panhub.demo import DEMO_USERS
from panhub.proposals import StaticFileSource, resolve_access

from hub_config.demo import make_data
from tests.support.demo_catalogue import write_demo_files
from tests.support.nexus import assert_nexus_valid

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
        assert acquisition["technique"] in make_data.TECHNIQUES, pid
        assert ("energy" in acquisition) != ("wavelength" in acquisition), pid
        assert acquisition["samples"], pid
    techniques = {a["technique"] for a in acquired["proposals"].values()}
    assert techniques == set(make_data.TECHNIQUES)  # a template for each, on demo data


def test_entry_fields_say_what_the_acquisition_says() -> None:
    sample = {"name": "ab", "chemical_formula": "BH6N", "temperature": 298.0,
              "pressure": 5.0, "pressure_units": "GPa"}  # fmt: skip
    powder = {"technique": "powder", "wavelength": 0.4246}
    fields = make_data.entry_fields("T", dt.date(2022, 11, 28), 3, "BL04-MSPD", powder, sample)
    assert {f.path: (f.value, f.units) for f in fields} == {
        "title": ("T", None),
        "start_time": ("2022-11-28T09:21:00+00:00", None),
        "end_time": ("2022-11-28T09:26:00+00:00", None),
        "instrument/name": ("BL04-MSPD", None),
        "sample/name": ("ab", None),
        "sample/description": (None, None),  # not recorded: the generator's is removed
        "sample/chemical_formula": ("BH6N", None),
        "sample/temperature": (298.0, "K"),
        "sample/pressure": (5.0, "GPa"),
    }  # the powder writer records the beam itself, from the wavelength it is given
    tomo = {"technique": "tomo", "energy": 0.52}
    fields = make_data.entry_fields("T", dt.date(2022, 11, 28), 3, "BL09-MISTRAL", tomo)
    assert make_data.Field("instrument/monochromator/energy", 0.52, "keV") in fields


def plan(pid: str, tmp_path: Path) -> list[make_data.DemoFile]:
    info = load("proposals.toml")["proposals"][pid]
    return make_data.plan_files(pid, info, load("acquisitions.toml")["proposals"][pid], tmp_path, 0)


def test_the_files_are_the_techniques_own_with_the_acquisitions_metadata(tmp_path: Path) -> None:
    """The template's generator writes the file (its definition, its beam), the
    acquisition its entry's title, times, beamline and sample."""
    powder = plan("20220009", tmp_path)[2]
    powder.path.parent.mkdir(parents=True)
    make_data.write_file(powder, os.getgid())
    assert oct(powder.path.stat().st_mode & 0o777) == "0o640"
    with h5py.File(powder.path) as f:
        entry = f["entry"]
        assert entry["definition"][()] == b"NXmx"  # the generator's, not overwritten
        assert entry["instrument/beam/incident_wavelength"][()] == pytest.approx(0.4246)
        assert entry["instrument/name"][()] == b"BL04-MSPD"
        assert entry["sample/name"][()] == b"ammonia-borane"
        assert entry["sample/pressure"].attrs["units"] == "GPa"
        assert entry["data/data"].shape[-2:] == (1043, 981)  # the image is kept
        assert f.attrs["panhub_demo"] == make_data.VERSION
    assert sorted(p.name for p in powder.path.parent.iterdir()) == [powder.path.name]
    mx = plan("20210005", tmp_path)[1]
    mx.path.parent.mkdir(parents=True)
    make_data.write_file(mx, os.getgid())
    assert sorted(p.name for p in mx.path.parent.iterdir()) == [
        "20210005_scan0002_mx.mtz",  # the processing result the MX template checks
        "20210005_scan0002_mx.nxs",
    ]
    assert all(p.stat().st_mode & 0o777 == 0o640 for p in mx.path.parent.iterdir())


def test_a_second_run_changes_nothing_and_an_older_demos_files_are_replaced(
    tmp_path: Path,
) -> None:
    """A demo machine keeps its files: bringing the demo up again rewrites only what an
    older version of make_data.py wrote, and removes what it wrote under other names."""
    pid = "20220006"  # XAS: small files
    info = load("proposals.toml")["proposals"][pid]
    proposals = tmp_path / "proposals.toml"
    proposals.write_text(
        f"[proposals.{pid}]\nbeamline = {json.dumps(info['beamline'])}\n"
        f"title = {json.dumps(info['title'])}\nstart_date = {info['start_date'].isoformat()}\n"
    )
    root = tmp_path / "data"
    (root / pid / "raw").mkdir(parents=True)
    assert make_data.main(str(proposals), str(root)) == 0
    files = sorted((p for p in (root / pid).rglob("*") if p.is_file()), key=lambda p: p.name)
    assert [p.name for p in files] == [
        "20220006_Cu-SSZ-13_scan0003.nxs",
        "20220006_CuO-reference_scan0004.nxs",
        "20220006_scan0001_eiger.nxs",
        "20220006_scan0002_xas.nxs",
    ]
    mtimes = {p: p.stat().st_mtime_ns for p in files}
    assert make_data.main(str(proposals), str(root)) == 0
    assert {p: p.stat().st_mtime_ns for p in files} == mtimes
    xas = root / pid / "raw" / "20220006_scan0002_xas.nxs"
    with h5py.File(xas, "r+") as f:  # as version 1 left it
        del f.attrs["panhub_demo"]
        f["entry/definition"][()] = "NXsas"
    older = root / pid / "raw" / "20220006_scan0002_saxs.nxs"
    older.write_bytes(b"a SAXS curve of version 1")
    assert make_data.main(str(proposals), str(root)) == 0
    assert not older.exists()
    with h5py.File(xas) as f:
        assert f["entry/definition"][()] == b"NXxas"
    assert {p: p.stat().st_mtime_ns for p in files if p != xas} == {
        p: t for p, t in mtimes.items() if p != xas
    }
    assert not list(root.rglob("*.partial"))


def test_samples_get_a_folder_each(tmp_path: Path) -> None:
    files = plan("20220004", tmp_path)
    assert [f.path.relative_to(tmp_path).as_posix() for f in files] == [
        "20220004/raw/20220004_scan0001_eiger.nxs",
        "20220004/raw/20220004_scan0002_powder.nxs",
        "20220004/raw/silicalite-1/20220004_silicalite-1_scan0003.nxs",
        "20220004/raw/SSZ-13/20220004_SSZ-13_scan0004.nxs",
    ]
    info = load("proposals.toml")["proposals"]["20220004"]
    acquisition = load("acquisitions.toml")["proposals"]["20220004"]
    bad = {**acquisition, "samples": [{"name": "../x"}]}
    with pytest.raises(ValueError, match=re.escape("invalid sample name '../x'")):
        make_data.plan_files("20220004", info, bad, tmp_path, 0)
    unknown = {**acquisition, "technique": "ARPES"}
    with pytest.raises(ValueError, match=re.escape("unknown technique 'ARPES'")):
        make_data.plan_files("20220004", info, unknown, tmp_path, 0)


def test_every_demo_file_is_valid_nexus_with_its_proposals_metadata(tmp_path: Path) -> None:
    """What a demo user opens, indexes or runs a template on validates against its
    application definition, and its entry says its proposal's beamline."""
    write_demo_files(tmp_path)  # all but the stacks (one is checked below)
    proposals = load("proposals.toml")["proposals"]
    files = sorted(tmp_path.rglob("*.nxs"))
    assert len(files) == 22
    stack = plan("20220007", tmp_path / "stack")[0]
    stack.path.parent.mkdir(parents=True)
    make_data.write_file(stack, os.getgid())
    for path in [*files, stack.path]:
        assert_nexus_valid(path)
        parts = path.relative_to(tmp_path).parts
        pid = parts[parts.index("raw") - 1]
        with h5py.File(path) as f:
            assert f["entry/instrument/name"][()].decode() == proposals[pid]["beamline"], path
