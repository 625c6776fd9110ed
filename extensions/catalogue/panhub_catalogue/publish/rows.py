"""The catalogue's rows as the records a DataCite document is built from (batched).

:func:`load_sessions` and :func:`load_collections` read many items in a few queries
(OAI-PMH lists hundreds per page); callers pass ids they already chose (public ones
for OAI-PMH, visible or managed ones elsewhere): nothing here applies the visibility
rule, and nothing here writes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import InstrumentedAttribute, Session, selectinload

from panhub_catalogue.model import (
    MINTED,
    Affiliation,
    DataCollection,
    DataCollectionDatafile,
    DataCollectionDataset,
    Datafile,
    Dataset,
    DatasetTechnique,
    Facility,
    Investigation,
    InvestigationTechnique,
    InvestigationUser,
    Technique,
    User,
)
from panhub_catalogue.publish import document as doc
from panhub_catalogue.records import get_beamlines, is_public

#: Member roles credited first, in this order (then the others, by name).
LEADING_ROLES = ("PI", "principal_investigator", "co-proposer")


def get_creators(session: Session, ids: list[int]) -> dict[int, list[doc.Creator]]:
    """Members of each investigation as creators: leading roles first, then by name.

    Columns, not entities: an OAI-PMH page has a thousand members or more, and making
    an ORM object of each was most of the time it took to read the page."""
    rows = session.execute(
        select(
            InvestigationUser.investigation_id,
            InvestigationUser.role,
            User.id,
            User.name,
            User.fullName,
            User.givenName,
            User.familyName,
            User.orcidId,
            Affiliation.name,
            Affiliation.pid,
        )
        .join(User, User.id == InvestigationUser.user_id)
        .outerjoin(Affiliation, Affiliation.id == InvestigationUser.affiliation_id)
        .where(InvestigationUser.investigation_id.in_(ids))
    ).all()

    def rank(row: Any) -> tuple[int, str]:
        order = LEADING_ROLES.index(row[1]) if row[1] in LEADING_ROLES else len(LEADING_ROLES)
        return order, (row[6] or row[4] or row[3]).lower()

    found: dict[int, list[doc.Creator]] = defaultdict(list)
    seen: set[tuple[int, int]] = set()
    for row in sorted(rows, key=rank):
        investigation_id, _, user_id, name, full_name, given, family, orcid, where, pid = row
        if (investigation_id, user_id) not in seen:  # one person with two roles
            seen.add((investigation_id, user_id))
            affiliations = () if where is None else (doc.Affiliation(where, pid),)
            creator = doc.Creator(full_name or name, given, family, orcid, affiliations)
            found[investigation_id].append(creator)
    return found


def get_techniques(
    session: Session,
    owner: InstrumentedAttribute[int],
    technique: InstrumentedAttribute[int],
    ids: list[int],
) -> dict[int, list[doc.Technique]]:
    """Techniques by name, per owner id: ``owner`` and ``technique`` are a link table's
    columns (``InvestigationTechnique`` or ``DatasetTechnique``)."""
    rows = session.execute(
        select(owner, Technique.name, Technique.pid)
        .join(Technique, Technique.id == technique)
        .where(owner.in_(ids))
        .order_by(Technique.name)
    )
    found: dict[int, list[doc.Technique]] = defaultdict(list)
    for owner_id, name, pid in rows:
        found[owner_id].append(doc.Technique(name, pid))
    return found


def load_sessions(session: Session, ids: Iterable[int], now: datetime) -> list[doc.SessionRecord]:
    """The sessions (investigations) with these ids, in id order, as document records.

    ``embargoed`` is whether the public may not see the data at ``now`` (the release
    clause of :mod:`panhub_catalogue.visibility`).
    """
    wanted = sorted(set(ids))
    rows = session.execute(
        select(Investigation, Facility.name)
        .join(Facility, Facility.id == Investigation.facility_id)
        .where(Investigation.id.in_(wanted))
        .order_by(Investigation.id)
    ).all()
    beamlines = get_beamlines(session, wanted)
    creators = get_creators(session, wanted)
    techniques = get_techniques(
        session,
        InvestigationTechnique.investigation_id,
        InvestigationTechnique.technique_id,
        wanted,
    )
    return [
        doc.SessionRecord(
            id=i.id,
            proposal=i.name,
            visit=i.visitId,
            title=i.title,
            summary=i.summary,
            content=doc.Content(
                facility,
                tuple(beamlines.get(i.id, [])),
                tuple(techniques.get(i.id, [])),
                i.fileCount,
                i.fileSize,
                (),
                i.startDate,
                i.endDate,
            ),
            creators=tuple(creators.get(i.id, [])),
            doi=i.doi,
            release=i.releaseDate,
            embargoed=not is_public(i, now),
            minted=i.mintTime,
            modified=i.modTime,
        )
        for i, facility in rows
    ]


def get_collection_datasets(session: Session, ids: list[int]) -> dict[int, list[Dataset]]:
    """The datasets of each collection: those chosen whole, and those of chosen files."""
    whole = select(DataCollectionDataset.data_collection_id, Dataset).join(
        Dataset, Dataset.id == DataCollectionDataset.dataset_id
    )
    partly = (
        select(DataCollectionDatafile.data_collection_id, Dataset)
        .join(Datafile, Datafile.id == DataCollectionDatafile.datafile_id)
        .join(Dataset, Dataset.id == Datafile.dataset_id)
    )
    found: dict[int, dict[int, Dataset]] = defaultdict(dict)
    for query, link in ((whole, DataCollectionDataset), (partly, DataCollectionDatafile)):
        for collection_id, dataset in session.execute(
            query.where(link.data_collection_id.in_(ids))
        ):
            found[collection_id][dataset.id] = dataset
    return {c: sorted(d.values(), key=lambda d: d.id) for c, d in found.items()}


def get_collection_files(session: Session, ids: list[int]) -> dict[int, tuple[int, int, set[str]]]:
    """Per collection: file count, bytes and formats, a file counted once however chosen."""
    via_datasets = (
        select(DataCollectionDataset.data_collection_id.label("c"), Datafile.id.label("f"))
        .join(Datafile, Datafile.dataset_id == DataCollectionDataset.dataset_id)
        .where(DataCollectionDataset.data_collection_id.in_(ids))
    )
    direct = select(
        DataCollectionDatafile.data_collection_id.label("c"),
        DataCollectionDatafile.datafile_id.label("f"),
    ).where(DataCollectionDatafile.data_collection_id.in_(ids))
    chosen = via_datasets.union(direct).subquery()
    rows = session.execute(
        select(
            chosen.c.c,
            func.count(Datafile.id),
            func.coalesce(func.sum(Datafile.fileSize), 0),
        )
        .join(Datafile, Datafile.id == chosen.c.f)
        .group_by(chosen.c.c)
    )
    found: dict[int, tuple[int, int, set[str]]] = {
        c: (int(n), int(size), set()) for c, n, size in rows
    }
    formats = session.execute(
        select(chosen.c.c, Datafile.datafileFormat)
        .join(Datafile, Datafile.id == chosen.c.f)
        .where(Datafile.datafileFormat.is_not(None))
        .distinct()
    )
    for collection_id, kind in formats:
        found[collection_id][2].add(kind)
    return found


def describe_content(
    datasets: list[Dataset],
    files: tuple[int, int, set[str]],
    beamlines: dict[int, list[str]],
    techniques: dict[int, list[doc.Technique]],
) -> doc.Content:
    """A collection's content: facility, beamlines and techniques of its datasets, sizes."""
    investigations = {d.investigation_id: d.investigation for d in datasets}
    facilities = sorted({i.facility.name for i in investigations.values()})
    starts = [d.startDate for d in datasets if d.startDate is not None]
    ends = [d.endDate for d in datasets if d.endDate is not None]
    return doc.Content(
        facility=", ".join(facilities),
        beamlines=tuple(sorted({b for i in investigations for b in beamlines.get(i, [])})),
        techniques=tuple(
            sorted({t for d in datasets for t in techniques.get(d.id, [])}, key=lambda t: t.name)
        ),
        file_count=files[0],
        file_size=files[1],
        formats=tuple(sorted(files[2])),
        start=min(starts) if starts else None,
        end=max(ends) if ends else None,
    )


