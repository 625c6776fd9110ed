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


class StaleUser:
    """A logged-in alice whose stored auth_state has an old token and no access yet."""

    name = "alice"

    async def get_auth_state(self) -> dict[str, Any]:
        return {"token": "old"}


class FakeRenewal(Authenticator):  # type: ignore[misc]
    """An authenticator with a refresh of its own, as OAuthenticator renews its tokens."""

    def __init__(self, answer: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.answer = answer
        self.calls: list[tuple[str, Any]] = []

    async def refresh_user(self, user: Any, handler: Any = None) -> Any:
        self.calls.append((user.name, handler))
        return self.answer


class SyncRenewal(FakeRenewal):
    """The same, with a plain (not async) refresh_user, which JupyterHub also allows."""

    def refresh_user(self, user: Any, handler: Any = None) -> Any:  # type: ignore[override]
        self.calls.append((user.name, handler))
        return self.answer


class RenewingAuth(ProposalsMixin, FakeRenewal):
    pass


class SyncRenewingAuth(ProposalsMixin, SyncRenewal):
    pass


def make_renewing(tmp_path: Path, answer: Any, base: type[FakeRenewal] = RenewingAuth) -> Any:
    path = tmp_path / "p.toml"
    path.write_text(TOML)
    return base(answer, proposal_source="static", proposal_source_options={"path": str(path)})


ALICE = {AUTH_STATE_KEY: {"user": "alice", "admin": False, "proposals": {"20260001": "member"}}}


async def test_refresh_passes_a_failed_renewal_through(tmp_path: Path) -> None:
    auth = make_renewing(tmp_path, False)
    handler = object()
    assert await auth.refresh_user(StaleUser(), handler) is False
    assert auth.calls == [("alice", handler)]


async def test_refresh_adds_access_to_the_renewed_auth_state(tmp_path: Path) -> None:
    renewed = {"name": "alice", "admin": False, "auth_state": {"token": "new"}}
    auth = make_renewing(tmp_path, renewed)
    model = await auth.refresh_user(StaleUser())
    assert model == {"name": "alice", "admin": False, "auth_state": {"token": "new", **ALICE}}
    assert auth.calls == [("alice", None)]


async def test_refresh_keeps_the_stored_auth_state_when_the_renewal_has_none(
    tmp_path: Path,
) -> None:
    auth = make_renewing(tmp_path, {"admin": True})
    model = await auth.refresh_user(StaleUser())
    assert model == {"name": "alice", "admin": True, "auth_state": {"token": "old", **ALICE}}


async def test_refresh_accepts_a_plain_refresh_user(tmp_path: Path) -> None:
    auth = make_renewing(tmp_path, {"auth_state": {"token": "new"}}, SyncRenewingAuth)
    model = await auth.refresh_user(StaleUser())
    assert model == {"name": "alice", "auth_state": {"token": "new", **ALICE}}
    assert await make_renewing(tmp_path, False, SyncRenewingAuth).refresh_user(StaleUser()) is False
