"""A small catalogue shaped like the PaNOSC reference's test data, written through the ORM.

The reference (panosc-eu/search-api ``data/db.json``) has documents with a principal
investigator James Chadwick, datasets measured with "x-ray absorption" on a "solid copper
cylinder", files named ``*file1*``, and parameters: a chemical formula Cu, a sample state,
a photon energy of 930 eV, a temperature of 20 celsius, a wavelength of 1064 nm (on a
dataset and on a document). Here the same facts are stored as a facility stores them,
often in another unit than the portal asks in (kelvin, keV, angstrom), and an embargoed
proposal carries every one of them too, so that a test can check it never shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from panhub_catalogue.model import (
    Affiliation,
    Datafile,
    Dataset,
    DatasetParameter,
    DatasetTechnique,
    Investigation,
    InvestigationInstrument,
    InvestigationParameter,
    InvestigationTechnique,
    InvestigationUser,
    Sample,
)
from panhub_catalogue.store import Lookup, update_search_text
from sqlalchemy.orm import Session, sessionmaker

NOW = datetime(2026, 6, 1)
XAS = ("x-ray absorption", "http://purl.org/pan-science/PaNET/PaNET01227")
SAS = ("small angle scattering", "http://purl.org/pan-science/PaNET/PaNET01124")
CHADWICK_ORCID = "0000-0002-1825-0097"


@dataclass(frozen=True)
class World:
    """Names of what :func:`build_world` wrote."""

    copper: str = "10.5072/panhub.copper"  # public, DOI as pid
    silica: str = "investigation/2021012002"  # public, no DOI
    secret: str = "investigation/2026013003"  # embargoed: must never show


def _parameter(lookup: Lookup, dataset: Dataset, name: str, value: float | str, units: str) -> None:
    kind = lookup.parameter_type(name, units, "STRING" if isinstance(value, str) else "NUMERIC")
    lookup.session.add(
        DatasetParameter(
            dataset_id=dataset.id,
            type_id=kind.id,
            numericValue=None if isinstance(value, str) else float(value),
            stringValue=value if isinstance(value, str) else None,
        )
    )


def build_world(sessions: sessionmaker[Session]) -> World:
    """Write the world into an empty, migrated catalogue."""
    with sessions() as session:
        lookup = Lookup(session)
        facility = lookup.facility("PANHUB", 1096)
        alba = Affiliation(
            name="ALBA Synchrotron Light Source", city="Cerdanyola del Vallès", country="Spain"
        )
        uni = Affiliation(name="University of Lund", city="Lund", country="Sweden")
        session.add_all([alba, uni])
        chadwick = lookup.user("jchadwick", "James Chadwick")
        chadwick.orcidId, chadwick.givenName, chadwick.familyName = (
            CHADWICK_ORCID,
            "James",
            "Chadwick",
        )
        smith = lookup.user("jsmith", "John Smith")
        quiet = lookup.user("nobody")  # no name recorded: not published under their login
        session.flush()

        def proposal(
            name: str, title: str, start: datetime, release: datetime, beamline: str, **extra: str
        ) -> Investigation:
            investigation = Investigation(
                facility_id=facility.id,
                name=name,
                visitId="",
                title=title,
                summary=extra.get("summary"),
                doi=extra.get("doi"),
                startDate=start,
                endDate=start.replace(day=start.day + 2),
                releaseDate=release,
            )
            update_search_text(investigation)
            session.add(investigation)
            session.flush()
            session.add(
                InvestigationInstrument(
                    investigation_id=investigation.id,
                    instrument_id=lookup.instrument(facility, beamline).id,
                )
            )
            return investigation

        def dataset(
            investigation: Investigation, name: str, technique: tuple[str, str], sample: Sample
        ) -> Dataset:
            row = Dataset(
                investigation_id=investigation.id,
                name=name,
                type="raw",
                startDate=investigation.startDate,
                endDate=investigation.endDate,
                sample_id=sample.id,
                fileSize=2048,
                fileCount=1,
            )
            session.add(row)
            session.flush()
            kind = lookup.technique(*technique)
            session.add(DatasetTechnique(dataset_id=row.id, technique_id=kind.id))
            lookup.add_once(
                InvestigationTechnique, investigation_id=investigation.id, technique_id=kind.id
            )
            return row

        def member(
            investigation: Investigation, user_id: int, role: str, place: Affiliation | None
        ) -> None:
            session.add(
                InvestigationUser(
                    investigation_id=investigation.id,
                    user_id=user_id,
                    role=role,
                    affiliation_id=place.id if place else None,
                )
            )

        session.flush()
        copper = proposal(
            "2020011001",
            "Copper oxidation followed in situ",
            datetime(2020, 3, 2),
            datetime(2023, 3, 2),
            "BL22",
            summary="X-ray absorption of a copper cylinder heated in air",
            doi="10.5072/panhub.copper",
        )
        silica = proposal(
            "2021012002",
            "Silica nanoparticles in water",
            datetime(2021, 4, 5),
            datetime(2024, 4, 5),
            "BL11",
            summary="Small angle scattering of a silica sol",
        )
        secret = proposal(
            "2026013003",
            "Copper oxidation under embargo",
            datetime(2026, 2, 2),
            datetime(2029, 2, 2),
            "BL22",
            summary="X-ray absorption of a copper cylinder, not yet released",
        )
        member(copper, chadwick.id, "PI", alba)
        member(copper, smith.id, "member", uni)
        member(silica, smith.id, "principal_investigator", uni)
        member(silica, quiet.id, "member", None)
        member(secret, chadwick.id, "PI", alba)
        session.flush()

        for investigation in (copper, secret):
            cylinder = Sample(
                investigation_id=investigation.id,
                name="solid copper cylinder",
                description="Cu, 5 mm diameter",
            )
            session.add(cylinder)
            session.flush()
            foil = dataset(investigation, "raw/cu_cylinder", XAS, cylinder)
            session.add(
                Datafile(
                    dataset_id=foil.id,
                    name="panosc-file1.h5",
                    location=f"/data/{investigation.name}/raw/cu_cylinder/panosc-file1.h5",
                    fileSize=1024,
                )
            )
            _parameter(lookup, foil, "sample_chemical_formula", "Cu", "")
            _parameter(lookup, foil, "sample_state", "solid", "")
            _parameter(lookup, foil, "sample_temperature", 293.15, "K")  # 20 celsius
            reference = dataset(investigation, "raw/cu_edge", XAS, cylinder)
            session.add(
                Datafile(
                    dataset_id=reference.id,
                    name="panosc-file2.h5",
                    location=f"/data/{investigation.name}/raw/cu_edge/panosc-file2.h5",
                    fileSize=1024,
                )
            )
            _parameter(lookup, reference, "incident_photon_energy", 0.93, "keV")  # 930 eV
        sol = Sample(investigation_id=silica.id, name="silica sol", description="SiO2 in water")
        session.add(sol)
        session.flush()
        saxs = dataset(silica, "raw/sol", SAS, sol)
        session.add(
            Datafile(
                dataset_id=saxs.id,
                name="sol_0001.h5",
                location="/data/2021012002/raw/sol/sol_0001.h5",
                fileSize=4096,
            )
        )
        _parameter(lookup, saxs, "incident_wavelength", 10640.0, "angstrom")  # 1064 nm
        _parameter(lookup, saxs, "sample_temperature", 25.0, "degC")
        wavelength = lookup.parameter_type("incident_wavelength", "nm")
        session.add(
            InvestigationParameter(
                investigation_id=silica.id, type_id=wavelength.id, numericValue=1064.0
            )
        )
        session.commit()
    return World()
