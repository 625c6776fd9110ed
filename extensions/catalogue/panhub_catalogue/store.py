"""Writing to the catalogue: find-or-create lookups and derived columns.

Used by the indexer, the ICAT import, the demo and the benchmark generator, so that
derived values (file counts and sizes, ``searchText``, ``InvestigationTechnique``) are
computed in one place.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from panhub_catalogue.model import (
    Base,
    Datafile,
    Dataset,
    DatasetTechnique,
    Facility,
    Instrument,
    Investigation,
    InvestigationTechnique,
    ParameterType,
    Technique,
    User,
    make_search_text,
)
from panhub_catalogue.units import try_si_map

Row = TypeVar("Row", bound=Base)


def add_years(moment: datetime, years: int) -> datetime:
    """Calendar arithmetic for embargoes: 29 February becomes 28 February when needed."""
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:
        return moment.replace(year=moment.year + years, day=28)


class Lookup:
    """Find-or-create of the small shared rows, cached for one session.

    Parameters
    ----------
    session
        Where rows are looked up and added (flushed at once to get ids).
    """

    def __init__(self, session: Session) -> None:
        self.session = session
        self._cache: dict[tuple[Any, ...], Any] = {}
        self._linked: set[tuple[Any, ...]] = set()

    def get(self, model: type[Row], defaults: dict[str, Any] | None = None, **keys: Any) -> Row:
        """The row of ``model`` with these key columns, created with ``defaults`` if absent."""
        cache_key = (model, *sorted(keys.items()))
        row = self._cache.get(cache_key)
        if row is None:
            row = self.session.scalar(select(model).filter_by(**keys))
            if row is None:
                row = model(**keys, **(defaults or {}))
                self.session.add(row)
                self.session.flush()
            self._cache[cache_key] = row
        return row

    def add_once(self, model: type[Any], **keys: Any) -> bool:
        """Add the row of ``model`` with these columns unless it exists; ``True`` if added.

        For link rows (``InvestigationUser``, ``DatasetTechnique``, ...), which have no
        defaults and are never read back; each key is checked once per session.
        """
        cache_key = (model, *sorted(keys.items()))
        if cache_key in self._linked:
            return False
        self._linked.add(cache_key)
        if self.session.scalar(select(model.id).filter_by(**keys)) is not None:
            return False
        self.session.add(model(**keys))
        return True

    def facility(self, name: str, days_until_release: int | None = None) -> Facility:
        """A facility by name."""
        return self.get(Facility, {"daysUntilRelease": days_until_release}, name=name)

    def instrument(self, facility: Facility, name: str) -> Instrument:
        """A beamline of ``facility`` by name."""
        return self.get(Instrument, facility_id=facility.id, name=name)

    def user(self, name: str, full_name: str | None = None) -> User:
        """A user by login name."""
        return self.get(User, {"fullName": full_name}, name=name)

    def technique(self, name: str, pid: str | None = None) -> Technique:
        """A technique by name (``pid``: its PaNET IRI)."""
        return self.get(Technique, {"pid": pid}, name=name)

    def parameter_type(self, name: str, units: str, value_type: str = "NUMERIC") -> ParameterType:
        """A parameter type by name and units, with its SI map when pint knows the units."""
        found = try_si_map(units)
        defaults: dict[str, Any] = {"valueType": value_type}
        if found is not None:
            defaults |= {"siFactor": found.factor, "siOffset": found.offset, "siUnits": found.units}
        return self.get(ParameterType, defaults, name=name, units=units)


def update_search_text(investigation: Investigation) -> None:
    """Recompute ``searchText`` from the free-text fields (name, visitId, title, summary, DOI)."""
    investigation.searchText = make_search_text(
        investigation.name,
        investigation.visitId,
        investigation.title,
        investigation.summary,
        investigation.doi,
    )


def _widen(
    current: datetime | None, found: datetime | None, pick: Callable[..., datetime]
) -> datetime | None:
    values = [v for v in (current, found) if v is not None]
    return pick(values) if values else None


def refresh_investigation(session: Session, investigation_id: int) -> None:
    """Recompute the derived columns of one investigation and its datasets.

    Dataset and investigation ``fileCount``/``fileSize``, the investigation's date
    range widened to cover its datasets (``processed`` ones excepted: users write them),
    ``searchText``, and its ``InvestigationTechnique`` rows.
    """
    per_dataset = (
        select(
            Datafile.dataset_id,
            func.count().label("n"),
            func.coalesce(func.sum(Datafile.fileSize), 0).label("size"),
        )
        .join(Dataset, Dataset.id == Datafile.dataset_id)
        .where(Dataset.investigation_id == investigation_id)
        .group_by(Datafile.dataset_id)
    )
    counts = {row.dataset_id: (int(row.n), int(row.size)) for row in session.execute(per_dataset)}
    for dataset in session.scalars(
        select(Dataset).where(Dataset.investigation_id == investigation_id)
    ):
        dataset.fileCount, dataset.fileSize = counts.get(dataset.id, (0, 0))
    investigation = session.get_one(Investigation, investigation_id)
    investigation.fileCount = sum(n for n, _ in counts.values())
    investigation.fileSize = sum(s for _, s in counts.values())
    # processed/ is user-writable: its files' start times must not move the investigation's
    # dates, from which an embargo's end is derived (set_release_dates)
    start, end = session.execute(
        select(func.min(Dataset.startDate), func.max(Dataset.endDate)).where(
            Dataset.investigation_id == investigation_id,
            Dataset.type.is_distinct_from("processed"),
        )
    ).one()
    investigation.startDate = _widen(investigation.startDate, start, min)
    investigation.endDate = _widen(investigation.endDate, end, max)
    update_search_text(investigation)
    techniques = set(
        session.scalars(
            select(DatasetTechnique.technique_id)
            .join(Dataset, Dataset.id == DatasetTechnique.dataset_id)
            .where(Dataset.investigation_id == investigation_id)
        )
    )
    session.execute(
        delete(InvestigationTechnique).where(
            InvestigationTechnique.investigation_id == investigation_id
        )
    )
    if techniques:
        session.execute(
            insert(InvestigationTechnique),
            [{"investigation_id": investigation_id, "technique_id": t} for t in sorted(techniques)],
        )
    session.flush()


def set_release_dates(session: Session, facility: Facility, embargo_years: int) -> int:
    """Give investigations without a release date ``startDate + embargo_years``.

    Returns
    -------
    int
        How many investigations got a release date.
    """
    pending = session.scalars(
        select(Investigation).where(
            Investigation.facility_id == facility.id,
            Investigation.releaseDate.is_(None),
            Investigation.startDate.is_not(None),
        )
    ).all()
    for investigation in pending:
        assert investigation.startDate is not None
        investigation.releaseDate = add_years(investigation.startDate, embargo_years)
    return len(pending)
