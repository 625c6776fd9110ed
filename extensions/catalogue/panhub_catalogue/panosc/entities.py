"""The PaNOSC classes over the catalogue model: fields, JSON, relations, public rows only.

Each class (:class:`Entity`) names its rows (a model and the joins its fields need), the
clause that keeps them public, the fields a ``where`` may use, the fields that the
``text`` operator searches, its JSON, and its relations. A :class:`Relation` is one
SELECT of ``(parent key, child row)`` pairs; the same statement restricts parents to
those with a matching child (``link``) and loads the children of a page of parents in
one query (``children``), so that an ``include`` costs one query per relation, not one
per row.

Classes not reachable from the API's roots except through a relation (Person,
Affiliation) have no public clause of their own: the member rows that lead to them are
public ones.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    String,
    case,
    cast,
    func,
    literal,
    select,
    true,
)
from sqlalchemy.orm import aliased

from panhub_catalogue.clock import format_utc
from panhub_catalogue.identity import ANONYMOUS
from panhub_catalogue.model import (
    Affiliation,
    Datafile,
    Dataset,
    DatasetParameter,
    DatasetTechnique,
    Facility,
    Instrument,
    Investigation,
    InvestigationInstrument,
    InvestigationParameter,
    InvestigationTechnique,
    InvestigationUser,
    ParameterType,
    Sample,
    Technique,
    User,
)
from panhub_catalogue.visibility import released_clause, visible_investigations

#: Roles as PaNOSC names them (lower case), from the roles ICAT imports and files use.
PRINCIPAL_ROLES = (
    "pi",
    "principal investigator",
    "principal_investigator",
    "principal_experimenter",
)


@dataclass(frozen=True)
class Keywords:
    """A list field: ``pairs`` selects ``(row id, keyword)``; a condition matches a row
    when one of its keywords does (LoopBack's meaning for an array property)."""

    key: Any
    value: Any
    pairs: Callable[[], Any]


@dataclass(frozen=True)
class Relation:
    """A relation to ``target``: ``pairs()`` selects ``(parent key, child row)``.

    ``inherits``: a public parent has only public children (they belong to the same
    investigation), so the children need no test of their own; ``False`` where they may
    belong to another one (a beamline's, a technique's or a person's datasets and
    memberships).
    """

    target: str
    key: Any
    pairs: Callable[[], Any]
    single: bool = False
    inherits: bool = True


@dataclass(frozen=True)
class Entity:
    """A PaNOSC class over the catalogue.

    Attributes
    ----------
    name
        The PaNOSC class name (two entities, dataset and document parameters, share
        ``Parameter``).
    model, id
        The mapped class of its rows and their key.
    rows
        ``select(model)`` with the joins that the fields need.
    public
        Keeps rows of public investigations (``true()`` where the way in already does).
    fields
        Field name -> SQL expression (a ``(number, text)`` pair for a parameter value, a
        :class:`Keywords` for a list).
    text
        Fields that the ``text`` operator searches (a substring, ignoring case).
    to_json
        The row as PaNOSC JSON (fields only, no relations).
    """

    name: str
    model: Any
    id: Any
    rows: Callable[[], Any]
    public: ColumnElement[bool]
    fields: dict[str, Any]
    text: tuple[str, ...]
    to_json: Callable[[Any], dict[str, Any]]
    relations: dict[str, Relation] = field(default_factory=dict)


def document_pid(i: Investigation) -> str:
    """A document's pid: its DOI, else ``investigation/<name>[/<visit>]`` (stable)."""
    return i.doi or f"investigation/{i.name}" + (f"/{i.visitId}" if i.visitId else "")


def dataset_pid(d: Dataset) -> str:
    """A dataset's pid: its DOI, else ``dataset/<id>``."""
    return d.doi or f"dataset/{d.id}"


def role_name(role: str | None) -> str | None:
    """A membership role as PaNOSC writes it (``PI`` -> ``principal investigator``)."""
    if role is None:
        return None
    if role.lower() in PRINCIPAL_ROLES:
        return "principal investigator"
    return role.replace("_", " ")


def _role_column() -> Any:
    lowered = func.lower(InvestigationUser.role)
    return case(
        (lowered.in_(PRINCIPAL_ROLES), literal("principal investigator")),
        else_=func.replace(InvestigationUser.role, "_", " "),
    )


def public_rule(now: datetime) -> ColumnElement[bool]:
    """The public rule: what an anonymous caller may see (released investigations)."""
    return visible_investigations(ANONYMOUS, now)


def _parameter_json(p: Any) -> dict[str, Any]:
    return {
        "id": p.id,
        "name": p.type.name,
        "value": p.numericValue if p.numericValue is not None else p.stringValue,
        "unit": p.type.units or None,
    }


def _parameter_fields(model: Any) -> dict[str, Any]:
    return {
        "id": model.id,
        "name": ParameterType.name,
        # compared as a number or as text, by the operand's type (panosc.filters)
        "value": (model.numericValue, model.stringValue),
        "unit": ParameterType.units,
    }


def _owner(
    name: str, child: Any, parent: Any, foreign_key: Any, *, single: bool = True
) -> Relation:
    """The ``parent`` row that a ``child`` row's ``foreign_key`` names (many to one)."""
    return Relation(
        name,
        child.id,
        lambda: select(child.id, parent).join(parent, parent.id == foreign_key),
        single=single,
    )


def _children(name: str, model: Any, foreign_key: Any, *, inherits: bool = True) -> Relation:
    """The ``model`` rows whose ``foreign_key`` names the parent (one to many)."""
    return Relation(name, foreign_key, lambda: select(foreign_key, model), inherits=inherits)


def _parameter_entity(model: Any, public: ColumnElement[bool], owner: str) -> Entity:
    """A dataset's or a document's parameter: ``owner`` names the relation it has; the
    other one is always empty (a parameter belongs to one or the other, never both)."""
    owners: dict[str, tuple[Any, str]] = {
        "dataset": (Dataset, "dataset_id"),
        "document": (Investigation, "investigation_id"),
    }

    def relation(name: str) -> Relation:
        target, key = owners[name]
        if name == owner:
            return _owner(name.capitalize(), model, target, getattr(model, key))
        never = target.id.is_(None)
        return Relation(
            name.capitalize(),
            model.id,
            lambda: select(model.id, target).join(target, never),
            single=True,
        )

    return Entity(
        "Parameter",
        model,
        model.id,
        lambda: select(model).join(ParameterType, ParameterType.id == model.type_id),
        public,
        _parameter_fields(model),
        (),
        _parameter_json,
        {"dataset": relation("dataset"), "document": relation("document")},
    )


def make_entities(now: datetime, license: str | None = None) -> dict[str, Entity]:
    """The PaNOSC classes, their fields and their relations, public rows only.

    Parameters
    ----------
    now
        Naive UTC time of the request (release dates are compared with it).
    license
        SPDX id of the licence of public data, shown as every document's ``license``.
    """
    public = public_rule(now)

    def released(investigation_id: Any) -> ColumnElement[bool]:
        """Rows whose investigation is public: one lookup by key per row, not a list of
        every public investigation (which costs as much as the catalogue is big)."""
        owner = aliased(Investigation)
        return (
            select(owner.id)
            .where(owner.id == investigation_id, released_clause(now, owner.releaseDate))
            .correlate(investigation_id.table)
            .exists()
        )

    def released_dataset(dataset_id: Any) -> ColumnElement[bool]:
        owner, parent = aliased(Investigation), aliased(Dataset)
        return (
            select(parent.id)
            .join(owner, owner.id == parent.investigation_id)
            .where(parent.id == dataset_id, released_clause(now, owner.releaseDate))
            .correlate(dataset_id.table)
            .exists()
        )

    facility_name = (
        select(Facility.name).where(Facility.id == Instrument.facility_id).scalar_subquery()
    )

    def technique_pairs() -> Any:
        return select(InvestigationTechnique.investigation_id, Technique.name).join(
            Technique, Technique.id == InvestigationTechnique.technique_id
        )

    entities = {
        "Document": Entity(
            "Document",
            Investigation,
            Investigation.id,
            lambda: select(Investigation),
            public,
            {
                "pid": func.coalesce(
                    Investigation.doi,
                    literal("investigation/")
                    .concat(Investigation.name)
                    .concat(
                        case((Investigation.visitId != "", "/" + Investigation.visitId), else_="")
                    ),
                ),
                "isPublic": true(),
                "type": literal("proposal"),
                "title": Investigation.title,
                "summary": Investigation.summary,
                "doi": Investigation.doi,
                "startDate": Investigation.startDate,
                "endDate": Investigation.endDate,
                "releaseDate": Investigation.releaseDate,
                "license": literal(license, String),
                "keywords": Keywords(
                    InvestigationTechnique.investigation_id, Technique.name, technique_pairs
                ),
            },
            ("title", "summary"),
            lambda i: {
                "pid": document_pid(i),
                "isPublic": True,
                "type": "proposal",
                "title": i.title or i.name,
                "summary": i.summary,
                "doi": i.doi,
                "startDate": format_utc(i.startDate),
                "endDate": format_utc(i.endDate),
                "releaseDate": format_utc(i.releaseDate),
                "license": license,
                "keywords": [],  # filled in by the search from the techniques (one query)
            },
            {
                "datasets": _children("Dataset", Dataset, Dataset.investigation_id),
                "members": _children(
                    "Member", InvestigationUser, InvestigationUser.investigation_id
                ),
                "parameters": Relation(
                    "DocumentParameter",
                    InvestigationParameter.investigation_id,
                    lambda: select(
                        InvestigationParameter.investigation_id, InvestigationParameter
                    ).join(ParameterType, ParameterType.id == InvestigationParameter.type_id),
                ),
            },
        ),
        "Dataset": Entity(
            "Dataset",
            Dataset,
            Dataset.id,
            lambda: select(Dataset),
            released(Dataset.investigation_id),
            {
                "pid": func.coalesce(
                    Dataset.doi, literal("dataset/").concat(cast(Dataset.id, String))
                ),
                "title": Dataset.name,
                "isPublic": true(),
                "creationDate": Dataset.startDate,
                "size": Dataset.fileSize,
            },
            ("title",),
            lambda d: {
                "pid": dataset_pid(d),
                "title": d.name,
                "isPublic": True,
                "creationDate": format_utc(d.startDate or d.investigation.startDate),
                "size": d.fileSize,
            },
            {
                "documents": _owner(
                    "Document", Dataset, Investigation, Dataset.investigation_id, single=False
                ),
                "document": _owner("Document", Dataset, Investigation, Dataset.investigation_id),
                "techniques": Relation(
                    "Technique",
                    DatasetTechnique.dataset_id,
                    lambda: select(DatasetTechnique.dataset_id, Technique).join(
                        Technique, Technique.id == DatasetTechnique.technique_id
                    ),
                ),
                "instrument": Relation(
                    "Instrument",
                    Dataset.id,
                    lambda: (
                        select(Dataset.id, Instrument)
                        .join(
                            InvestigationInstrument,
                            InvestigationInstrument.investigation_id == Dataset.investigation_id,
                        )
                        .join(Instrument, Instrument.id == InvestigationInstrument.instrument_id)
                    ),
                    single=True,
                ),
                "files": _children("File", Datafile, Datafile.dataset_id),
                "parameters": Relation(
                    "DatasetParameter",
                    DatasetParameter.dataset_id,
                    lambda: select(DatasetParameter.dataset_id, DatasetParameter).join(
                        ParameterType, ParameterType.id == DatasetParameter.type_id
                    ),
                ),
                "samples": _owner("Sample", Dataset, Sample, Dataset.sample_id, single=False),
            },
        ),
        "Instrument": Entity(
            "Instrument",
            Instrument,
            Instrument.id,
            lambda: select(Instrument),
            true(),  # beamlines are public metadata; their datasets are not
            {
                "pid": func.coalesce(
                    Instrument.pid, literal("instrument/").concat(Instrument.name)
                ),
                "name": Instrument.name,
                "facility": facility_name,
            },
            ("name", "facility"),
            lambda i: {
                "pid": i.pid or f"instrument/{i.name}",
                "name": i.name,
                "facility": i.facility.name,
            },
            {
                "datasets": Relation(
                    "Dataset",
                    InvestigationInstrument.instrument_id,
                    lambda: select(InvestigationInstrument.instrument_id, Dataset).join(
                        Dataset,
                        Dataset.investigation_id == InvestigationInstrument.investigation_id,
                    ),
                    inherits=False,
                ),
            },
        ),
        "File": Entity(
            "File",
            Datafile,
            Datafile.id,
            lambda: select(Datafile),
            released_dataset(Datafile.dataset_id),
            {
                "id": Datafile.id,
                "name": Datafile.name,
                "path": Datafile.location,
                "size": Datafile.fileSize,
            },
            ("name",),
            lambda f: {"id": f.id, "name": f.name, "path": f.location, "size": f.fileSize},
            {
                "dataset": _owner("Dataset", Datafile, Dataset, Datafile.dataset_id),
            },
        ),
        "DatasetParameter": _parameter_entity(
            DatasetParameter, released_dataset(DatasetParameter.dataset_id), "dataset"
        ),
        "DocumentParameter": _parameter_entity(
            InvestigationParameter,
            released(InvestigationParameter.investigation_id),
            "document",
        ),
        "Sample": Entity(
            "Sample",
            Sample,
            Sample.id,
            lambda: select(Sample),
            released(Sample.investigation_id),
            {
                "pid": func.coalesce(
                    Sample.pid, literal("sample/").concat(cast(Sample.id, String))
                ),
                "name": Sample.name,
                "description": func.coalesce(Sample.description, Sample.type),
            },
            ("name", "description"),
            lambda s: {
                "pid": s.pid or f"sample/{s.id}",
                "name": s.name,
                "description": s.description or s.type,
            },
            {
                "datasets": _children("Dataset", Dataset, Dataset.sample_id),
            },
        ),
        "Technique": Entity(
            "Technique",
            Technique,
            Technique.id,
            lambda: select(Technique),
            true(),  # the techniques the catalogue knows are public vocabulary
            {
                "pid": func.coalesce(Technique.pid, literal("technique/").concat(Technique.name)),
                "name": Technique.name,
                "panetId": Technique.pid,
            },
            ("name",),
            lambda t: {"pid": t.pid or f"technique/{t.name}", "name": t.name, "panetId": t.pid},
            {
                "datasets": Relation(
                    "Dataset",
                    DatasetTechnique.technique_id,
                    lambda: select(DatasetTechnique.technique_id, Dataset).join(
                        Dataset, Dataset.id == DatasetTechnique.dataset_id
                    ),
                    inherits=False,
                ),
            },
        ),
        "Member": Entity(
            "Member",
            InvestigationUser,
            InvestigationUser.id,
            lambda: select(InvestigationUser),
            released(InvestigationUser.investigation_id),
            {"id": InvestigationUser.id, "role": _role_column()},
            (),
            lambda m: {"id": m.id, "role": role_name(m.role)},
            {
                "document": _owner(
                    "Document", InvestigationUser, Investigation, InvestigationUser.investigation_id
                ),
                "person": _owner("Person", InvestigationUser, User, InvestigationUser.user_id),
                "affiliation": _owner(
                    "Affiliation", InvestigationUser, Affiliation, InvestigationUser.affiliation_id
                ),
            },
        ),
        "Person": Entity(
            "Person",
            User,
            User.id,
            lambda: select(User),
            true(),  # reached only through public members
            {
                "id": cast(User.id, String),
                "fullName": User.fullName,
                "orcid": User.orcidId,
                "researcherId": literal(None, String),
                "firstName": User.givenName,
                "lastName": User.familyName,
            },
            (),
            lambda u: {
                "id": str(u.id),
                # a login name is not published: a person without a recorded name is one
                "fullName": u.fullName or "(name not recorded)",
                "orcid": u.orcidId,
                "researcherId": None,
                "firstName": u.givenName,
                "lastName": u.familyName,
            },
            {
                "members": _children(
                    "Member", InvestigationUser, InvestigationUser.user_id, inherits=False
                ),
            },
        ),
        "Affiliation": Entity(
            "Affiliation",
            Affiliation,
            Affiliation.id,
            lambda: select(Affiliation),
            true(),  # reached only through public members
            {
                "id": Affiliation.id,
                "name": Affiliation.name,
                "address": Affiliation.address,
                "city": Affiliation.city,
                "country": Affiliation.country,
            },
            (),
            lambda a: {
                "id": a.id,
                "name": a.name,
                "address": a.address,
                "city": a.city,
                "country": a.country,
            },
            {
                "members": _children(
                    "Member", InvestigationUser, InvestigationUser.affiliation_id, inherits=False
                ),
            },
        ),
    }
    return entities
