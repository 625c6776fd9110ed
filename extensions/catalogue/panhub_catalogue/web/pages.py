"""The portal's HTML: Jinja2 templates (``web/templates``) and their static files (pure).

Every page extends ``base.html`` (header with who is signed in, footer, the stylesheet
and the one script). Autoescaping is on for every template: a value is text, whatever it
holds (a ``<script>`` in a title shows as those characters), and no template marks a
value safe except the QR code's SVG, which segno writes from a DOI. The static files
are served under ``<base>static/`` with a hash of their content in the URL, so a
browser never keeps an old stylesheet.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"


@cache
def get_environment() -> Environment:
    """The templates' environment (built once: templates compile on first use)."""
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


@cache
def get_static_version(name: str) -> str:
    """The first 12 hex digits of a static file's SHA-256 (its URL's cache buster)."""
    return hashlib.sha256((STATIC / name).read_bytes()).hexdigest()[:12]


def make_sign_in_url(base: str, here: str) -> str:
    """The sign-in link that comes back to ``here`` (``login`` alone for the front page)."""
    if here == base:
        return f"{base}login"
    return f"{base}login?next={quote(here, safe='/')}"


@dataclass(frozen=True)
class Site:
    """What every page shows of the service and the visitor.

    Attributes
    ----------
    base
        The service's URL prefix, e.g. ``/services/catalogue/``.
    publisher
        The facility's name, e.g. ``ALBA``.
    username
        Who is signed in (``None``: anonymous).
    here
        This page's path and query, for the sign-in link to come back to.
    hub
        The hub's URL prefix, e.g. ``/hub/`` (links to JupyterHub).
    section
        Which part of the site the page belongs to (``sessions``, ``collections``).
    xsrf
        The XSRF token forms carry (``_xsrf``); '' on pages without forms.
    """

    base: str
    publisher: str
    username: str | None
    here: str
    hub: str = "/hub/"
    section: str = "sessions"
    xsrf: str = ""
    notices: tuple[str, ...] = field(default=())

    def static(self, name: str) -> str:
        """The URL of a static file, with its content hash."""
        return f"{self.base}static/{name}?v={get_static_version(name)}"

    @property
    def sign_in(self) -> str:
        return make_sign_in_url(self.base, self.here)


def render(template: str, site: Site, **context: Any) -> str:
    """A page: ``template`` (a file in ``web/templates``) with ``site`` and ``context``."""
    return get_environment().get_template(template).render(site=site, **context)
