"""The hub demo's data as the catalogue sees it: what `make demo` shows the PaN portal.

hub_config/demo/make_data.py writes the files (tests/hub/test_demo.py tests it), the
catalogue imports hub_config/demo/proposals.toml and indexes them, as
``panhub.demo.bring_up`` does.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from panhub_catalogue.identity import Identity
from panhub_catalogue.ingest.indexer import PANET
from panhub_catalogue.model import (
    Affiliation,
    Dataset,
    DatasetParameter,
    Investigation,
    InvestigationTechnique,
    InvestigationUser,
    ParameterType,
    Sample,
    Technique,
    User,
)
from panhub_catalogue.units import tidy
from panhub_catalogue.visibility import visible_investigations
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.support.demo_catalogue import NOW, build_hub_demo


@pytest.fixture
def demo(sqlite_sessions: sessionmaker[Session], tmp_path: Path) -> sessionmaker[Session]:
    """The demo's directory imported and its files indexed (the Eiger stacks left out)."""
    build_hub_demo(sqlite_sessions, tmp_path)
    return sqlite_sessions


def test_public_proposals_across_beamlines_and_techniques(demo: sessionmaker[Session]) -> None:
    with demo() as session:
        public = select(Investigation.id).where(visible_investigations(Identity(), NOW))
        rows = session.execute(
            select(Investigation.name, Technique.name, Technique.pid)
            .join(
                InvestigationTechnique, InvestigationTechnique.investigation_id == Investigation.id
            )
            .join(Technique, Technique.id == InvestigationTechnique.technique_id)
            .where(Investigation.id.in_(public))
            .order_by(Investigation.name)
        )
        assert [(name, technique) for name, technique, _ in rows] == [
            ("20210005", "macromolecular crystallography"),
            ("20220004", "x-ray powder diffraction"),
            ("20220006", "x-ray absorption spectroscopy"),
            ("20220007", "x-ray tomography"),
            ("20220008", "small angle scattering"),
            ("20220009", "x-ray powder diffraction"),
        ]
        pids = session.scalars(select(Technique.pid)).all()
        assert pids and all(p and p.startswith(PANET + "PaNET") for p in pids)


def test_members_of_public_proposals_have_affiliations(demo: sessionmaker[Session]) -> None:
    with demo() as session:
        public = select(Investigation.id).where(visible_investigations(Identity(), NOW))
        rows = session.execute(
            select(
                Investigation.name,
                User.fullName,
                User.orcidId,
                InvestigationUser.role,
                Affiliation.name,
                Affiliation.pid,
            )
            .join(InvestigationUser.investigation)
            .join(InvestigationUser.user)
            .join(InvestigationUser.affiliation)
            .where(Investigation.id.in_(public), InvestigationUser.role == "PI")
            .order_by(Investigation.name)
        )
        uab = ("Universitat Autònoma de Barcelona", "https://ror.org/052g8jq94")
        assert [tuple(r) for r in rows] == [
            ("20210005", "Alice Arnau", "0000-0000-0000-0116", "PI", *uab),
            (
                "20220006",
                "Bob Bosch",
                "0000-0000-0000-0124",
                "PI",
                "Universitat de Barcelona",
                None,
            ),
            (
                "20220007",
                "Carol Casals",
                "0000-0000-0000-0132",
                "PI",
                "ALBA Synchrotron Light Source",
                "https://ror.org/02j9n6e35",
            ),
            ("20220008", "Alice Arnau", "0000-0000-0000-0116", "PI", *uab),
            (
                "20220009",
                "Bob Bosch",
                "0000-0000-0000-0124",
                "PI",
                "Universitat de Barcelona",
                None,
            ),
        ]
        unaffiliated = session.scalars(
            select(InvestigationUser.id).where(InvestigationUser.affiliation_id.is_(None))
        )
        assert unaffiliated.all() == []


def parameters(session: Session, proposal: str, name: str) -> set[tuple[object, ...]]:
    """(sample, value, units, SI value) of parameter ``name`` in ``proposal``'s datasets."""
    rows = session.execute(
        select(
            Sample.name,
            DatasetParameter.numericValue,
            DatasetParameter.stringValue,
            ParameterType.units,
            ParameterType.siFactor,
            ParameterType.siOffset,
        )
        .join(Dataset, Dataset.id == DatasetParameter.dataset_id)
        .join(Sample, Sample.id == Dataset.sample_id)
        .join(Investigation, Investigation.id == Dataset.investigation_id)
        .join(ParameterType, ParameterType.id == DatasetParameter.type_id)
        .where(Investigation.name == proposal, ParameterType.name == name)
    )
    return {
        (sample, number if number is not None else text, units,
         None if factor is None or number is None else tidy(number * factor + offset))
        for sample, number, text, units, factor, offset in rows
    }  # fmt: skip


def test_samples_and_parameters_with_units(demo: sessionmaker[Session]) -> None:
    with demo() as session:
        samples = session.execute(
            select(Sample.name, Sample.description)
            .join(Investigation, Investigation.id == Sample.investigation_id)
            .where(Investigation.name == "20220009")
        )
        assert samples.all() == [
            ("ammonia-borane", "NH3BH3 in a diamond anvil cell, neon as pressure medium")
        ]
        assert parameters(session, "20220009", "sample_pressure") == {
            ("ammonia-borane", 5.0, "GPa", 5e9)
        }
        assert parameters(session, "20220009", "sample_chemical_formula") == {
            ("ammonia-borane", "BH6N", "", None)
        }
        assert parameters(session, "20210005", "incident_wavelength") == {
            ("lipase-SeMet", 0.9795, "angstrom", 9.795e-11)  # in metres
        }
        assert parameters(session, "20210005", "incident_photon_energy") == set()
        joules = tidy(8.979e3 * 1.602176634e-19)  # an electronvolt is 1.602176634e-19 J
        assert parameters(session, "20220006", "incident_photon_energy") == {
            ("Cu-SSZ-13", 8.979, "keV", joules),
            ("CuO-reference", 8.979, "keV", joules),
        }
        assert parameters(session, "20260002", "sample_temperature") == {
            ("PS-b-PMMA-film", 150.0, "celsius", 423.15)
        }
