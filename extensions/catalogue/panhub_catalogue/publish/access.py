"""Who may do what with data collections, on the rules of :mod:`panhub_catalogue.visibility`.

- **Choosing data**: every dataset and file must be visible to the caller
  (:func:`~panhub_catalogue.visibility.visible_investigations`; else "not found") and
  the caller must be entitled to its session
  (:func:`~panhub_catalogue.visibility.entitled_investigations`: admin, member or
  beamline staff; else 403). Someone who only sees released data may cite it, not
  publish it.
- **Managing** a collection (read its draft, edit, submit, return, new version,
  withdraw, delete): entitled to every session its data comes from. So the members of
  the proposal share its drafts, as they share its logbook.
- **Reviewing** (minting): a manager who is an admin, or beamline staff of one of the
  beamlines its data was measured on.

Anonymous callers are 401, hub services acting for no person 403. A collection one may
not manage is "not found" until it is minted; a minted one's metadata is public (it is
at DataCite), so changing it answers 403.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, case, func, not_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from panhub_catalogue.errors import Forbidden, NotFound, Unauthorized
from panhub_catalogue.identity import Identity
from panhub_catalogue.model import (
    MINTED,
    DataCollection,
    Datafile,
    Dataset,
    Instrument,
    Investigation,
    InvestigationInstrument,
)
from panhub_catalogue.publish.items import collection_links
from panhub_catalogue.visibility import (
    collection_investigations,
    entitled_investigations,
    resolve_identity,
    visible_investigations,
)


def require_person(identity: Identity, what: str = "publish data") -> str:
    """The caller's user name, or 401 (anonymous) / 403 (a hub service)."""
    if identity.username is None:
        if identity.service is not None:
            raise Forbidden(f"a hub service cannot {what}: it acts for no person")
        raise Unauthorized(f"sign in to {what}")
    return identity.username


def check_datasets(session: Session, identity: Identity, ids: list[int], now: datetime) -> None:
    """Every dataset is visible (else 404) and its session entitles the caller (else 403)."""
    check_items(session, identity, select(Dataset.id), Dataset.id, "dataset", ids, now)


def check_datafiles(session: Session, identity: Identity, ids: list[int], now: datetime) -> None:
    """Every file is visible (else 404) and its session entitles the caller (else 403)."""
    query = select(Datafile.id).join(Dataset, Dataset.id == Datafile.dataset_id)
    check_items(session, identity, query, Datafile.id, "datafile", ids, now)


def check_items(
    session: Session,
    identity: Identity,
    query: Select[int],
    key: InstrumentedAttribute[int],
    kind: str,
    ids: list[int],
    now: datetime,
) -> None:
    """``query`` (item ids, joined down to their dataset) checked for every id in ``ids``."""
    if not ids:
        return
    rows = session.execute(
        query.add_columns(Investigation.name, case((entitled_investigations(identity), 1), else_=0))
        .join(Investigation, Investigation.id == Dataset.investigation_id)
        .where(key.in_(ids), visible_investigations(identity, now))
    ).all()
    check_rows(kind, ids, [tuple(r) for r in rows])


def check_rows(kind: str, ids: list[int], rows: Sequence[tuple[Any, ...]]) -> None:
    """404 for the first id not among the visible ``rows``, 403 for one not entitled."""
    found = {row[0] for row in rows}
    missing = [i for i in ids if i not in found]
    if missing:
        raise NotFound(f"no {kind} {missing[0]}")
    refused = sorted({row[1] for row in rows if not row[2]})
    if refused:
        raise Forbidden(
            f"only members of proposal {refused[0]}, its beamline staff and admins may "
            "publish its data"
        )


def count_entitled(session: Session, identity: Identity, collection_id: int) -> tuple[int, int]:
    """How many sessions the collection's data comes from, and how many entitle the caller."""
    total, entitled = session.execute(
        select(func.count(), func.count(case((entitled_investigations(identity), 1)))).where(
            collection_investigations(collection_id)
        )
    ).one()
    return int(total), int(entitled)


def may_manage(session: Session, identity: Identity, collection_id: int) -> bool:
    """Admin, or entitled to every session of a collection that has data."""
    if identity.username is None:
        return False
    total, entitled = count_entitled(session, identity, collection_id)
    return resolve_identity(session, identity).admin or (total > 0 and total == entitled)


def get_beamline_names(session: Session, collection_id: int) -> set[str]:
    """Names of the beamlines the collection's data was measured on."""
    return set(
        session.scalars(
            select(Instrument.name)
            .join(InvestigationInstrument, InvestigationInstrument.instrument_id == Instrument.id)
            .join(Investigation, Investigation.id == InvestigationInstrument.investigation_id)
            .where(collection_investigations(collection_id))
        )
    )


def may_review(session: Session, identity: Identity, collection_id: int) -> bool:
    """A manager who is an admin or staff of one of the collection's beamlines."""
    if not may_manage(session, identity, collection_id):
        return False
    resolved = resolve_identity(session, identity)
    return resolved.admin or bool(resolved.beamlines & get_beamline_names(session, collection_id))


def get_managed(
    session: Session, identity: Identity, collection_id: int, what: str = "change it"
) -> DataCollection:
    """The collection, if the caller may manage it.

    Raises
    ------
    Unauthorized, Forbidden
        Anonymous caller, or a hub service (:func:`require_person`); or the caller may
        not manage a minted collection.
    NotFound
        No such collection, or one not minted that the caller may not manage.
    """
    require_person(identity, what)
    collection = session.get(DataCollection, collection_id)
    if collection is None:
        raise NotFound(f"no data collection {collection_id}")
    if not may_manage(session, identity, collection_id):
        if collection.status == MINTED:
            raise Forbidden(
                f"only members of its proposals, their beamline staff and admins may {what}"
            )
        raise NotFound(f"no data collection {collection_id}")
    return collection


def managed_collections(session: Session, identity: Identity) -> Select[tuple[int]]:
    """Ids of the collections the caller may manage (every one for an admin)."""
    if resolve_identity(session, identity).admin:
        return select(DataCollection.id)
    links = collection_links()
    return (
        select(links.c.collection_id)
        .join(Investigation, Investigation.id == links.c.investigation_id)
        .group_by(links.c.collection_id)
        .having(func.count() == func.count(case((entitled_investigations(identity), 1))))
    )


def is_data_public(session: Session, collection_id: int, now: datetime) -> bool:
    """Whether every session the collection's data comes from is released at ``now``."""
    hidden = session.scalar(
        select(func.count()).where(
            collection_investigations(collection_id),
            not_(visible_investigations(Identity(), now)),
        )
    )
    return hidden == 0
