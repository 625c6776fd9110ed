"""The server extension's routes in the user's JupyterLab server (thin adapters).

Every route answers JSON under ``<base_url>panhub-catalogue/api/``, needs the server's
own login (``@tornado.web.authenticated``) and serves the server's owner only: under
JupyterHub's sharing, a guest would otherwise act with the owner's catalogue rights.
Errors are ``{"message": ...}`` with the status, written in one place
(:meth:`LabHandler.write_error`).
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import tornado.web
from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import ensure_async, url_path_join

from panhub_catalogue import __version__
from panhub_catalogue.lab.code import make_open_code
from panhub_catalogue.lab.templates import (
    TemplateError,
    check_destination,
    copy_template,
    find_templates,
    get_template,
)

if TYPE_CHECKING:
    from panhub_catalogue.lab.config import PanhubCatalogue

#: URL namespace of the routes, below the server's base URL.
NAMESPACE = "panhub-catalogue"


class LabHandler(APIHandler):
    """Base of the routes: owner-only, JSON errors."""

    async def prepare(self) -> None:  # type: ignore[override]
        await super().prepare()
        owner = os.environ.get("JUPYTERHUB_USER")
        user = self.current_user
        name = getattr(user, "username", None) or getattr(user, "name", None)
        if owner and user is not None and name != owner:
            raise tornado.web.HTTPError(403, "this server's catalogue is its owner's only")

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        self.set_header("Content-Type", "application/json")
        reason = self._reason
        exc = kwargs.get("exc_info", (None, None, None))[1]
        if isinstance(exc, tornado.web.HTTPError) and exc.log_message:
            reason = exc.log_message % exc.args if exc.args else exc.log_message
        body: dict[str, Any] = {"message": reason}
        problems = getattr(exc, "problems", None)
        if problems:  # a collection's: what DataCite would still refuse
            body["problems"] = problems
        self.finish(json.dumps(body))

    def write_json(self, body: Any, status: int = 200) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(body))

    def get_os_path(self, api_path: str) -> str:
        """The file-system path of a contents-API path (relative to the server's root)."""
        manager = self.contents_manager
        root = os.path.abspath(getattr(manager, "root_dir", os.getcwd()))
        path = os.path.normpath(os.path.join(root, api_path.strip("/")))
        if path != root and not path.startswith(root.rstrip("/") + "/"):
            raise tornado.web.HTTPError(400, "the path leaves the server's root folder")
        return path


class VersionHandler(LabHandler):
    """``GET api/version``: the server half is there, and its version (the handshake)."""

    @tornado.web.authenticated
    def get(self) -> None:
        self.write_json({"version": __version__})


class OpenCodeHandler(LabHandler):
    """``GET api/open-code?path=<contents path>``: the path as mounted, code that opens it."""

    @tornado.web.authenticated
    def get(self) -> None:
        api_path = self.get_query_argument("path", "")
        if not api_path:
            raise tornado.web.HTTPError(400, "path: missing")
        path = self.get_os_path(api_path)
        self.write_json({"path": path, "code": make_open_code(path)})


class PlacesHandler(LabHandler):
    """``GET api/places``: the user's folders as contents paths, for the file browser.

    ``home`` (the home folder) and ``proposals`` (where the proposals are mounted,
    ``$PANHUB_PROPOSALS_VIEW``); each is null when it is not under the server's root or
    does not exist here.
    """

    @tornado.web.authenticated
    def get(self) -> None:
        root = os.path.abspath(getattr(self.contents_manager, "root_dir", os.getcwd()))
        folders = {
            "home": os.path.expanduser("~"),
            "proposals": os.environ.get("PANHUB_PROPOSALS_VIEW", ""),
        }
        self.write_json({name: get_contents_path(root, path) for name, path in folders.items()})


class TemplatesHandler(LabHandler):
    """``GET api/templates``: the template notebooks of ``c.PanhubCatalogue.templates_path``.

    ``{"items": [...]}``, sorted by technique then id, each with its kernel and whether
    this server has that kernel (:meth:`~panhub_catalogue.lab.templates.Template.describe`).
    """

    @tornado.web.authenticated
    async def get(self) -> None:
        config: PanhubCatalogue = self.settings["panhub_catalogue"].config
        specs = await ensure_async(self.kernel_spec_manager.get_all_specs())
        templates = await asyncio.to_thread(find_templates, config.templates_path, self.log)
        self.write_json({"items": [t.describe(set(specs)) for t in templates]})


class TemplateCopyHandler(LabHandler):
    """``POST api/templates/copy {"template", "destination"}``: a copy, never in place (201).

    ``destination`` is a folder as a contents path (``data/20260042/processed``, ``""``
    for the root). The answer is ``{"path", "name", "template"}``, ``path`` the copy's
    contents path. 403 when the folder is read-only (a proposal's ``raw/``, no write
    permission, a read-only mount), with a message saying where to copy instead.
    """

    @tornado.web.authenticated
    async def post(self) -> None:
        body = self.get_json_body()
        if not isinstance(body, dict):
            raise tornado.web.HTTPError(400, "the body must be a JSON object")
        unknown = sorted(set(body) - {"template", "destination"})
        if unknown:
            raise tornado.web.HTTPError(
                400, "%s", f"unknown key {unknown[0][:40]!r}; known: template, destination"
            )
        destination = body.get("destination", "")
        if not isinstance(destination, str) or "\x00" in destination:
            raise tornado.web.HTTPError(400, "destination must be a folder's path")
        config: PanhubCatalogue = self.settings["panhub_catalogue"].config
        root = Path(self.get_os_path(""))
        folder = Path(self.get_os_path(destination))

        def work() -> dict[str, Any]:
            template = get_template(
                find_templates(config.templates_path, self.log), body.get("template")
            )
            copy = copy_template(
                template, check_destination(root, folder, config.proposals_view), root
            )
            path = (folder / copy.name).relative_to(root).as_posix()
            return {"path": path, "name": copy.name, "template": template.id}

        try:
            copy = await asyncio.to_thread(work)
        except TemplateError as error:
            raise tornado.web.HTTPError(error.status, "%s", error.message) from None
        self.write_json(copy, status=201)


def get_contents_path(root: str, path: str) -> str | None:
    """``path`` as a contents path below ``root`` (``""`` for the root itself), or None.

    None when ``path`` is empty, not a folder, or outside ``root``.
    """
    if not path or not os.path.isdir(path):
        return None
    path = os.path.abspath(path)
    if path == root:
        return ""
    prefix = root.rstrip("/") + "/"
    return path[len(prefix) :] if path.startswith(prefix) else None


def make_routes(base_url: str) -> list[tuple[str, type[LabHandler]]]:
    """The routes of the server extension below ``base_url``."""

    def url(pattern: str) -> str:
        return url_path_join(base_url, NAMESPACE, "api", pattern)

    return [
        (url("version"), VersionHandler),
        (url("open-code"), OpenCodeHandler),
        (url("places"), PlacesHandler),
        (url("templates"), TemplatesHandler),
        (url("templates/copy"), TemplateCopyHandler),
    ]
