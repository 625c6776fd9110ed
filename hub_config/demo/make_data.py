"""Write the demo's sample NeXus data into each proposal's raw folder (idempotent).

Usage: python make_data.py PROPOSALS_TOML PROPOSALS_ROOT [ACQUISITIONS_TOML]

Each proposal's ``raw`` folder gets what its beamline's acquisition system would
leave there: an Eiger-like stack (bitshuffle-LZ4, with detector gaps and a pixel mask)
and a file of the proposal's technique at the top, and one file of that technique per
sample in ``raw/<sample>/``, all owned by root and readable by the proposal's group
only. The technique's files come from the generators of the template notebooks
(:mod:`panhub_nexus.synthetic`): each is valid in its application definition and
carries a known answer, so a demo user can run the technique's template on their own
proposal's data. ``acquisitions.toml`` (beside this script by default) says per
proposal which technique, the beam (passed to the writer, or recorded in the
NXmonochromator when the writer records none) and the samples (name, description,
chemical formula, temperature...), which go into each file's ``NXentry`` with its
title, times and beamline.

Each file records the version of this script that wrote it (``@panhub_demo`` on the
root): a file of the current version is left alone (a second run changes nothing), one
of an older version is written again, and files an older version wrote under names no
longer planned are removed, so that a demo brought up again shows the current data.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import re
import shutil
import sys
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import h5py
from panhub_nexus.synthetic import mx, powder, saxs, tomo, write_eiger_stack, xas

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
#: The version of the files this script writes (``@panhub_demo`` on their root).
VERSION = "2"
#: E (keV) * lambda (angstrom) for photons: h c.
KEV_ANGSTROM = 12.398419843320026


@dataclass(frozen=True)
class Field:
    """A NeXus field below the ``NXentry``: its path, value (``None``: not recorded,
    removed if the writer wrote one) and units (if any)."""

    path: str
    value: str | float | None
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
        The proposal's table of ``acquisitions.toml``: its ``energy`` or ``wavelength``
        become fields of the NXmonochromator, when the technique's writer records no
        beam of its own (:attr:`Technique.beam`).
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
    if not TECHNIQUES[str(acquisition.get("technique", "saxs"))].beam:
        for key, (name, units) in BEAM.items():
            if key in acquisition:
                value = float(acquisition[key])
                fields.append(Field(f"instrument/monochromator/{name}", value, units))
    if sample:
        fields.append(Field("sample/name", str(sample["name"])))
        for key in ("description", "chemical_formula"):  # not the writer's sample's
            fields.append(Field(f"sample/{key}", str(sample[key]) if key in sample else None))
        for key, units in QUANTITIES.items():
            if key in sample:
                unit = str(sample.get(f"{key}_units", units))
                fields.append(Field(f"sample/{key}", float(sample[key]), unit))
    return fields


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


def set_metadata(path: Path, fields: list[Field]) -> None:
    """Write ``fields`` into ``/entry`` of ``path`` (replacing the writer's values) and
    mark the file as written by this version of the script."""
    with h5py.File(path, "r+", locking=False) as f:
        entry = f["entry"]
        for field in fields:
            parent_path, _, name = field.path.rpartition("/")
            parent = _group(entry, parent_path)
            if name in parent:
                del parent[name]
            if field.value is None:
                continue
            parent[name] = field.value
            if field.units is not None:
                parent[name].attrs["units"] = field.units
        f.attrs["panhub_demo"] = VERSION


def is_current(path: Path) -> bool:
    """Whether ``path`` is a file this version of the script wrote whole."""
    try:
        with h5py.File(path, "r", locking=False) as f:
            return bool(f.attrs.get("panhub_demo") == VERSION)
    except OSError:  # half-written or not HDF5: written again
        return False


Write = Callable[[Path, int, float], object]
"""A technique's writer: ``write(path, seed, wavelength in angstrom)``."""


@dataclass(frozen=True)
class Technique:
    """How the demo writes a technique's raw files (the template's generator).

    Attributes
    ----------
    write : Write
        Writes one file (a seed per file, so the samples differ).
    beam : bool
        The writer records the beam itself (from the wavelength it is given);
        otherwise the acquisition's beam goes into the entry's NXmonochromator (for
        XAS, whose scan crosses the edge, the edge's energy).
    companions : tuple of str
        Suffixes of the files the writer leaves beside its file (MX's processing result).
    """

    write: Write
    beam: bool
    companions: tuple[str, ...] = ()


def _saxs(path: Path, seed: int, wavelength: float) -> object:
    geometry = dataclasses.replace(saxs.GEOMETRY, wavelength=wavelength)
    return saxs.write_polydisperse_spheres(path, seed=seed, geometry=geometry)


def _powder(path: Path, seed: int, wavelength: float) -> object:
    geometry = dataclasses.replace(powder.GEOMETRY, wavelength=wavelength)
    return powder.write_si_lab6(path, seed=seed, geometry=geometry)


def _partial(path: Path, suffix: str) -> Path:
    """Where the writer of ``path`` (``<name>.nxs.partial``) puts its ``suffix`` companion."""
    return path.with_name(path.name.removesuffix(".nxs.partial") + suffix + ".partial")


def _mx(path: Path, seed: int, wavelength: float) -> object:
    mtz = _partial(path, ".mtz")
    geometry = mx.Geometry(wavelength=wavelength)
    return mx.write_rotation_series(path, seed=seed, geometry=geometry, mtz_path=mtz)


#: The techniques of ``acquisitions.toml``, named as the template notebooks' folders.
TECHNIQUES: dict[str, Technique] = {
    "saxs": Technique(_saxs, beam=True),
    "powder": Technique(_powder, beam=True),
    "mx": Technique(_mx, beam=True, companions=(".mtz",)),
    "xas": Technique(lambda p, seed, _: xas.write_xas_scan(p, seed=seed), beam=False),
    "tomo": Technique(lambda p, seed, _: tomo.write_nxtomo(p, seed=seed), beam=False),
}


def get_wavelength(acquisition: Mapping[str, Any], default: float = 1.0) -> float:
    """The acquisition's wavelength (angstrom), from ``wavelength`` or ``energy`` (keV)."""
    if "wavelength" in acquisition:
        return float(acquisition["wavelength"])
    if "energy" in acquisition:
        return KEV_ANGSTROM / float(acquisition["energy"])
    return default


@dataclass(frozen=True)
class DemoFile:
    """A file of the demo: where it goes, how it is written, what its entry says."""

    path: Path
    write: Callable[[Path], object]
    fields: list[Field]
    companions: tuple[Path, ...] = ()


def plan_files(pid: str, info: Mapping[str, Any], acquisition: Mapping[str, Any], root: Path,
               seed: int) -> list[DemoFile]:  # fmt: skip
    """The files of proposal ``pid`` (``info``: its table of the proposals file)."""
    raw = root / pid / "raw"
    start = info.get("start_date", dt.date(2026, 1, 1))
    title = str(info.get("title", pid))
    beamline = info.get("beamline")
    name = str(acquisition.get("technique", ""))
    if name not in TECHNIQUES:
        raise ValueError(f"{pid}: unknown technique {name!r} (one of {sorted(TECHNIQUES)})")
    technique = TECHNIQUES[name]
    wavelength = get_wavelength(acquisition)
    samples = list(acquisition.get("samples", []))
    for sample in samples:
        if not SAMPLE_NAME.fullmatch(str(sample.get("name", ""))):
            raise ValueError(f"{pid}: invalid sample name {sample.get('name')!r}")
    first = samples[0] if samples else None

    def plan(path: Path, scan: int, sample: Mapping[str, Any] | None) -> DemoFile:
        fields = entry_fields(f"{title}, scan {scan}", start, scan, beamline, acquisition, sample)
        return DemoFile(
            path,
            lambda p: technique.write(p, 100 * seed + scan, wavelength),
            fields,
            tuple(path.with_suffix(suffix) for suffix in technique.companions),
        )

    stack = DemoFile(
        raw / f"{pid}_scan0001_eiger.nxs",
        lambda p: write_eiger_stack(
            p, shape=(1065, 1030), n_frames=20, module=(514, 1030), seed=seed, wavelength=wavelength
        ),
        # the stack records its own beam (NXmx)
        entry_fields(f"{title}, scan 1", start, 1, beamline, {"technique": "mx"}, first),
    )
    files = [stack, plan(raw / f"{pid}_scan0002_{name}.nxs", 2, first)]
    for scan, sample in enumerate(samples, start=3):
        label = str(sample["name"])
        files.append(plan(raw / label / f"{pid}_{label}_scan{scan:04d}.nxs", scan, sample))
    return files


def obsolete_files(pid: str, root: Path, planned: list[DemoFile]) -> list[Path]:
    """Files an older version of this script wrote for ``pid`` that it plans no more."""
    raw = root / pid / "raw"
    keep = {f.path for f in planned} | {c for f in planned for c in f.companions}
    older = [raw / f"{pid}_scan0002_saxs.nxs"]  # version 1 wrote a SAXS curve everywhere
    return [path for path in older if path not in keep and path.exists()]


def _own(path: Path, group: int) -> None:
    os.chown(path, 0, group)
    os.chmod(path, 0o640)


def write_file(demo: DemoFile, group: int) -> None:
    """Write ``demo`` beside its final name, then move it there (readers never see half
    a file), owned by root and readable by the proposal's ``group`` only."""
    partial = demo.path.with_name(demo.path.name + ".partial")
    demo.write(partial)
    set_metadata(partial, demo.fields)
    for companion in demo.companions:
        written = _partial(partial, companion.suffix)
        _own(written, group)
        shutil.move(written, companion)
    _own(partial, group)
    shutil.move(partial, demo.path)


def main(toml: str, root: str, acquisitions: str = str(ACQUISITIONS)) -> int:
    with open(toml, "rb") as f:
        proposals = tomllib.load(f).get("proposals", {})
    with open(acquisitions, "rb") as f:
        acquired = tomllib.load(f).get("proposals", {})
    for index, pid in enumerate(sorted(proposals)):
        group = (Path(root) / pid / "raw").stat().st_gid
        planned = plan_files(pid, proposals[pid], acquired.get(pid, {}), Path(root), index)
        for path in obsolete_files(pid, Path(root), planned):
            path.unlink()
            print(f"removed {path} (an older demo's)")
        for demo in planned:
            folder = demo.path.parent
            if not folder.exists():
                folder.mkdir(mode=0o2750)
                os.chown(folder, 0, group)
                folder.chmod(0o2750)
            if demo.path.exists() and is_current(demo.path):
                continue
            write_file(demo, group)
            print(f"wrote {demo.path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
