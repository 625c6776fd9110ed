"""The catalogue's tables, named as ICAT 6.2 names its entities.

Class names and attribute names follow ICAT (``Investigation.visitId``,
``Datafile.fileSize``, ...) so that an ICAT entity maps onto a row by identity;
database column names are snake_case so that raw SQL stays readable. The model is a
strict subset of ICAT's, with these simplifications:

- membership is ``InvestigationUser(user, investigation, role)``; ICAT's
  InvestigationGroup collapses into it on import; ``Grouping``/``UserGroup`` only
  record catalogue admins (the grouping named :data:`ADMIN_GROUPING`);
- ``Dataset.type`` and ``Investigation.type`` are strings, not lookup tables;
- one parameter table per parent (Investigation, Sample, Dataset, Datafile) sharing
  :class:`ParameterType` (name + units), as in ICAT;
- :class:`LogbookEntry` is not ICAT core: it is shaped after ESRF's ICAT+ e-logbook
  events (investigation, optional dataset, type, category, tags, content); its
  figures are :class:`LogbookAttachment` rows.

Investigations and data collections carry ``modTime``, the last change of what is
published about them (OAI-PMH's datestamp), and their DOI's state at DataCite
(``dataciteState``: ``draft``, ``registered``, ``findable``, or ``None`` when the
catalogue did not mint it); :mod:`panhub_catalogue.publish` keeps them.

All datetimes are naive UTC. ``Investigation.searchText`` is a normalised copy of the
free-text fields (name, visitId, title, summary, doi) that the full-text index
(SQLite FTS5, PostgreSQL ``tsvector``) is built on; :func:`make_search_text` makes it.
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, synonym

from panhub_catalogue.clock import utcnow

#: 64-bit ids on PostgreSQL (Diamond has billions of datafiles); SQLite's rowid.
Id = BigInteger().with_variant(Integer(), "sqlite")

_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)


def make_search_text(*parts: str | None) -> str:
    """Normalise free-text fields into lowercase words separated by single spaces.

    Parameters
    ----------
    *parts
        Field values; ``None`` is skipped.

    Returns
    -------
    str
        For example ``make_search_text("MX-415", "10.5072/ab.1")`` is
        ``"mx 415 10 5072 ab 1"``.
    """
    text = " ".join(p for p in parts if p)
    return " ".join(_NON_WORD.sub(" ", text.lower()).split())


class Base(DeclarativeBase):
    """Declarative base of every catalogue table."""


class Facility(Base):
    """The facility; ``daysUntilRelease`` is ICAT's default embargo."""

    __tablename__ = "facility"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    fullName: Mapped[str | None] = mapped_column("full_name", String(255))
    url: Mapped[str | None] = mapped_column(String(255))
    daysUntilRelease: Mapped[int | None] = mapped_column("days_until_release", Integer)


class User(Base):
    """A person; ``name`` is the login name the hub knows."""

    __tablename__ = "user"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    fullName: Mapped[str | None] = mapped_column("full_name", String(255))
    email: Mapped[str | None] = mapped_column(String(255))
    orcidId: Mapped[str | None] = mapped_column("orcid_id", String(255))
    givenName: Mapped[str | None] = mapped_column("given_name", String(255))
    familyName: Mapped[str | None] = mapped_column("family_name", String(255))


class Affiliation(Base):
    """An institution a member came from (``pid``: its ROR id, ``https://ror.org/...``)."""

    __tablename__ = "affiliation"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    pid: Mapped[str | None] = mapped_column(String(255))
    address: Mapped[str | None] = mapped_column(String(4000))
    city: Mapped[str | None] = mapped_column(String(255))
    country: Mapped[str | None] = mapped_column(String(255))


