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
        ({"name": "ana", "groups": ["catalogue-admins"]}, Identity("ana", admin=True)),
        (
            {"name": "ana", "groups": ["staff-BL13", "p-1234", "staff-"]},
            Identity("ana", beamlines=frozenset({"BL13"})),
        ),
        (
            {"name": "ana", "groups": ["staff-BL13"], "auth_state": {"beamlines": ["BL22"]}},
            Identity("ana", beamlines=frozenset({"BL13", "BL22"})),
        ),
        ({"name": "ana", "groups": None, "auth_state": None}, Identity("ana")),
    ],
)
def test_make_identity(hub_user: dict[str, object] | None, expected: Identity) -> None:
    assert make_identity(hub_user) == expected


def test_prefix_and_admin_groups_are_settings() -> None:
    user = {"name": "ben", "groups": ["bl:ID30", "facility-it"]}
    assert make_identity(user, staff_group_prefix="bl:", admin_groups={"facility-it"}) == Identity(
        "ben", admin=True, beamlines=frozenset({"ID30"})
    )
