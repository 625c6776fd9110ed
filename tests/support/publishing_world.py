"""A small catalogue for the publishing tests, the options that point at a DataCite stand-in,
and a clock the tests move.

Two proposals (``catalogue_world.build``, then a second dataset and file each):

- ``P-PUB`` on BL13, released 10 days before :data:`NOW`; ana (PI, with ORCID and a ROR
  affiliation) and ben are members;
- ``P-EMB`` on BL22, under embargo for 100 more days; ben is its PI.

dai is staff of BL13 and chloe of BL22 (InstrumentScientist rows); eve is nobody;
``root`` is an admin (``identify_from_header``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from panhub_catalogue.model import (
    Affiliation,
    Datafile,
    Dataset,
    InvestigationUser,
    User,
)
from panhub_catalogue.publish.document import DocumentSettings
from panhub_catalogue.publish.minting import DataCiteAccount
from panhub_catalogue.publish.options import PublishOptions
from panhub_catalogue.publish.standin import DataCiteStandIn
from panhub_catalogue.store import refresh_investigation
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.support.catalogue_world import NOW, Proposal, World, build

LANDING = "https://data.example.org/services/catalogue/"
ROR = "https://ror.org/02j9n6e35"
ORCID = "0000-0002-1825-0097"
WORLD = World(
    (
        Proposal(
            "P-PUB",
            "BL13",
            (("ana", "PI"), ("ben", "member")),
            release_days=-10,
            title="Cathodes",
            technique="x-ray absorption spectroscopy",
        ),
        Proposal("P-EMB", "BL22", (("ben", "PI"),), release_days=100, title="Anodes"),
    ),
    staff=(("dai", "BL13"), ("chloe", "BL22")),
)


@dataclass
class Ids:
    """Row ids by name: investigations by proposal, datasets and files by (proposal, n)."""

    investigations: dict[str, int] = field(default_factory=dict)
    datasets: dict[tuple[str, int], int] = field(default_factory=dict)
    datafiles: dict[tuple[str, int], int] = field(default_factory=dict)


class Clock:
    """The service's clock, moved by the tests (``clock.now += timedelta(...)``)."""

    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def build_world(session: Session) -> Ids:
    """Insert :data:`WORLD` with two datasets of one file each per proposal."""
    ids = Ids(build(session, WORLD))
    for proposal, investigation_id in ids.investigations.items():
        first = session.scalars(
            select(Dataset).where(Dataset.investigation_id == investigation_id)
        ).one()
        second = Dataset(
            investigation_id=investigation_id,
            name="raw/scan0002",
            type="raw",
            startDate=first.startDate,
            endDate=(first.startDate or NOW) + timedelta(hours=2),
        )
        session.add(second)
        session.flush()
        session.add(
            Datafile(
                dataset_id=second.id,
                name="scan0002.nxs",
                location=f"/data/{proposal}/raw/scan0002/scan0002.nxs",
                fileSize=500,
                datafileFormat="application/x-hdf5",
            )
        )
        session.flush()
        refresh_investigation(session, investigation_id)
        for n, dataset in enumerate((first, second), 1):
            ids.datasets[(proposal, n)] = dataset.id
            ids.datafiles[(proposal, n)] = session.scalars(
                select(Datafile.id).where(Datafile.dataset_id == dataset.id)
            ).one()
    ana = session.scalars(select(User).where(User.name == "ana")).one()
    ana.givenName, ana.familyName, ana.orcidId = "Ana", "Example", ORCID
    university = Affiliation(name="University of Examples", pid=ROR)
    session.add(university)
    session.flush()
    for membership in session.scalars(
        select(InvestigationUser).where(InvestigationUser.user_id == ana.id)
    ):
        membership.affiliation_id = university.id
    session.commit()
    return ids


def make_options(
    standin: DataCiteStandIn | None, landing: str = LANDING, review_required: bool = True
) -> PublishOptions:
    """Publishing options minting at ``standin`` (no account for ``None``)."""
    account = None
    if standin is not None:
        account = DataCiteAccount(
            standin.url, standin.username, standin.password, standin.prefix, 10
        )
    return PublishOptions(
        document=DocumentSettings("PANHUB Light Source", ROR, "CC-BY-4.0", landing),
        account=account,
        prefix=standin.prefix if standin is not None else "10.80001",
        review_required=review_required,
    )
