"""Silent sign-in: a visitor who has a hub session is signed in to the portal without a click.

The catalogue is a hub OAuth client with ``oauth_no_confirm``: the hub's authorize
endpoint redirects a signed-in hub user straight back to ``oauth_callback``, with no page
in between. What the hub cannot do is answer "not signed in" without showing its login
page (its authorize endpoint has no ``prompt=none``), so the portal must not send every
anonymous visitor there: public visitors, harvesters and search engines would all land on
a login form. It sends only visitors whose browser holds the hub's session cookie
(``jupyterhub-session-id``: path ``/``, not secret, set at hub login, cleared at hub
logout), once per hub session: a second cookie records the session tried, so a refusal
(a user without access to the catalogue) never loops.

Only top-level page loads qualify (``Sec-Fetch-Mode: navigate``, or no such header), never
a fetch, a prefetch or an API call. A hub session whose login cookie has expired while
the session cookie lingers (a browser left open for longer than the hub's cookie
lifetime) does lead to the hub's login page, once; after signing in the visitor comes
back to the page they asked for.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

#: The hub's session cookie (``jupyterhub.handlers.base.SESSION_COOKIE_NAME``).
SESSION_COOKIE = "jupyterhub-session-id"
#: The portal's record of the hub session it last tried to sign in with.
TRIED_COOKIE = "panhub-catalogue-signin"


def make_tried_value(session_id: str) -> str:
    """What :data:`TRIED_COOKIE` holds for a hub session (a digest, not the id)."""
    return hashlib.sha256(session_id.encode()).hexdigest()[:24]


def should_sign_in(
    *,
    signed_in: bool,
    method: str,
    cookies: Mapping[str, str],
    headers: Mapping[str, str],
) -> bool:
    """Whether to send this request through the hub's OAuth before answering it.

    Parameters
    ----------
    signed_in
        The request already has an identity.
    method
        The HTTP method (only ``GET`` qualifies).
    cookies
        The request's cookies (name to value).
    headers
        The request's headers (``Sec-Fetch-Mode``, ``Sec-Fetch-Dest``, ``Sec-Purpose``,
        ``Authorization``), looked up case-insensitively by the caller's mapping.
    """
    session_id = cookies.get(SESSION_COOKIE, "")
    if signed_in or method != "GET" or not session_id or "Authorization" in headers:
        return False
    if headers.get("Sec-Fetch-Mode", "navigate") != "navigate":
        return False
    if headers.get("Sec-Fetch-Dest", "document") != "document":
        return False
    if "prefetch" in headers.get("Sec-Purpose", "") + headers.get("Purpose", ""):
        return False
    return cookies.get(TRIED_COOKIE) != make_tried_value(session_id)