class Instrument(Base):
    """A beamline."""

    __tablename__ = "instrument"
    __table_args__ = (UniqueConstraint("facility_id", "name"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("facility.id"))
    name: Mapped[str] = mapped_column(String(255))
    fullName: Mapped[str | None] = mapped_column("full_name", String(255))
    pid: Mapped[str | None] = mapped_column(String(255))
    type: Mapped[str | None] = mapped_column(String(255))
    url: Mapped[str | None] = mapped_column(String(255))
    facility: Mapped[Facility] = relationship()


class InstrumentScientist(Base):
    """A user with the staff role on an instrument (beamline staff)."""

    __tablename__ = "instrument_scientist"
    __table_args__ = (UniqueConstraint("user_id", "instrument_id"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    instrument_id: Mapped[int] = mapped_column(
        ForeignKey("instrument.id", ondelete="CASCADE"), index=True
    )
    user: Mapped[User] = relationship()
    instrument: Mapped[Instrument] = relationship()


#: The :class:`Grouping` whose members are catalogue admins (see everything).
ADMIN_GROUPING = "admin"


class Grouping(Base):
    """A named group of users (ICAT ``Grouping``); :data:`ADMIN_GROUPING` marks admins."""

    __tablename__ = "grouping"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    name: Mapped[str] = mapped_column(String(255), unique=True)


class UserGroup(Base):
    """Membership of a user in a :class:`Grouping` (ICAT ``UserGroup``)."""

    __tablename__ = "user_group"
    __table_args__ = (UniqueConstraint("user_id", "grouping_id"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    grouping_id: Mapped[int] = mapped_column(
        ForeignKey("grouping.id", ondelete="CASCADE"), index=True
    )
    user: Mapped[User] = relationship()
    grouping: Mapped[Grouping] = relationship()


class Investigation(Base):
    """A proposal (``name``) or one visit of it (``visitId``)."""

    __tablename__ = "investigation"
    __table_args__ = (
        UniqueConstraint("facility_id", "name", "visit_id"),
        Index("ix_investigation_start_date_id", "start_date", "id"),
        Index("ix_investigation_release_date", "release_date"),
        Index("ix_investigation_mod_time", "mod_time", "id"),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("facility.id"))
    name: Mapped[str] = mapped_column(String(255))
    visitId: Mapped[str] = mapped_column("visit_id", String(255), default="")
    title: Mapped[str] = mapped_column(String(4000), default="")
    summary: Mapped[str | None] = mapped_column(Text)
    type: Mapped[str | None] = mapped_column(String(255))
    startDate: Mapped[datetime | None] = mapped_column("start_date", DateTime)
    endDate: Mapped[datetime | None] = mapped_column("end_date", DateTime)
    releaseDate: Mapped[datetime | None] = mapped_column("release_date", DateTime)
    doi: Mapped[str | None] = mapped_column(String(255), index=True)
    fileSize: Mapped[int] = mapped_column("file_size", BigInteger, default=0)
    fileCount: Mapped[int] = mapped_column("file_count", BigInteger, default=0)
    searchText: Mapped[str] = mapped_column("search_text", Text, default="")
    # set on every ORM insert and update; NULL only where raw SQL left it out (bulk
    # loaders should write it); SQLite cannot add a NOT NULL column with a time default
    # without rebuilding the table and its full-text and facet triggers
    modTime: Mapped[datetime | None] = mapped_column(
        "mod_time", DateTime, default=utcnow, onupdate=utcnow
    )
    dataciteState: Mapped[str | None] = mapped_column("datacite_state", String(16))
    mintTime: Mapped[datetime | None] = mapped_column("mint_time", DateTime)
    facility: Mapped[Facility] = relationship()
    investigationUsers: Mapped[list[InvestigationUser]] = relationship(
        back_populates="investigation", cascade="all, delete-orphan"
    )
    investigationInstruments: Mapped[list[InvestigationInstrument]] = relationship(
        back_populates="investigation", cascade="all, delete-orphan"
    )
    samples: Mapped[list[Sample]] = relationship(
        back_populates="investigation", cascade="all, delete-orphan"
    )
    datasets: Mapped[list[Dataset]] = relationship(
        back_populates="investigation", cascade="all, delete-orphan"
    )
    parameters: Mapped[list[InvestigationParameter]] = relationship(cascade="all, delete-orphan")


class InvestigationUser(Base):
    """Membership of a user in an investigation, with a role (``PI``, ``member``...)."""

    __tablename__ = "investigation_user"
    __table_args__ = (
        UniqueConstraint("user_id", "investigation_id", "role"),
        Index("ix_investigation_user_investigation", "investigation_id"),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    investigation_id: Mapped[int] = mapped_column(
        ForeignKey("investigation.id", ondelete="CASCADE")
    )
    role: Mapped[str] = mapped_column(String(255), default="member")
    affiliation_id: Mapped[int | None] = mapped_column(
        ForeignKey("affiliation.id", ondelete="SET NULL"), index=True
    )
    user: Mapped[User] = relationship()
    affiliation: Mapped[Affiliation | None] = relationship()
    investigation: Mapped[Investigation] = relationship(back_populates="investigationUsers")


class InvestigationInstrument(Base):
    """The beamline(s) an investigation used."""

    __tablename__ = "investigation_instrument"
    __table_args__ = (
        UniqueConstraint("investigation_id", "instrument_id"),
        Index("ix_investigation_instrument_instrument", "instrument_id", "investigation_id"),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    investigation_id: Mapped[int] = mapped_column(
        ForeignKey("investigation.id", ondelete="CASCADE")
    )
    instrument_id: Mapped[int] = mapped_column(ForeignKey("instrument.id", ondelete="CASCADE"))
    investigation: Mapped[Investigation] = relationship(back_populates="investigationInstruments")
    instrument: Mapped[Instrument] = relationship()


class Technique(Base):
    """An experimental technique; ``pid`` holds its PaNET IRI."""

    __tablename__ = "technique"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    pid: Mapped[str | None] = mapped_column(String(255), unique=True)
    description: Mapped[str | None] = mapped_column(String(4000))


class InvestigationTechnique(Base):
    """Techniques of an investigation's datasets (derived, not ICAT).

    Kept by :func:`panhub_catalogue.store.refresh_investigation` so that the technique
    filter and facet need not join every dataset.
    """

    __tablename__ = "investigation_technique"
    __table_args__ = (
        UniqueConstraint("investigation_id", "technique_id"),
        Index("ix_investigation_technique_technique", "technique_id", "investigation_id"),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    investigation_id: Mapped[int] = mapped_column(
        ForeignKey("investigation.id", ondelete="CASCADE")
    )
    technique_id: Mapped[int] = mapped_column(ForeignKey("technique.id", ondelete="CASCADE"))
    technique: Mapped[Technique] = relationship()


#: :attr:`InvestigationFacet.facet` values: the one row every investigation has, and
#: one row per beamline (``value_id``: Instrument.id) or technique (Technique.id).
FACET_ALL, FACET_BEAMLINE, FACET_TECHNIQUE = 0, 1, 2


class InvestigationFacet(Base):
    """Narrow copy of the searchable columns of investigations (derived, not ICAT).

    One row per investigation (``facet`` :data:`FACET_ALL`, ``value_id`` 0), one per
    :class:`InvestigationInstrument` (:data:`FACET_BEAMLINE`) and one per
    :class:`InvestigationTechnique` (:data:`FACET_TECHNIQUE`), each with the
    investigation's ``startDate``, ``coalesce(endDate, startDate)`` and ``releaseDate``.
    Searches and facet counts scan its composite indexes without touching the wide
    investigation rows. Database triggers (migration 0003) keep it equal to its sources
    in the same transaction, whoever writes them; nothing in Python writes it.
    """

    __tablename__ = "investigation_facet"
    __table_args__ = (
        Index(
            "ix_investigation_facet_value",
            "facet",
            "value_id",
            "start_date",
            "release_date",
            "end_date",
            "investigation_id",
        ),
        Index(
            "ix_investigation_facet_investigation",
            "investigation_id",
            "facet",
            "value_id",
            "start_date",
            "release_date",
            "end_date",
        ),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    investigation_id: Mapped[int] = mapped_column(
        ForeignKey("investigation.id", ondelete="CASCADE")
    )
    facet: Mapped[int] = mapped_column(Integer)
    value_id: Mapped[int] = mapped_column(Id)
    startDate: Mapped[datetime | None] = mapped_column("start_date", DateTime)
    endDate: Mapped[datetime | None] = mapped_column("end_date", DateTime)
    releaseDate: Mapped[datetime | None] = mapped_column("release_date", DateTime)


class Sample(Base):
    """A sample measured in an investigation."""

    __tablename__ = "sample"
    __table_args__ = (UniqueConstraint("investigation_id", "name"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    investigation_id: Mapped[int] = mapped_column(
        ForeignKey("investigation.id", ondelete="CASCADE")
    )
    name: Mapped[str] = mapped_column(String(255))
    pid: Mapped[str | None] = mapped_column(String(255))
    type: Mapped[str | None] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(String(4000))
    investigation: Mapped[Investigation] = relationship(back_populates="samples")
    parameters: Mapped[list[SampleParameter]] = relationship(cascade="all, delete-orphan")


class Dataset(Base):
    """A set of files of one investigation (one scan folder); ``type`` is raw/processed."""

    __tablename__ = "dataset"
    __table_args__ = (UniqueConstraint("investigation_id", "name"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    investigation_id: Mapped[int] = mapped_column(
        ForeignKey("investigation.id", ondelete="CASCADE")
    )
    sample_id: Mapped[int | None] = mapped_column(
        ForeignKey("sample.id", ondelete="SET NULL"), index=True
    )
    name: Mapped[str] = mapped_column(String(255))
    type: Mapped[str] = mapped_column(String(255), default="raw")
    description: Mapped[str | None] = mapped_column(String(4000))
    location: Mapped[str | None] = mapped_column(String(4000))
    startDate: Mapped[datetime | None] = mapped_column("start_date", DateTime)
    endDate: Mapped[datetime | None] = mapped_column("end_date", DateTime)
    complete: Mapped[bool] = mapped_column(Boolean, default=False)
    doi: Mapped[str | None] = mapped_column(String(255))
    fileSize: Mapped[int] = mapped_column("file_size", BigInteger, default=0)
    fileCount: Mapped[int] = mapped_column("file_count", BigInteger, default=0)
    investigation: Mapped[Investigation] = relationship(back_populates="datasets")
    sample: Mapped[Sample | None] = relationship()
    datafiles: Mapped[list[Datafile]] = relationship(
        back_populates="dataset", cascade="all, delete-orphan"
    )
    datasetTechniques: Mapped[list[DatasetTechnique]] = relationship(cascade="all, delete-orphan")
    parameters: Mapped[list[DatasetParameter]] = relationship(cascade="all, delete-orphan")


class DatasetTechnique(Base):
    """Technique(s) used for a dataset."""

    __tablename__ = "dataset_technique"
    __table_args__ = (
        UniqueConstraint("dataset_id", "technique_id"),
        Index("ix_dataset_technique_technique", "technique_id", "dataset_id"),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("dataset.id", ondelete="CASCADE"))
    technique_id: Mapped[int] = mapped_column(ForeignKey("technique.id", ondelete="CASCADE"))
    technique: Mapped[Technique] = relationship()


class Datafile(Base):
    """One file; ``location`` is its absolute path, unique in the catalogue."""

    __tablename__ = "datafile"
    __table_args__ = (Index("ix_datafile_dataset_name", "dataset_id", "name"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("dataset.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(255))
    location: Mapped[str] = mapped_column(String(4000), unique=True)
    fileSize: Mapped[int] = mapped_column("file_size", BigInteger, default=0)
    checksum: Mapped[str | None] = mapped_column(String(255))
    datafileFormat: Mapped[str | None] = mapped_column("datafile_format", String(255))
    datafileCreateTime: Mapped[datetime | None] = mapped_column("create_time", DateTime)
    datafileModTime: Mapped[datetime | None] = mapped_column("mod_time", DateTime)
    doi: Mapped[str | None] = mapped_column(String(255))
    dataset: Mapped[Dataset] = relationship(back_populates="datafiles")


#: :attr:`DataCollection.status` values: editable, submitted for review, minted.
DRAFT, REVIEW, MINTED = "draft", "review", "minted"


class DataCollection(Base):
    """A chosen subset of datasets and files behind one DOI, with its DataCite metadata.

    ``status`` is the catalogue's workflow (:data:`DRAFT`, :data:`REVIEW`,
    :data:`MINTED`; :mod:`panhub_catalogue.publish.workflow`), ``dataciteState`` the
    DOI's state at DataCite. ``summary`` is the description (``description`` is its
    synonym). ``licence`` is an SPDX id (``None``: the facility's default). A new
    version is a new collection whose ``previous_id`` names the one it replaces (each
    has at most one next version). ``release`` is what the author asked for:
    ``embargo`` (findable once all its data is public) or ``immediate``. A withdrawn
    collection stays as a tombstone (OAI-PMH's deleted record); its DOI still resolves.
    """

    __tablename__ = "data_collection"
    __table_args__ = (
        Index("ix_data_collection_mod_time", "mod_time", "id"),
        Index("ix_data_collection_previous_id", "previous_id", unique=True),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    doi: Mapped[str | None] = mapped_column(String(255), unique=True)
    title: Mapped[str | None] = mapped_column(String(4000))
    summary: Mapped[str | None] = mapped_column(Text)
    description = synonym("summary")
    publicationDate: Mapped[datetime | None] = mapped_column("publication_date", DateTime)
    licence: Mapped[str | None] = mapped_column(String(255))
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    resourceTypeGeneral: Mapped[str] = mapped_column(
        "resource_type_general", String(64), default="Dataset"
    )
    resourceType: Mapped[str | None] = mapped_column("resource_type", String(255))
    version: Mapped[str | None] = mapped_column(String(64))
    # no ON DELETE on these two: SQLite adds them inline, where it keeps no action
    # (catalogue users are never deleted; only drafts are, and a draft is no previous)
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("data_collection.id"))
    status: Mapped[str] = mapped_column(String(16), default=DRAFT)
    dataciteState: Mapped[str | None] = mapped_column("datacite_state", String(16))
    release: Mapped[str] = mapped_column(String(16), default="embargo")
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    reviewNote: Mapped[str | None] = mapped_column("review_note", Text)
    withdrawn: Mapped[bool] = mapped_column(Boolean, default=False)
    createTime: Mapped[datetime] = mapped_column("create_time", DateTime, default=utcnow)
    modTime: Mapped[datetime] = mapped_column("mod_time", DateTime, default=utcnow)
    mintTime: Mapped[datetime | None] = mapped_column("mint_time", DateTime)
    owner: Mapped[User | None] = relationship()
    previous: Mapped[DataCollection | None] = relationship(remote_side=[id])
    creators: Mapped[list[DataCollectionCreator]] = relationship(
        order_by="DataCollectionCreator.position", cascade="all, delete-orphan"
    )
    relatedIdentifiers: Mapped[list[DataCollectionRelated]] = relationship(
        order_by="DataCollectionRelated.position", cascade="all, delete-orphan"
    )
    dataCollectionDatasets: Mapped[list[DataCollectionDataset]] = relationship(
        cascade="all, delete-orphan"
    )
    dataCollectionDatafiles: Mapped[list[DataCollectionDatafile]] = relationship(
        cascade="all, delete-orphan"
    )


class DataCollectionCreator(Base):
    """An author of a data collection, in order (``position`` from 0), as DataCite wants:
    names, a bare ORCID iD, one affiliation with its ROR id."""

    __tablename__ = "data_collection_creator"
    __table_args__ = (UniqueConstraint("data_collection_id", "position"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    data_collection_id: Mapped[int] = mapped_column(
        ForeignKey("data_collection.id", ondelete="CASCADE")
    )
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(255))
    givenName: Mapped[str | None] = mapped_column("given_name", String(255))
    familyName: Mapped[str | None] = mapped_column("family_name", String(255))
    orcid: Mapped[str | None] = mapped_column(String(32))
    affiliation: Mapped[str | None] = mapped_column(String(255))
    affiliationRor: Mapped[str | None] = mapped_column("affiliation_ror", String(255))


class DataCollectionRelated(Base):
    """A work a data collection relates to (``IsSupplementTo`` a paper...), in order."""

    __tablename__ = "data_collection_related"
    __table_args__ = (UniqueConstraint("data_collection_id", "position"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    data_collection_id: Mapped[int] = mapped_column(
        ForeignKey("data_collection.id", ondelete="CASCADE")
    )
    position: Mapped[int] = mapped_column(Integer)
    identifier: Mapped[str] = mapped_column(String(1000))
    identifierType: Mapped[str] = mapped_column("identifier_type", String(32), default="DOI")
    relationType: Mapped[str] = mapped_column("relation_type", String(64))
    resourceTypeGeneral: Mapped[str | None] = mapped_column("resource_type_general", String(64))


class DataCollectionDataset(Base):
    """A dataset in a data collection."""

    __tablename__ = "data_collection_dataset"
    __table_args__ = (UniqueConstraint("data_collection_id", "dataset_id"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    data_collection_id: Mapped[int] = mapped_column(
        ForeignKey("data_collection.id", ondelete="CASCADE")
    )
    dataset_id: Mapped[int] = mapped_column(
        ForeignKey("dataset.id", ondelete="CASCADE"), index=True
    )
    dataset: Mapped[Dataset] = relationship()


class DataCollectionDatafile(Base):
    """A single datafile in a data collection."""

    __tablename__ = "data_collection_datafile"
    __table_args__ = (UniqueConstraint("data_collection_id", "datafile_id"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    data_collection_id: Mapped[int] = mapped_column(
        ForeignKey("data_collection.id", ondelete="CASCADE")
    )
    datafile_id: Mapped[int] = mapped_column(
        ForeignKey("datafile.id", ondelete="CASCADE"), index=True
    )
    datafile: Mapped[Datafile] = relationship()


class ParameterType(Base):
    """A parameter's name and units (``valueType``: NUMERIC, STRING, DATE_AND_TIME).

    ``siFactor``, ``siOffset`` and ``siUnits`` map a value in ``units`` to SI base units
    (``value * siFactor + siOffset``, :mod:`panhub_catalogue.units`); ``None`` when the
    units are not a unit pint knows.
    """

    __tablename__ = "parameter_type"
    __table_args__ = (UniqueConstraint("name", "units"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    units: Mapped[str] = mapped_column(String(255), default="")
    valueType: Mapped[str] = mapped_column("value_type", String(32), default="NUMERIC")
    pid: Mapped[str | None] = mapped_column(String(255))
    siFactor: Mapped[float | None] = mapped_column("si_factor", Float)
    siOffset: Mapped[float | None] = mapped_column("si_offset", Float)
    siUnits: Mapped[str | None] = mapped_column("si_units", String(255))


class _ParameterColumns:
    """Value columns shared by the four parameter tables."""

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    numericValue: Mapped[float | None] = mapped_column("numeric_value", Float)
    stringValue: Mapped[str | None] = mapped_column("string_value", String(4000))
    dateTimeValue: Mapped[datetime | None] = mapped_column("date_time_value", DateTime)
    error: Mapped[float | None] = mapped_column(Float)


class InvestigationParameter(_ParameterColumns, Base):
    """A typed value with units attached to an investigation."""

    __tablename__ = "investigation_parameter"
    investigation_id: Mapped[int] = mapped_column(
        ForeignKey("investigation.id", ondelete="CASCADE"), index=True
    )
    type_id: Mapped[int] = mapped_column(ForeignKey("parameter_type.id"))
    type: Mapped[ParameterType] = relationship()


class SampleParameter(_ParameterColumns, Base):
    """A typed value with units attached to a sample."""

    __tablename__ = "sample_parameter"
    sample_id: Mapped[int] = mapped_column(ForeignKey("sample.id", ondelete="CASCADE"), index=True)
    type_id: Mapped[int] = mapped_column(ForeignKey("parameter_type.id"))
    type: Mapped[ParameterType] = relationship()


class DatasetParameter(_ParameterColumns, Base):
    """A typed value with units attached to a dataset."""

    __tablename__ = "dataset_parameter"
    dataset_id: Mapped[int] = mapped_column(
        ForeignKey("dataset.id", ondelete="CASCADE"), index=True
    )
    type_id: Mapped[int] = mapped_column(ForeignKey("parameter_type.id"))
    type: Mapped[ParameterType] = relationship()


class DatafileParameter(_ParameterColumns, Base):
    """A typed value with units attached to a datafile."""

    __tablename__ = "datafile_parameter"
    datafile_id: Mapped[int] = mapped_column(
        ForeignKey("datafile.id", ondelete="CASCADE"), index=True
    )
    type_id: Mapped[int] = mapped_column(ForeignKey("parameter_type.id"))
    type: Mapped[ParameterType] = relationship()


#: :attr:`LogbookEntry.type` values: written by a person, or sent by the beamline.
ANNOTATION, NOTIFICATION = "annotation", "notification"


class LogbookEntry(Base):
    """One electronic logbook entry of an investigation (an ICAT+ logbook "event").

    ``type`` is :data:`ANNOTATION` (a person wrote it; ``author`` is set) or
    :data:`NOTIFICATION` (the beamline or an acquisition script sent it; ``author`` may
    be ``None``). ``category`` is ICAT+'s (``info``, ``comment``, ``error``,
    ``commandLine``, ``debug``). ``tags`` holds comma-separated tags without spaces
    around them. An entry is visible exactly when its investigation is.
    """

    __tablename__ = "logbook_entry"
    __table_args__ = (
        Index("ix_logbook_entry_investigation_time", "investigation_id", "create_time", "id"),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    investigation_id: Mapped[int] = mapped_column(
        ForeignKey("investigation.id", ondelete="CASCADE")
    )
    dataset_id: Mapped[int | None] = mapped_column(
        ForeignKey("dataset.id", ondelete="SET NULL"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    createTime: Mapped[datetime] = mapped_column("create_time", DateTime)
    type: Mapped[str] = mapped_column(String(32))
    category: Mapped[str] = mapped_column(String(32))
    tags: Mapped[str] = mapped_column(String(1400), default="")
    content: Mapped[str] = mapped_column(Text)
    investigation: Mapped[Investigation] = relationship()
    dataset: Mapped[Dataset | None] = relationship()
    author: Mapped[User | None] = relationship()
    # loaded with the entries (one query per page), without their bytes
    attachments: Mapped[list[LogbookAttachment]] = relationship(
        back_populates="entry",
        lazy="selectin",
        order_by="LogbookAttachment.id",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )


class LogbookAttachment(Base):
    """A figure of a logbook entry: a PNG or JPEG image, checked on the way in.

    ``mimeType`` is ``image/png`` or ``image/jpeg`` and ``data`` starts with that
    format's signature (:func:`panhub_catalogue.logbook.parse_figure`); ``data`` is read
    only when the figure itself is asked for. Visible exactly when its entry is.
    """

    __tablename__ = "logbook_attachment"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    entry_id: Mapped[int] = mapped_column(
        ForeignKey("logbook_entry.id", ondelete="CASCADE"), index=True
    )
    mimeType: Mapped[str] = mapped_column("mime_type", String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    entry: Mapped[LogbookEntry] = relationship(back_populates="attachments")
