"""Routes of the PaNOSC search API under ``<base_url>panosc/`` (adapters over
:mod:`panhub_catalogue.panosc`)."""

from __future__ import annotations

from typing import Any

from panhub_catalogue.panosc.search import ROOTS, Call, search
from panhub_catalogue.web.handlers import CatalogueHandler
from panhub_catalogue.web.params import get_single, reject_unknown

KINDS = "|".join(ROOTS)


def parse_path(kind: str, rest: str | None) -> Call:
    """``<Kind>[/<pid>][/files][/count]`` (``rest`` already URL-decoded) as a :class:`Call`."""
    kind = {k.lower(): k for k in ROOTS}[kind.lower()]
    rest = (rest or "").strip("/")
    count = rest == "count" or rest.endswith("/count")
    if count:
        rest = rest.removesuffix("count").rstrip("/")
    files = kind == "Datasets" and (rest.endswith("/files") and rest != "/files")
    if files:
        rest = rest.removesuffix("/files")
    return Call(kind, pid=rest or None, files=files, count=count)


class PanoscHandler(CatalogueHandler):
    """``GET panosc/<Kind>``, ``/count``, ``/<pid>``, ``Datasets/<pid>/files[/count]``.

    Public data only, whoever asks: the caller's identity is not used. Errors carry
    LoopBack's ``error`` object beside panhub's ``message``.
    """

    async def get(self, kind: str, rest: str | None = None) -> None:
        params = self.query_params()
        reject_unknown(params, ("filter", "where", "query"))
        call = parse_path(kind, rest)
        call = Call(
            call.kind,
            call.pid,
            call.files,
            call.count,
            filter=get_single(params, "filter"),
            where=get_single(params, "where"),
            query=get_single(params, "query"),
        )
        license = self.service_options.data_license or None
        await self.answer(lambda session, _identity, now: search(session, call, now, license))

    def error_body(self, status: int, message: str) -> dict[str, Any]:
        """panhub's error, with LoopBack's ``error`` object beside it."""
        loopback = {"statusCode": status, "name": "Error", "message": message}
        return {**super().error_body(status, message), "error": loopback}


def make_panosc_routes(base_url: str) -> list[tuple[str, type[PanoscHandler]]]:
    """The PaNOSC routes, case-insensitive on the class name as the portal varies."""
    return [(base_url + rf"panosc/(?i:({KINDS}))(?:/(.+))?", PanoscHandler)]
