"""Hub user model -> Identity."""

from __future__ import annotations

import pytest
from panhub_catalogue.identity import ANONYMOUS, Identity, make_identity


@pytest.mark.parametrize(
    ("hub_user", "expected"),
    [
        (None, ANONYMOUS),
        ({}, ANONYMOUS),
        ({"name": ""}, ANONYMOUS),
        ({"name": "ana"}, Identity("ana")),
        ({"name": "ana", "admin": True}, Identity("ana", admin=True)),
        # by default hub groups give no role: staff and admins come from the catalogue
        ({"name": "ana", "groups": ["catalogue-admins", "staff-BL13"]}, Identity("ana")),
        (
            {"name": "ana", "groups": ["staff-BL13"], "auth_state": {"beamlines": ["BL22"]}},
            Identity("ana", beamlines=frozenset({"BL22"})),
        ),
        ({"name": "ana", "groups": None, "auth_state": None}, Identity("ana")),
        (
            {"kind": "service", "name": "panhub-admin", "admin": True},
            Identity(None, admin=True, service="panhub-admin"),
        ),
        ({"kind": "service", "name": "news"}, Identity(None, service="news")),
    ],
)
def test_make_identity(hub_user: dict[str, object] | None, expected: Identity) -> None:
    assert make_identity(hub_user) == expected


def test_staff_prefix_reads_hub_groups() -> None:
    user = {"name": "ana", "groups": ["staff-BL13", "p-1234", "staff-"]}
    assert make_identity(user, staff_group_prefix="staff-") == Identity(
        "ana", beamlines=frozenset({"BL13"})
    )


def test_prefix_and_admin_groups_are_settings() -> None:
    user = {"name": "ben", "groups": ["bl:ID30", "facility-it"]}
    assert make_identity(user, staff_group_prefix="bl:", admin_groups={"facility-it"}) == Identity(
        "ben", admin=True, beamlines=frozenset({"ID30"})
    )
