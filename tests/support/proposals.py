"""A sample proposal directory for the hub's unit tests: members, staff, an admin."""

from __future__ import annotations

from panhub.proposals import Directory, Proposal

DIRECTORY = Directory(
    proposals=(
        Proposal("20260001", "BL11-NCD", frozenset({"alice"})),
        Proposal("20260002", "BL11-NCD", frozenset({"bob", "carol"})),
        Proposal("20260003", "BL04-MSPD", frozenset({"bob"})),
        Proposal("20260004", "BL04-MSPD", frozenset()),
    ),
    staff={"BL11-NCD": frozenset({"carol"}), "BL04-MSPD": frozenset({"erin"})},
    admins=frozenset({"dave"}),
)
