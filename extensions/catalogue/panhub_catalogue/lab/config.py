"""``c.PanhubCatalogue``: the server extension's settings, and what it builds from them."""

from __future__ import annotations

import os
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from traitlets import Float, Int, List, Unicode, default
from traitlets.config import Configurable

from panhub_catalogue.client import (
    DEFAULT_PROPOSALS_ROOT,
    DEFAULT_TIMEOUT,
    CatalogueClient,
    PathMap,
    get_default_url,
)
from panhub_catalogue.lab.copies import Copies

GIB = 1024**3
#: A site's own templates (``/etc/panhub/notebooks/<technique>/NN-<verb>-<noun>.ipynb``).
SITE_TEMPLATES = "/etc/panhub/notebooks"


class PanhubCatalogue(Configurable):
    """The catalogue panel's server half in the user's JupyterLab server.

    Every setting has a default from the environment the hub's spawner gives the server,
    so a deployment sets none of them; ``jupyter_server_config.py`` may, e.g.
    ``c.PanhubCatalogue.copy_max_bytes = 20 * 1024**3``.
    """

    url = Unicode(
        config=True,
        help="Base URL of the catalogue service as this server reaches it, ending in "
        "'/services/catalogue/', e.g. 'http://hub.example.org:8090/services/catalogue/'. "
        "Defaults to $PANHUB_CATALOGUE_URL, else $JUPYTERHUB_PUBLIC_URL + "
        "'services/catalogue/'. The server's $JUPYTERHUB_API_TOKEN authenticates the calls.",
    )
    timeout = Float(
        DEFAULT_TIMEOUT,
        config=True,
        help="Seconds to wait for the catalogue to connect or to send the next bytes, e.g. "
        "10; then the panel is told the catalogue is slow (HTTP 504).",
    )
    copy_max_bytes = Int(
        5 * GIB,
        config=True,
        help="Largest file copied into the workspace, in bytes (default 5 GiB); larger "
        "ones are refused up front (download them to your computer instead).",
    )
    copy_folder = Unicode(
        "~/panhub-downloads",
        config=True,
        help="Folder of copies into the workspace ('home'), one subfolder per proposal, "
        "e.g. '~/panhub-downloads' (the default; '~' is the user's home).",
    )
    copy_workers = Int(
        2, config=True, help="Copies into the workspace running at once (the rest wait)."
    )
    proposals_root = Unicode(
        config=True,
        help="The proposals root as catalogued: file locations start with it, e.g. "
        f"'/srv/proposals'. Defaults to $PANHUB_PROPOSALS_ROOT, else '{DEFAULT_PROPOSALS_ROOT}'.",
    )
    proposals_view = Unicode(
        config=True,
        help="Where this server sees the proposals root, e.g. '/data'. Defaults to "
        "$PANHUB_PROPOSALS_VIEW, else proposals_root.",
    )
    service_prefix = Unicode(
        config=True,
        help="Path of the catalogue service as the browser sees it, for landing-page and "
        "download links, e.g. '/services/catalogue/'. Defaults to $JUPYTERHUB_BASE_URL + "
        "'services/catalogue/'.",
    )
    templates_path = List(
        Unicode(),
        config=True,
        help="Folders of template notebooks (``<technique>/NN-<verb>-<noun>.ipynb``) that "
        "the Launcher and 'New from Template' offer, e.g. ['/etc/panhub/notebooks', "
        "'/opt/panhub/venv/share/panhub/notebooks']. A template in an earlier folder hides "
        "one with the same relative path in a later one; missing folders are skipped. "
        f"Default: the site's own folder '{SITE_TEMPLATES}', then panhub's templates "
        "(sys.prefix + '/share/panhub/notebooks', installed with panhub's wheel).",
    )

    @default("url")
    def _default_url(self) -> str:
        return get_default_url() or ""

    @default("templates_path")
    def _default_templates_path(self) -> list[str]:
        return [SITE_TEMPLATES, os.path.join(sys.prefix, "share", "panhub", "notebooks")]

    @default("proposals_root")
    def _default_proposals_root(self) -> str:
        return os.environ.get("PANHUB_PROPOSALS_ROOT") or DEFAULT_PROPOSALS_ROOT

    @default("proposals_view")
    def _default_proposals_view(self) -> str:
        return os.environ.get("PANHUB_PROPOSALS_VIEW") or self.proposals_root

    @default("service_prefix")
    def _default_service_prefix(self) -> str:
        return os.environ.get("JUPYTERHUB_BASE_URL", "/").rstrip("/") + "/services/catalogue/"

    def make_paths(self) -> PathMap:
        """The location -> path-as-mounted mapping."""
        return PathMap(self.proposals_root, self.proposals_view)

    def make_client(self) -> CatalogueClient:
        """The catalogue client (token from $JUPYTERHUB_API_TOKEN)."""
        return CatalogueClient(self.url or None, None, self.timeout, self.make_paths())


@dataclass
class LabState:
    """What the routes share: the settings, the client, its threads, the copies."""

    config: PanhubCatalogue
    client: CatalogueClient
    executor: ThreadPoolExecutor
    copies: Copies

    @classmethod
    def from_config(cls, config: PanhubCatalogue) -> LabState:
        """Build the client, a thread pool for its blocking calls, and the copy jobs."""
        client = config.make_client()
        copies = Copies(
            client,
            workers=config.copy_workers,
            max_bytes=config.copy_max_bytes,
            folder=os.path.expanduser(config.copy_folder),
        )
        return cls(config, client, ThreadPoolExecutor(4, "panhub-catalogue"), copies)
