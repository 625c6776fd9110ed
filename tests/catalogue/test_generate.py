"""The benchmark's catalogue generator: consistent totals, derived rows kept, both backends."""

from __future__ import annotations

from panhub_catalogue.generate import Sizes, generate
from panhub_catalogue.model import Datafile, Dataset, Investigation, InvestigationFacet
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker


def test_generated_totals_match_the_rows(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        engine = session.get_bind()
    assert isinstance(engine, Engine)
    sizes = generate(engine, 0.0003)
    assert sizes == Sizes(30)
    with sessions() as session:
        per_investigation = session.execute(
            select(Dataset.investigation_id, func.count(), func.sum(Datafile.fileSize))
            .join(Datafile, Datafile.dataset_id == Dataset.id)
            .group_by(Dataset.investigation_id)
        )
        totals = {i: (int(n), int(size)) for i, n, size in per_investigation}
        stored = {i.id: (i.fileCount, i.fileSize) for i in session.scalars(select(Investigation))}
        assert stored == totals
        assert len(totals) == 30
        # the triggers of migration 0003 kept one "all" facet row per investigation
        everything = select(func.count()).where(InvestigationFacet.facet == 0)
        assert session.scalar(everything) == 30
