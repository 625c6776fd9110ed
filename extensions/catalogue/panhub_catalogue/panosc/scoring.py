"""Relevance of results to the ``query`` keywords, as the federated search merges them.

The federation asks every provider for its best ``limit`` results, keeps only those whose
``score`` is a number strictly between 0 and 1 (``FILTER_INVALID_SCORES``, on in
production), and, when the request had a ``query``, merges all providers' lists by
score. So every result panhub gives has such a score:

* with keywords, the share of the query that the result matches, each word weighted by
  its inverse document frequency among the public rows the filter selects (a rare word
  counts more than a common one), mapped into [``MIN_SCORE``, ``MAX_SCORE``]; results
  match at least one word;
* without keywords, :data:`UNRANKED` (there is nothing to rank by; the federation then
  sorts by title).

Words match as the catalogue's own search does (the full-text index, the last word of a
term as a prefix) in a document's name, title, summary and DOI, in a dataset's title or
its document's text, and in an instrument's name or facility.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Float, case, cast, func, literal, literal_column, or_, select
from sqlalchemy.orm import Session

from panhub_catalogue.errors import BadRequest
from panhub_catalogue.model import Dataset, Instrument, Investigation, make_search_text
from panhub_catalogue.panosc.filters import escape_like
from panhub_catalogue.search import MAX_WORDS, fts5_ids, match_words

MIN_SCORE = 0.001
MAX_SCORE = 0.999
#: The score of every result of a search without keywords.
UNRANKED = MIN_SCORE


def query_words(text: Any) -> tuple[str, ...]:
    """The distinct normalised words of ``query`` (400 when too many or not a string)."""
    if text is None:
        return ()
    if not isinstance(text, str):
        raise BadRequest("query: must be a string of keywords")
    words = tuple(dict.fromkeys(make_search_text(text).split()))
    if len(words) > MAX_WORDS:
        raise BadRequest(f"query: {len(words)} words, at most {MAX_WORDS}")
    return words


def word_clause(kind: str, word: str, dialect: str) -> ColumnElement[bool]:
    """Rows of the root ``kind`` (Documents, Datasets, Instruments) that match ``word``."""
    if kind == "Documents":
        return match_words((word,), dialect)
    pattern = f"%{escape_like(word)}%"
    if kind == "Datasets":
        documents = select(Investigation.id).where(match_words((word,), dialect))
        return or_(
            Dataset.investigation_id.in_(documents),
            func.lower(Dataset.name).like(pattern, escape="\\"),
        )
    facility = Instrument.facility.property.mapper.class_
    return or_(
        func.lower(Instrument.name).like(pattern, escape="\\"),
        Instrument.facility_id.in_(
            select(facility.id).where(func.lower(facility.name).like(pattern, escape="\\"))
        ),
    )


def present_words(
    session: Session, statement: Any, kind: str, words: tuple[str, ...], dialect: str
) -> tuple[str, ...]:
    """The words at least one of ``statement``'s rows matches (the others weigh nothing).

    On SQLite a document word is first looked for among its first 100 full-text matches,
    which settles a common word without listing all its matches.
    """

    def present(word: str) -> bool:
        if kind == "Documents" and dialect == "sqlite":
            sample = Investigation.id.in_(fts5_ids((word,)).limit(100))
            if session.scalar(select(statement.where(sample).exists())):
                return True
        return bool(
            session.scalar(select(statement.where(word_clause(kind, word, dialect)).exists()))
        )

    return tuple(w for w in words if present(w))


#: Full-text matches read at a time, and most reads, when matches drive a search.
CHUNK, MAX_CHUNKS = 200, 10


def stream_all_words(
    session: Session, statement: Any, words: tuple[str, ...], wanted: int
) -> list[Any] | None:
    """The first ``wanted`` documents (by id) of ``statement`` with every word, read in
    id order from SQLite's full-text index a chunk at a time; ``None`` when that takes
    more than :data:`MAX_CHUNKS` reads (the filter keeps few of the matches).

    Common words settle in one read of :data:`CHUNK` matches, instead of a walk of every
    row testing each against the set of all the matches (SQLite's plan for ``id IN
    (...) ORDER BY id``). Fewer than ``wanted`` means every match was seen.
    """
    rowid: Any = literal_column("rowid")
    found: list[Any] = []
    last = 0
    for _ in range(MAX_CHUNKS):
        ids = list(
            session.scalars(fts5_ids(words).where(rowid > last).order_by(rowid).limit(CHUNK))
        )
        if ids:
            last = ids[-1]
            found += session.scalars(
                statement.where(Investigation.id.in_(ids)).order_by(Investigation.id)
            )
        if len(found) >= wanted or len(ids) < CHUNK:
            return found[:wanted]
    return None


def scale(share: float) -> float:
    """A share of the query's weight (0 to 1) as a score the federation keeps."""
    return round(MIN_SCORE + (MAX_SCORE - MIN_SCORE) * share, 6)


@dataclass(frozen=True)
class Ranking:
    """How to rank a query's candidate rows: the SQL score and what it is out of."""

    candidates: ColumnElement[bool]
    score: Any


def make_ranking(
    session: Session, statement: Any, kind: str, words: tuple[str, ...], dialect: str
) -> Ranking:
    """Weights of ``words`` over the rows ``statement`` selects, as an SQL score in [0, 1].

    Each word's weight is ``ln(1 + n / df)``: ``n`` rows, ``df`` of them with the word.
    Counted on the same public rows the request may see, so the weights say nothing about
    data under embargo.
    """
    clauses = [word_clause(kind, w, dialect) for w in words]
    total = session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    weights = []
    for clause in clauses:
        found = statement.where(clause)
        df = session.scalar(select(func.count()).select_from(found.subquery())) or 0
        weights.append(math.log(1 + total / df) if df else 0.0)
    out_of = sum(weights) or 1.0
    score = sum(
        (
            case((c, literal(w / out_of)), else_=literal(0.0))
            for c, w in zip(clauses, weights, strict=True)
        ),
        cast(literal(0.0), Float),
    )
    return Ranking(or_(*clauses), score)
