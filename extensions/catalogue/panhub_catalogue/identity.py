"""Who is asking: the hub's user model reduced to what the visibility rule needs."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Identity:
    """The caller, as the visibility rule in :mod:`panhub_catalogue.query` sees it.

    Attributes
    ----------
    username
        Hub user name (the catalogue's ``User.name``); ``None`` for anonymous callers.
    admin
        Sees everything.
    beamlines
        Instrument names on which the caller has the staff role, from the hub (groups or
        ``auth_state``). Staff roles recorded in the catalogue itself
        (``InstrumentScientist``) count as well.
    """

    username: str | None = None
    admin: bool = False
    beamlines: frozenset[str] = field(default_factory=frozenset)


ANONYMOUS = Identity()


def make_identity(
    hub_user: Mapping[str, Any] | None,
    *,
    staff_group_prefix: str = "staff-",
    admin_groups: Collection[str] = ("catalogue-admins",),
) -> Identity:
    """Map a JupyterHub user model onto an :class:`Identity`.

    Parameters
    ----------
    hub_user
        The model HubOAuth returns (``name``, ``admin``, ``groups``, and optionally
        ``auth_state`` with ``beamlines``: a list of instrument names), or ``None``.
    staff_group_prefix
        Hub groups named ``<prefix><instrument>`` give the staff role on that instrument,
        e.g. ``staff-BL13`` with the default prefix.
    admin_groups
        Members of any of these hub groups are catalogue admins, as are hub admins.

    Returns
    -------
    Identity
        :data:`ANONYMOUS` when ``hub_user`` is ``None`` or has no name.

    Examples
    --------
    >>> make_identity({"name": "ana", "groups": ["staff-BL13", "p-1234"]})
    Identity(username='ana', admin=False, beamlines=frozenset({'BL13'}))
    """
    if not hub_user or not hub_user.get("name"):
        return ANONYMOUS
    groups = [str(g) for g in hub_user.get("groups") or ()]
    beamlines = {g[len(staff_group_prefix) :] for g in groups if g.startswith(staff_group_prefix)}
    auth_state = hub_user.get("auth_state") or {}
    beamlines.update(str(b) for b in auth_state.get("beamlines") or ())
    beamlines.discard("")
    admin = bool(hub_user.get("admin")) or any(g in admin_groups for g in groups)
    return Identity(str(hub_user["name"]), admin, frozenset(beamlines))
