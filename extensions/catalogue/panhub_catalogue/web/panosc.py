"""Routes of the PaNOSC search API under ``<base_url>panosc/`` (adapters over :mod:`panosc`)."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from sqlalchemy.orm import Session

from panhub_catalogue.errors import BadRequest
from panhub_catalogue.panosc.search import ROOTS, search
from panhub_catalogue.web.handlers import CatalogueHandler
from panhub_catalogue.web.params import get_single

KINDS = "Documents|Datasets|Instruments"


class PanoscHandler(CatalogueHandler):
    """``GET panosc/<Kind>``, ``panosc/<Kind>/count`` and ``panosc/<Kind>/<pid>``."""

    async def get(self, kind: str, rest: str | None = None) -> None:
        params = self.query_params()
        unknown = sorted(set(params) - {"filter", "query", "where"})
        if unknown:
            raise BadRequest(f"unknown parameter '{unknown[0][:40]}'; known: filter, query")
        filter_text = get_single(params, "filter")
        where = get_single(params, "where")  # /count?where={...}, as LoopBack allows
        if where is not None:
            filter_text = '{"where": ' + where + "}"
        kind = {k.lower(): k for k in ROOTS}[kind.lower()]
        query = get_single(params, "query")
        count = rest == "count"
        pid = None if rest in (None, "count") else unquote(rest or "")
        now = self.service_options.clock()

        def work(session: Session) -> Any:
            return search(session, kind, filter_text, now, count=count, pid=pid, query=query)

        self.write_json(await self.run(work))


def make_panosc_routes(base_url: str) -> list[tuple[str, type[PanoscHandler]]]:
    """The PaNOSC routes, case-insensitive on the class name as the portal varies."""
    return [(base_url + rf"panosc/(?i:({KINDS}))(?:/(.+))?", PanoscHandler)]
