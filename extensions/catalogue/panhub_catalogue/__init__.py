"""panhub's data catalogue: an ICAT-shaped model, a NeXus indexer and a hub service.

The top-level modules are the core (no tornado). The subpackages build on the core and
not on each other, except ``web``, which serves what ``ingest`` and ``panosc`` hold. Of
the core, only the command line imports a subpackage (``ingest``; ``web`` to serve).

Modules
-------
model        the tables, with ICAT's class and field names; search text normalisation
db           engines, sessions and the alembic migrations (``migrations/``)
settings     ``CatalogueDatabase``: the database URL, shared by the CLI and the service
store        writes: find-or-create lookups, derived columns, release dates
identity     a hub user as an ``Identity`` (username, admin, beamlines)
errors       ``CatalogueError`` and its HTTP statuses (400, 401, 403, 404, 416)
clock        naive-UTC now and ISO 8601 ``Z`` times
visibility   the visibility rule (who sees which rows) and the checked lookups
search       investigation search: filters, full text, the facet-index planner, facets
records      JSON records of rows that passed the rule, with ICAT's field names;
             datafiles' paths relative to the proposals root
citation     how to cite an investigation: DataCite's text form, BibTeX, RIS
logbook      the electronic logbook: who reads, who writes, entries and their figures
logbook_cli  ``panhub-catalogue logbook add``
cli          ``panhub-catalogue``: index, migrate, members, icat, logbook, demo, serve
demo         small NeXus files with known metadata: the demo proposals, tests, benchmarks
generate     a synthetic catalogue of any size, for the benchmarks
ingest/      rows in: the NeXus indexer, pruning, the membership directory, ICAT import
panosc/      the PaNOSC search API over public data: entities, LoopBack filters, search
web/         the tornado service: routes, handlers, answers, params, landing pages,
             downloads

The user's side (never imported by the service; all but ``lab`` standard library only):

client       ``CatalogueClient``: the one HTTP client (URL and token from the environment,
             errors as ``CatalogueError``), ``PathMap`` (location -> path as mounted)
transfer     copies of a catalogued file: resumable, capped, with progress, no overwrite
api          ``Catalogue``, the Python API for notebooks (``from panhub_catalogue import
             Catalogue``, imported lazily); ``reprs``: its records and HTML reprs;
             ``figures``: logbook figures as PNG/JPEG
lab/         the jupyter_server extension in the user's server (the catalogue panel's routes)
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"
__all__ = ["Catalogue", "__version__"]


def __getattr__(name: str) -> Any:
    # lazy: the service imports this package and never needs the notebook API
    if name == "Catalogue":
        from panhub_catalogue.api import Catalogue

        return Catalogue
    raise AttributeError(name)
