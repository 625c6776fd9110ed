"""Write the demo's sample NeXus data into each proposal's raw folder (idempotent).

Usage: python make_data.py PROPOSALS_TOML PROPOSALS_ROOT [ACQUISITIONS_TOML]

Each proposal gets a small Eiger-like stack (bitshuffle-LZ4, with detector gaps and a
pixel mask) and a 1D spectrum with errors at the top of its ``raw`` folder, and one
integrated curve per sample in ``raw/<sample>/``, owned by root and readable by the
proposal's group only, as an acquisition system would leave them. Their ``NXentry``
says what the technique's files say (``acquisitions.toml``, beside this script by
default): the application definition, the beamline, the monochromator's energy or
wavelength, and the sample (name, description, chemical formula, temperature...).

Files that exist are not written again; those that lack some of that metadata (written
by an older version of this script) get it added in place, so that a demo brought up
again shows the whole catalogue. A second run changes nothing.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import sys
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import h5py
import numpy as np
from panhub_nexus.synthetic import write_eiger_stack, write_spectrum

#: The acquisitions file read when none is given.
ACQUISITIONS = Path(__file__).with_name("acquisitions.toml")
#: Sample quantities and their units unless ``<quantity>_units`` says otherwise.
QUANTITIES = {"temperature": "K", "pressure": "Pa", "concentration": "mg/ml"}
#: Beam quantities of an acquisition: (field of NXmonochromator, units).
BEAM = {"energy": ("energy", "keV"), "wavelength": ("wavelength", "angstrom")}
#: NX_class of the groups the metadata goes into, by path below the NXentry.
GROUPS = {
    "instrument": "NXinstrument",
    "instrument/monochromator": "NXmonochromator",
    "sample": "NXsample",
}
#: Sample names become folder and file names.
SAMPLE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


@dataclass(frozen=True)
class Field:
    """A NeXus field below the ``NXentry``: its path, value and units (if any)."""

    path: str
    value: str | float
    units: str | None = None


def entry_fields(
    title: str,
    start: dt.date,
    scan: int,
    beamline: str | None = None,
    acquisition: Mapping[str, Any] | None = None,
    sample: Mapping[str, Any] | None = None,
) -> list[Field]:
    """What the acquisition system records in the ``NXentry`` of scan number ``scan``.

    Parameters
    ----------
    title
        The entry's title.
    start
        The proposal's start date: scan ``n`` starts at 09:00 UTC plus ``7 n`` minutes.
    scan
        The scan number.
    beamline
        ``NXinstrument/name``.
    acquisition
        The proposal's table of ``acquisitions.toml`` (``definition``, ``energy`` or
        ``wavelength``).
    sample
        One of its ``samples``.
    """
    begin = dt.datetime.combine(start, dt.time(9, 0), dt.UTC) + dt.timedelta(minutes=7 * scan)
    fields = [
        Field("title", title),
        Field("start_time", begin.isoformat()),
        Field("end_time", (begin + dt.timedelta(minutes=5)).isoformat()),
    ]
    if beamline:
        fields.append(Field("instrument/name", beamline))
    acquisition = acquisition or {}
    if "definition" in acquisition:
        fields.append(Field("definition", str(acquisition["definition"])))
    for key, (name, units) in BEAM.items():
        if key in acquisition:
            fields.append(Field(f"instrument/monochromator/{name}", float(acquisition[key]), units))
    if sample:
        fields.append(Field("sample/name", str(sample["name"])))
        for key in ("description", "chemical_formula"):
            if key in sample:
                fields.append(Field(f"sample/{key}", str(sample[key])))
        for key, units in QUANTITIES.items():
            if key in sample:
                unit = str(sample.get(f"{key}_units", units))
                fields.append(Field(f"sample/{key}", float(sample[key]), unit))
    return fields


def _holds(entry: h5py.Group, field: Field) -> bool:
    item = entry.get(field.path)
    if not isinstance(item, h5py.Dataset):
        return False
    value: Any = item[()]
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    elif isinstance(value, np.generic):
        value = value.item()
    units = item.attrs.get("units")
    if isinstance(units, bytes):
        units = units.decode()
    return bool(value == field.value and units == field.units)


def missing_fields(entry: h5py.Group, fields: Iterable[Field]) -> list[Field]:
    """The ``fields`` that ``entry`` does not hold as given (value and units)."""
    return [field for field in fields if not _holds(entry, field)]


def _group(entry: h5py.Group, path: str) -> h5py.Group:
    """The group ``path`` below ``entry``, created (with its NX_class) where missing."""
    group = entry
    walked = []
    for part in path.split("/") if path else ():
        walked.append(part)
        if part not in group:
            created = group.create_group(part)
            created.attrs["NX_class"] = GROUPS.get("/".join(walked), "NXcollection")
        group = group[part]
    return group


def add_metadata(path: Path, fields: Iterable[Field]) -> bool:
    """Write into ``/entry`` of ``path`` the ``fields`` it lacks; ``True`` if it wrote any.

    A file that holds them all is only read (its modification time stays, so the
    indexer does not read it again).
    """
    fields = list(fields)
    with h5py.File(path, "r", locking=False) as f:
        todo = missing_fields(f["entry"], fields)
    if not todo:
        return False
    with h5py.File(path, "r+", locking=False) as f:
        entry = f["entry"]
        for field in todo:
            parent_path, _, name = field.path.rpartition("/")
            parent = _group(entry, parent_path)
            if name in parent:
                del parent[name]
            parent[name] = field.value
            if field.units is not None:
                parent[name].attrs["units"] = field.units
    return True


@dataclass(frozen=True)
class DemoFile:
    """A file of the demo: where it goes, how it is written, what its entry says."""

    path: Path
    write: Callable[[Path], object]
    fields: list[Field]


def plan_files(pid: str, info: Mapping[str, Any], acquisition: Mapping[str, Any], root: Path,
               seed: int) -> list[DemoFile]:  # fmt: skip
    """The files of proposal ``pid`` (``info``: its table of the proposals file)."""
    raw = root / pid / "raw"
    start = info.get("start_date", dt.date(2026, 1, 1))
    title = str(info.get("title", pid))
    beamline = info.get("beamline")
    samples = list(acquisition.get("samples", []))
    for sample in samples:
        if not SAMPLE_NAME.fullmatch(str(sample.get("name", ""))):
            raise ValueError(f"{pid}: invalid sample name {sample.get('name')!r}")
    first = samples[0] if samples else None

    def fields(scan: int, sample: Mapping[str, Any] | None) -> list[Field]:
        return entry_fields(f"{title}, scan {scan}", start, scan, beamline, acquisition, sample)

    files = [
        DemoFile(
            raw / f"{pid}_scan0001_eiger.nxs",
            lambda p: write_eiger_stack(
                p, shape=(1065, 1030), n_frames=20, module=(514, 1030), seed=seed
            ),
            fields(1, first),
        ),
        DemoFile(
            raw / f"{pid}_scan0002_saxs.nxs",
            lambda p: write_spectrum(p, n_points=2000),
            fields(2, first),
        ),
    ]
    for scan, sample in enumerate(samples, start=3):
        name = str(sample["name"])
        files.append(
            DemoFile(
                raw / name / f"{pid}_{name}_scan{scan:04d}.nxs",
                lambda p: write_spectrum(p, n_points=500),
                fields(scan, sample),
            )
        )
    return files


def main(toml: str, root: str, acquisitions: str = str(ACQUISITIONS)) -> int:
    with open(toml, "rb") as f:
        proposals = tomllib.load(f).get("proposals", {})
    with open(acquisitions, "rb") as f:
        acquired = tomllib.load(f).get("proposals", {})
    for index, pid in enumerate(sorted(proposals)):
        group = (Path(root) / pid / "raw").stat().st_gid
        for demo in plan_files(pid, proposals[pid], acquired.get(pid, {}), Path(root), index):
            folder = demo.path.parent
            if not folder.exists():
                folder.mkdir(mode=0o2750)
                os.chown(folder, 0, group)
                folder.chmod(0o2750)
            if demo.path.exists():
                if add_metadata(demo.path, demo.fields):
                    print(f"updated {demo.path}")
                continue
            partial = demo.path.with_suffix(".partial")
            demo.write(partial)
            add_metadata(partial, demo.fields)
            os.chown(partial, 0, group)
            os.chmod(partial, 0o640)
            shutil.move(partial, demo.path)
            print(f"wrote {demo.path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