def get_release(investigations: Iterable[Investigation]) -> datetime | None:
    """When all of the data is public: the latest release (``None`` when one has none)."""
    releases = [i.releaseDate for i in investigations]
    if not releases or None in releases:
        return None
    return max(r for r in releases if r is not None)


def get_next_dois(session: Session, ids: list[int]) -> dict[int, str]:
    """The DOI of each collection's next version, once that one is minted."""
    rows = session.execute(
        select(DataCollection.previous_id, DataCollection.doi).where(
            DataCollection.previous_id.in_(ids),
            DataCollection.status == MINTED,
            DataCollection.doi.is_not(None),
        )
    )
    return {previous: doi for previous, doi in rows if previous is not None and doi is not None}


def load_collections(session: Session, ids: Iterable[int]) -> list[doc.CollectionRecord]:
    """The data collections with these ids, in id order, as document records."""
    wanted = sorted(set(ids))
    collections = session.scalars(
        select(DataCollection)
        .where(DataCollection.id.in_(wanted))
        .order_by(DataCollection.id)
        .options(
            selectinload(DataCollection.creators),
            selectinload(DataCollection.relatedIdentifiers),
            selectinload(DataCollection.previous),
        )
    ).all()
    datasets = get_collection_datasets(session, wanted)
    files = get_collection_files(session, wanted)
    investigation_ids = sorted({d.investigation_id for ds in datasets.values() for d in ds})
    beamlines = get_beamlines(session, investigation_ids)
    techniques = get_techniques(
        session,
        DatasetTechnique.dataset_id,
        DatasetTechnique.technique_id,
        [d.id for ds in datasets.values() for d in ds],
    )
    next_dois = get_next_dois(session, wanted)
    records = []
    for c in collections:
        chosen = datasets.get(c.id, [])
        investigations = sorted(
            {d.investigation_id: d.investigation for d in chosen}.values(), key=lambda i: i.id
        )
        records.append(
            doc.CollectionRecord(
                id=c.id,
                title=c.title or "",
                description=c.summary,
                content=describe_content(
                    chosen, files.get(c.id, (0, 0, set())), beamlines, techniques
                ),
                creators=tuple(
                    doc.Creator(
                        p.name,
                        p.givenName,
                        p.familyName,
                        p.orcid,
                        ()
                        if not p.affiliation
                        else (doc.Affiliation(p.affiliation, p.affiliationRor),),
                    )
                    for p in c.creators
                ),
                licence=c.licence,
                keywords=tuple(c.keywords or ()),
                related=tuple(
                    doc.RelatedIdentifier(
                        r.identifier, r.relationType, r.identifierType, r.resourceTypeGeneral
                    )
                    for r in c.relatedIdentifiers
                ),
                resource_type_general=c.resourceTypeGeneral,
                resource_type=c.resourceType,
                version=c.version,
                doi=c.doi,
                created=c.createTime,
                modified=c.modTime,
                minted=c.mintTime,
                release=get_release(investigations),
                sessions=tuple(i.doi for i in investigations if i.doi),
                previous_doi=c.previous.doi if c.previous is not None else None,
                next_doi=next_dois.get(c.id),
            )
        )
    return records
