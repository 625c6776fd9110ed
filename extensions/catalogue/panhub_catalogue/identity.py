"""Who is asking: the hub's user model reduced to what the visibility rule needs."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Identity:
    """The caller, as the visibility rule in :mod:`panhub_catalogue.visibility` sees it.

    Attributes
    ----------
    username
        Hub user name (the catalogue's ``User.name``); ``None`` for anonymous callers
        and for hub services.
    admin
        Sees everything: hub admins and admin services (the hub's ``admin`` flag), and
        members of the catalogue's admin grouping.
    beamlines
        Instrument names on which the caller has the staff role when the hub is set up
        to pass them (groups or ``auth_state``). Staff roles recorded in the catalogue
        itself (``InstrumentScientist``) count as well.
    service
        Name of the hub service calling with its own token, else ``None``.
    """

    username: str | None = None
    admin: bool = False
    beamlines: frozenset[str] = field(default_factory=frozenset)
    service: str | None = None


ANONYMOUS = Identity()


def make_identity(
    hub_user: Mapping[str, Any] | None,
    *,
    staff_group_prefix: str = "",
    admin_groups: Collection[str] = (),
) -> Identity:
    """Map a JupyterHub user model onto an :class:`Identity`.

    Parameters
    ----------
    hub_user
        The model HubOAuth returns (``kind``, ``name``, ``admin``, ``groups``, and
        optionally ``auth_state`` with ``beamlines``: a list of instrument names), or
        ``None``. A ``kind: service`` model becomes a nameless identity that keeps
        the service's ``admin`` flag.
    staff_group_prefix
        When not empty, hub groups named ``<prefix><instrument>`` give the staff role on
        that instrument, e.g. ``staff-BL13`` with the prefix ``staff-``. Empty (the
        default): staff roles come from the catalogue only.
    admin_groups
        Members of any of these hub groups are catalogue admins, as are hub admins.

    Returns
    -------
    Identity
        :data:`ANONYMOUS` when ``hub_user`` is ``None`` or has no name.

    Examples
    --------
    >>> make_identity({"name": "ana", "groups": ["staff-BL13"]}, staff_group_prefix="staff-")
    Identity(username='ana', admin=False, beamlines=frozenset({'BL13'}), service=None)
    """
    if not hub_user or not hub_user.get("name"):
        return ANONYMOUS
    if hub_user.get("kind") == "service":
        return Identity(None, bool(hub_user.get("admin")), service=str(hub_user["name"]))
    groups = [str(g) for g in hub_user.get("groups") or ()]
    beamlines = (
        {g[len(staff_group_prefix) :] for g in groups if g.startswith(staff_group_prefix)}
        if staff_group_prefix
        else set()
    )
    auth_state = hub_user.get("auth_state") or {}
    beamlines.update(str(b) for b in auth_state.get("beamlines") or ())
    beamlines.discard("")
    admin = bool(hub_user.get("admin")) or any(g in admin_groups for g in groups)
    return Identity(str(hub_user["name"]), admin, frozenset(beamlines))
