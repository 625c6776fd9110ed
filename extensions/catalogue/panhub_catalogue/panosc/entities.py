"""PaNOSC classes over the catalogue model: fields that filters may use, JSON, relations.

Every relation into datasets or documents keeps to public rows (:func:`public_rule`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, String, case, cast, func, literal, select

from panhub_catalogue.clock import format_utc
from panhub_catalogue.identity import ANONYMOUS
from panhub_catalogue.model import (
    Datafile,
    Dataset,
    DatasetParameter,
    DatasetTechnique,
    Facility,
    Instrument,
    Investigation,
    InvestigationInstrument,
    InvestigationUser,
    ParameterType,
    Sample,
    Technique,
    User,
)
from panhub_catalogue.visibility import visible_investigations


@dataclass(frozen=True)
class Relation:
    """``link(child_clause)`` restricts the parent to rows with a matching child;
    ``children(parent_row, child_clause)`` selects the matching children of one parent."""

    target: str
    link: Callable[[ColumnElement[bool]], ColumnElement[bool]]
    children: Callable[[Any, ColumnElement[bool]], Any]
    single: bool = False


@dataclass(frozen=True)
class Entity:
    """A PaNOSC class: its row type, filterable fields, JSON maker and relations."""

    fields: dict[str, Any]
    to_json: Callable[[Any], dict[str, Any]]
    relations: dict[str, Relation] = field(default_factory=dict)


def _document_pid(i: Investigation) -> str:
    return i.doi or f"investigation/{i.name}" + (f"/{i.visitId}" if i.visitId else "")


def _dataset_pid(d: Dataset) -> str:
    return d.doi or f"dataset/{d.id}"


def _instrument_pid(i: Instrument) -> str:
    return i.pid or f"instrument/{i.name}"


def public_rule(now: datetime) -> ColumnElement[bool]:
    """The public rule: what an anonymous caller may see (released investigations)."""
    return visible_investigations(ANONYMOUS, now)


def make_entities(now: datetime) -> dict[str, Entity]:
    """The PaNOSC classes with their fields and relations, public rows only."""
    public = public_rule(now)
    public_datasets = Dataset.investigation_id.in_(select(Investigation.id).where(public))

    def select_children(model: Any, *where: Any) -> Callable[[Any, ColumnElement[bool]], Any]:
        def children(row: Any, clause: ColumnElement[bool]) -> Any:
            return select(model).where(*(w(row) for w in where), clause)

        return children

    return {
        "Document": Entity(
            fields={
                "pid": func.coalesce(
                    Investigation.doi,
                    literal("investigation/")
                    .concat(Investigation.name)
                    .concat(
                        case((Investigation.visitId != "", "/" + Investigation.visitId), else_="")
                    ),
                ),
                "title": Investigation.title,
                "summary": Investigation.summary,
                "doi": Investigation.doi,
                "startDate": Investigation.startDate,
                "endDate": Investigation.endDate,
                "releaseDate": Investigation.releaseDate,
            },
            to_json=lambda i: {
                "pid": _document_pid(i),
                "isPublic": True,
                "type": "proposal",
                "title": i.title or i.name,
                "summary": i.summary,
                "doi": i.doi,
                "startDate": format_utc(i.startDate),
                "endDate": format_utc(i.endDate),
                "releaseDate": format_utc(i.releaseDate),
                "keywords": [],
            },
            relations={
                "datasets": Relation(
                    "Dataset",
                    lambda c: Investigation.id.in_(select(Dataset.investigation_id).where(c)),
                    select_children(Dataset, lambda i: Dataset.investigation_id == i.id),
                ),
                "members": Relation(
                    "Member",
                    lambda c: Investigation.id.in_(
                        select(InvestigationUser.investigation_id)
                        .join(InvestigationUser.user)
                        .where(c)
                    ),
                    select_children(
                        InvestigationUser, lambda i: InvestigationUser.investigation_id == i.id
                    ),
                ),
            },
        ),
        "Dataset": Entity(
            fields={
                "pid": func.coalesce(
                    Dataset.doi, literal("dataset/").concat(cast(Dataset.id, String))
                ),
                "title": Dataset.name,
                "creationDate": Dataset.startDate,
                "size": Dataset.fileSize,
            },
            to_json=lambda d: {
                "pid": _dataset_pid(d),
                "title": d.name,
                "isPublic": True,
                "creationDate": format_utc(d.startDate or d.investigation.startDate),
                "size": d.fileSize,
            },
            relations={
                "documents": Relation(
                    "Document",
                    lambda c: Dataset.investigation_id.in_(select(Investigation.id).where(c)),
                    select_children(
                        Investigation, lambda d: Investigation.id == d.investigation_id
                    ),
                ),
                "techniques": Relation(
                    "Technique",
                    lambda c: Dataset.id.in_(
                        select(DatasetTechnique.dataset_id)
                        .join(DatasetTechnique.technique)
                        .where(c)
                    ),
                    select_children(
                        Technique,
                        lambda d: Technique.id.in_(
                            select(DatasetTechnique.technique_id).where(
                                DatasetTechnique.dataset_id == d.id
                            )
                        ),
                    ),
                ),
                "instrument": Relation(
                    "Instrument",
                    lambda c: Dataset.investigation_id.in_(
                        select(InvestigationInstrument.investigation_id)
                        .join(InvestigationInstrument.instrument)
                        .where(c)
                    ),
                    select_children(
                        Instrument,
                        lambda d: Instrument.id.in_(
                            select(InvestigationInstrument.instrument_id).where(
                                InvestigationInstrument.investigation_id == d.investigation_id
                            )
                        ),
                    ),
                    single=True,
                ),
                "files": Relation(
                    "File",
                    lambda c: Dataset.id.in_(select(Datafile.dataset_id).where(c)),
                    select_children(Datafile, lambda d: Datafile.dataset_id == d.id),
                ),
                "parameters": Relation(
                    "Parameter",
                    lambda c: Dataset.id.in_(
                        select(DatasetParameter.dataset_id).join(DatasetParameter.type).where(c)
                    ),
                    lambda d, c: (
                        select(DatasetParameter)
                        .join(DatasetParameter.type)
                        .where(DatasetParameter.dataset_id == d.id, c)
                    ),
                ),
                "samples": Relation(
                    "Sample",
                    lambda c: Dataset.sample_id.in_(select(Sample.id).where(c)),
                    select_children(Sample, lambda d: Sample.id == d.sample_id),
                ),
            },
        ),
        "Instrument": Entity(
            fields={
                "pid": func.coalesce(
                    Instrument.pid, literal("instrument/").concat(Instrument.name)
                ),
                "name": Instrument.name,
                "facility": select(Facility.name)
                .where(Facility.id == Instrument.facility_id)
                .scalar_subquery(),
            },
            to_json=lambda i: {
                "pid": _instrument_pid(i),
                "name": i.name,
                "facility": i.facility.name,
            },
            relations={
                "datasets": Relation(
                    "Dataset",
                    lambda c: Instrument.id.in_(
                        select(InvestigationInstrument.instrument_id)
                        .join(
                            Dataset,
                            Dataset.investigation_id == InvestigationInstrument.investigation_id,
                        )
                        .where(c, public_datasets)
                    ),
                    lambda i, c: select(Dataset).where(
                        Dataset.investigation_id.in_(
                            select(InvestigationInstrument.investigation_id).where(
                                InvestigationInstrument.instrument_id == i.id
                            )
                        ),
                        public_datasets,
                        c,
                    ),
                ),
            },
        ),
        "Technique": Entity(
            fields={"pid": Technique.pid, "name": Technique.name, "panetId": Technique.pid},
            to_json=lambda t: {
                "pid": t.pid or f"technique/{t.name}",
                "name": t.name,
                "panetId": t.pid,
            },
        ),
        "File": Entity(
            fields={"name": Datafile.name, "path": Datafile.location, "size": Datafile.fileSize},
            to_json=lambda f: {
                "id": str(f.id),
                "name": f.name,
                "path": f.location,
                "size": f.fileSize,
            },
        ),
        "Sample": Entity(
            fields={"name": Sample.name, "pid": Sample.pid},
            to_json=lambda s: {
                "name": s.name,
                "pid": s.pid or f"sample/{s.id}",
                "description": s.type,
            },
        ),
        "Parameter": Entity(
            fields={
                "name": ParameterType.name,
                "unit": ParameterType.units,
                # compared as a number or as text, by the filter value's type
                "value": (DatasetParameter.numericValue, DatasetParameter.stringValue),
            },
            to_json=lambda p: {
                "name": p.type.name,
                "value": p.numericValue if p.numericValue is not None else p.stringValue,
                "unit": p.type.units or None,
            },
        ),
        "Member": Entity(
            fields={"role": InvestigationUser.role},
            to_json=lambda m: {"role": m.role},
            relations={
                "person": Relation(
                    "Person",
                    lambda c: InvestigationUser.user_id.in_(select(User.id).where(c)),
                    select_children(User, lambda m: User.id == m.user_id),
                    single=True,
                ),
            },
        ),
        "Person": Entity(
            fields={"fullName": User.fullName, "orcid": User.orcidId},
            to_json=lambda u: {"id": u.name, "fullName": u.fullName or u.name, "orcid": u.orcidId},
        ),
    }
