"""Small NeXus files with known metadata, for the demo, the tests and the benchmark."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import h5py
import numpy as np


@dataclass(frozen=True)
class ScanSpec:
    """What one synthetic NeXus file says about itself.

    ``users`` are (full name, role, login); ``people`` gives some of those logins an
    (affiliation, ORCID iD), written into their ``NXuser`` groups. ``wavelength_angstrom``
    goes into an ``NXbeam`` of the instrument (``incident_wavelength``, as NXmx has it),
    ``energy_kev`` into its ``NXmonochromator``.
    """

    title: str
    start: datetime
    definition: str = "NXxas"
    instrument: str = "BL22"
    sample: str = "sample"
    users: Sequence[tuple[str, str, str]] = field(default=())  # (full name, role, login)
    temperature_k: float | None = 295.0
    energy_kev: float | None = 12.4
    frame_shape: tuple[int, ...] = (4, 8)
    sample_description: str | None = None
    chemical_formula: str | None = None
    pressure_pa: float | None = None
    wavelength_angstrom: float | None = None
    people: Mapping[str, tuple[str, str]] = field(default_factory=dict)


def _number(group: h5py.Group, name: str, value: float, units: str) -> None:
    group[name] = value
    group[name].attrs["units"] = units


def write_scan(path: Path, spec: ScanSpec) -> Path:
    """Write ``spec`` as a NeXus file with one NXentry (parents are created)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with h5py.File(path, "w") as f:
        f.attrs["default"] = "entry"
        entry = f.create_group("entry")
        entry.attrs["NX_class"] = "NXentry"
        entry["title"] = spec.title
        entry["definition"] = spec.definition
        entry["start_time"] = spec.start.isoformat() + "Z"
        entry["end_time"] = (spec.start + timedelta(minutes=5)).isoformat() + "Z"
        instrument = entry.create_group("instrument")
        instrument.attrs["NX_class"] = "NXinstrument"
        instrument["name"] = spec.instrument
        if spec.energy_kev is not None:
            mono = instrument.create_group("monochromator")
            mono.attrs["NX_class"] = "NXmonochromator"
            _number(mono, "energy", spec.energy_kev, "keV")
        if spec.wavelength_angstrom is not None:
            beam = instrument.create_group("beam")
            beam.attrs["NX_class"] = "NXbeam"
            _number(beam, "incident_wavelength", spec.wavelength_angstrom, "angstrom")
        sample = entry.create_group("sample")
        sample.attrs["NX_class"] = "NXsample"
        sample["name"] = spec.sample
        if spec.sample_description is not None:
            sample["description"] = spec.sample_description
        if spec.chemical_formula is not None:
            sample["chemical_formula"] = spec.chemical_formula
        if spec.temperature_k is not None:
            _number(sample, "temperature", spec.temperature_k, "K")
        if spec.pressure_pa is not None:
            _number(sample, "pressure", spec.pressure_pa, "Pa")
        for number, (name, role, login) in enumerate(spec.users):
            user = entry.create_group(f"user_{number}")
            user.attrs["NX_class"] = "NXuser"
            user["name"] = name
            user["role"] = role
            user["facility_user_id"] = login
            if login in spec.people:
                affiliation, orcid = spec.people[login]
                user["affiliation"] = affiliation
                user["ORCID"] = f"https://orcid.org/{orcid}"  # NeXus: the iD as a URI
        data = entry.create_group("data")
        data.attrs["NX_class"] = "NXdata"
        data.attrs["signal"] = "data"
        data["data"] = np.arange(int(np.prod(spec.frame_shape)), dtype="uint16").reshape(
            spec.frame_shape
        )
    return path


#: Demo proposals: name -> (beamline, definition, title, members as (full name, role, login)).
DEMO_PROPOSALS: dict[str, tuple[str, str, str, tuple[tuple[str, str, str], ...]]] = {
    "2023015001": (
        "BL13",
        "NXmx",
        "Lysozyme crystals soaked with gadolinium",
        (("Ana Alba", "PI", "ana"), ("Ben Bragg", "member", "ben")),
    ),
    "2024025002": (
        "BL22",
        "NXxas",
        "Operando XAS of a LiNiO2 battery cathode",
        (("Ben Bragg", "PI", "ben"),),
    ),
    "2025035003": (
        "BL11",
        "NXsas",
        "Small angle scattering of silica nanoparticles",
        (("Chloe Curie", "PI", "chloe"), ("Ana Alba", "member", "ana")),
    ),
}


#: Demo people: login -> (affiliation, ORCID iD); the iDs are ORCID-shaped with right
#: check digits, from a block ORCID does not assign (no real person's).
DEMO_PEOPLE: dict[str, tuple[str, str]] = {
    "ana": ("ALBA Synchrotron Light Source", "0000-0000-0000-001X"),
    "ben": ("Universitat Autònoma de Barcelona", "0000-0000-0000-0028"),
    "chloe": ("Universitat de Barcelona", "0000-0000-0000-0036"),
}

#: Demo samples and beams: proposal -> (description, chemical formula, what the
#: beam is: ``("keV", energy)`` or ``("angstrom", wavelength)``).
DEMO_SAMPLES: dict[str, tuple[str, str, tuple[str, float]]] = {
    "2023015001": (
        "Hen egg-white lysozyme crystals soaked in 100 mM GdCl3",
        "C613H959N193O185S10",
        ("angstrom", 0.9793),
    ),
    "2024025002": (
        "LiNiO2 cathode in a coin cell, charged at C/10",
        "LiNiO2",
        ("keV", 8.333),
    ),
    "2025035003": ("Silica nanoparticles (50 nm) in water, 1 mg/ml", "SiO2", ("keV", 12.4)),
}


def make_demo_proposals(root: Path, scans: int = 3) -> list[Path]:
    """Write the demo proposals under ``root/<proposal>/{raw,processed}``; return the files.

    The first proposal started in 2023 (so with a 3-year embargo it is public from 2026),
    the others later. Existing files are left untouched, so calling this twice is safe.
    """
    written: list[Path] = []
    for number, (proposal, (beamline, definition, title, users)) in enumerate(
        DEMO_PROPOSALS.items()
    ):
        start = datetime(2023 + number, 3, 1, 9, 0, 0)
        description, formula, (unit, beam) = DEMO_SAMPLES[proposal]
        for scan in range(1, scans + 1):
            path = root / proposal / "raw" / f"sample{number + 1}" / f"scan{scan:04d}.nxs"
            if not path.exists():
                spec = ScanSpec(
                    title=title,
                    start=start + timedelta(hours=scan),
                    definition=definition,
                    instrument=beamline,
                    sample=f"sample{number + 1}",
                    users=users,
                    sample_description=description,
                    chemical_formula=formula,
                    energy_kev=beam if unit == "keV" else None,
                    wavelength_angstrom=beam if unit == "angstrom" else None,
                    people=DEMO_PEOPLE,
                )
                write_scan(path, spec)
            written.append(path)
        notes = root / proposal / "processed" / "reduction" / "notes.txt"
        if not notes.exists():
            notes.parent.mkdir(parents=True, exist_ok=True)
            notes.write_text(f"reduction notes for {proposal}\n")
        written.append(notes)
    return written
