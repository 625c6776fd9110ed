"""Routes of the PaNOSC search API under ``<base_url>panosc/`` (adapters over
:mod:`panhub_catalogue.panosc`)."""

from __future__ import annotations

from urllib.parse import unquote

from panhub_catalogue.panosc.search import ROOTS, search
from panhub_catalogue.web.handlers import CatalogueHandler
from panhub_catalogue.web.params import get_single, reject_unknown

KINDS = "Documents|Datasets|Instruments"


class PanoscHandler(CatalogueHandler):
    """``GET panosc/<Kind>``, ``panosc/<Kind>/count`` and ``panosc/<Kind>/<pid>``.

    Public data only, whoever asks: the caller's identity is not used.
    """

    async def get(self, kind: str, rest: str | None = None) -> None:
        params = self.query_params()
        reject_unknown(params, ("filter", "query"), unlisted=("where",))
        filter_text = get_single(params, "filter")
        where = get_single(params, "where")  # /count?where={...}, as LoopBack allows
        if where is not None:
            filter_text = '{"where": ' + where + "}"
        kind = {k.lower(): k for k in ROOTS}[kind.lower()]
        query = get_single(params, "query")
        count = rest == "count"
        pid = None if rest in (None, "count") else unquote(rest or "")
        await self.answer(
            lambda session, _identity, now: search(
                session, kind, filter_text, now, count=count, pid=pid, query=query
            )
        )


def make_panosc_routes(base_url: str) -> list[tuple[str, type[PanoscHandler]]]:
    """The PaNOSC routes, case-insensitive on the class name as the portal varies."""
    return [(base_url + rf"panosc/(?i:({KINDS}))(?:/(.+))?", PanoscHandler)]
