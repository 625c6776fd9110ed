"""The authenticator mixin: membership into auth_state at login and on refresh."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jupyterhub.auth import Authenticator
from panhub.auth import AUTH_STATE_KEY, ProposalsMixin

TOML = """
[beamlines.BL11-NCD]
staff = ["carol"]
[proposals.20260001]
beamline = "BL11-NCD"
members = ["alice"]
"""


class FakeLogin(Authenticator):  # type: ignore[misc]
    """Accepts any password; returns a name, or a model with auth_state of its own."""

    async def authenticate(self, handler: Any, data: dict[str, Any]) -> Any:
        if data.get("password") != "ok":
            return None
        if data.get("model"):
            return {"name": data["username"], "auth_state": {"token": "t"}}
        return data["username"]


class Auth(ProposalsMixin, FakeLogin):
    pass


def make(tmp_path: Path) -> Auth:
    path = tmp_path / "p.toml"
    path.write_text(TOML)
    return Auth(proposal_source="static", proposal_source_options={"path": str(path)})


async def test_login_adds_membership(tmp_path: Path) -> None:
    auth = make(tmp_path)
    assert await auth.authenticate(None, {"username": "alice", "password": "no"}) is None
    model = await auth.authenticate(None, {"username": "alice", "password": "ok"})
    assert model == {
        "name": "alice",
        "auth_state": {
            AUTH_STATE_KEY: {"user": "alice", "admin": False, "proposals": {"20260001": "member"}}
        },
    }
    staff = await auth.authenticate(None, {"username": "carol", "password": "ok", "model": True})
    assert staff["auth_state"] == {
        "token": "t",
        AUTH_STATE_KEY: {"user": "carol", "admin": False, "proposals": {"20260001": "staff"}},
    }


async def test_refresh_sees_membership_changes(tmp_path: Path) -> None:
    auth = make(tmp_path)

    class User:
        name = "alice"

        async def get_auth_state(self) -> dict[str, Any]:
            return {
                "token": "t",
                AUTH_STATE_KEY: {"user": "alice", "proposals": {"20260001": "member"}},
            }

    path = tmp_path / "p.toml"
    path.write_text(TOML.replace('members = ["alice"]', "members = []"))
    import os

    os.utime(path, (1, 1))
    model = await auth.refresh_user(User())
    assert model["auth_state"] == {
        "token": "t",
        AUTH_STATE_KEY: {"user": "alice", "admin": False, "proposals": {}},
    }
