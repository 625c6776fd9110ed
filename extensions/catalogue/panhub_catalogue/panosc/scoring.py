"""Relevance of results to the ``query`` keywords, as the federated search merges them.

The federation asks every provider for its best ``limit`` results, keeps only those whose
``score`` is a number strictly between 0 and 1 (``FILTER_INVALID_SCORES``, on in
production), and, when the request had a ``query``, merges all providers' lists by
score. So every result panhub gives has such a score:

* with keywords, the share of the query that the result matches, each word weighted by
  its inverse document frequency among the public rows of its kind (a rare word counts
  more than a common one, a word no public row has the most), mapped into
  [``MIN_SCORE``, ``MAX_SCORE``]; results match at least one word;
* without keywords, :data:`UNRANKED` (there is nothing to rank by; the federation then
  sorts by title).

Words match as the catalogue's own search does (the full-text index, the last word of a
term as a prefix) in a document's name, title, summary and DOI, in a dataset's title or
its document's text, and in an instrument's name or facility.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
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
        documents = select(Investigation.id).where(match_words((word,), dialect)).correlate(None)
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


#: How long a word's weight is reused, in seconds: document frequencies are a statistic
#: of the whole public catalogue (the PaNOSC scoring service computes its weights ahead).
WEIGHT_TTL = 600.0
#: Most words whose weights are kept.
MAX_WEIGHTS = 10_000
_weights: OrderedDict[tuple[str, str, str], tuple[float, float]] = OrderedDict()
_lock = threading.Lock()


def _kept(key: tuple[str, str, str], count: Any) -> float:
    """``count()``, or its value of the last :data:`WEIGHT_TTL` seconds."""
    now = time.monotonic()
    with _lock:
        found = _weights.get(key)
        if found is not None and found[1] > now:
            _weights.move_to_end(key)
            return found[0]
    value = float(count())
    with _lock:
        _weights[key] = (value, now + WEIGHT_TTL)
        while len(_weights) > MAX_WEIGHTS:
            _weights.popitem(last=False)
    return value


def weight(session: Session, corpus: Any, kind: str, word: str, dialect: str) -> float:
    """``ln(1 + n / (df + 1))``: ``n`` public rows of ``kind``, ``df`` of them with ``word``.

    Counted on public rows only, so that no score says anything about data under
    embargo; a word no public row has weighs the most. Counts are kept
    :data:`WEIGHT_TTL` seconds.
    """
    database = str(session.get_bind().engine.url)

    def count(statement: Any) -> int:
        return session.scalar(select(func.count()).select_from(statement.subquery())) or 0

    total = _kept((database, kind, ""), lambda: count(corpus))
    df = _kept(
        (database, kind, word), lambda: count(corpus.where(word_clause(kind, word, dialect)))
    )
    return math.log(1 + total / (df + 1))


def share(weights: dict[str, float], matched: tuple[str, ...]) -> float:
    """The share of the query's weight that ``matched`` words carry (0 to 1)."""
    out_of = sum(weights.values()) or 1.0
    return sum(weights[w] for w in matched) / out_of


@dataclass(frozen=True)
class Ranking:
    """How to rank a query's candidate rows: which rows, and their share as SQL."""

    candidates: ColumnElement[bool]
    score: Any


def make_ranking(
    weights: dict[str, float], kind: str, words: tuple[str, ...], dialect: str
) -> Ranking:
    """Rows matching any of ``words`` and their share of the query's ``weights``, in SQL."""
    clauses = [word_clause(kind, w, dialect) for w in words]
    out_of = sum(weights.values()) or 1.0
    score = sum(
        (
            case((c, literal(weights[w] / out_of)), else_=literal(0.0))
            for c, w in zip(clauses, words, strict=True)
        ),
        cast(literal(0.0), Float),
    )
    return Ranking(or_(*clauses), score)
