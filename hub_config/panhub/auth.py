"""Proposal membership at login: an authenticator mixin that puts it into ``auth_state``.

The membership is looked up when a user logs in and again before each spawn
(``refresh_pre_spawn``), so a user added to a proposal sees it on their next server
start. The spawner reads it from ``auth_state["panhub_access"]``. Both hooks call the
authenticator's own first (``super()``): its login, and its refresh, which may renew
tokens or ask for a new login.
"""

from __future__ import annotations

from typing import Any

from jupyterhub.auth import Authenticator, PAMAuthenticator
from jupyterhub.authenticators.shared import SharedPasswordAuthenticator
from jupyterhub.utils import maybe_future
from traitlets import Dict, Unicode

from panhub.proposals import ProposalSource, load_source

AUTH_STATE_KEY = "panhub_access"


class ProposalsMixin(Authenticator):  # type: ignore[misc]
    """Adds the user's proposals (from a :class:`ProposalSource`) to ``auth_state``.

    Mix it in before any authenticator class: ``class X(ProposalsMixin, GenericOAuthenticator)``.
    """

    proposal_source = Unicode(
        "static",
        help="Where proposal membership comes from: 'static' (a TOML file), 'catalogue' "
        "(the catalogue service) or 'claim' (an OAuth claim in auth_state).",
    ).tag(config=True)

    proposal_source_options = Dict(
        help="Options of the proposal source: {'path': FILE} for static, {'url': URL, "
        "'token': TOKEN} for catalogue, ClaimSource fields for claim.",
    ).tag(config=True)

    _source: ProposalSource | None = None

    def get_proposal_source(self) -> ProposalSource:
        if self._source is None:
            self._source = load_source(self.proposal_source, self.proposal_source_options)
        return self._source

    def add_access(self, name: str, auth_state: dict[str, Any] | None) -> dict[str, Any]:
        """The auth model for ``name`` with their current access added."""
        state = dict(auth_state or {})
        access = self.get_proposal_source().get_access(name, state)
        state[AUTH_STATE_KEY] = access.to_json()
        return {"name": name, "auth_state": state}

    async def authenticate(self, handler: Any, data: dict[str, Any]) -> Any:
        result = await super().authenticate(handler, data)
        if not result:
            return result
        if isinstance(result, str):
            return self.add_access(result, None)
        return {**result, **self.add_access(result["name"], result.get("auth_state"))}

    async def refresh_user(self, user: Any, handler: Any = None) -> Any:
        """The base class's refresh first (OAuthenticator renews tokens there), then access.

        A falsy answer ("log in again") is passed through. ``True`` keeps the stored
        ``auth_state``; an auth model's ``auth_state``, when it has one, replaces it.
        """
        refreshed = await maybe_future(super().refresh_user(user, handler))
        if not refreshed:
            return refreshed
        model = {} if refreshed is True else dict(refreshed)
        if "auth_state" in model:
            auth_state = model["auth_state"]
        else:
            auth_state = await user.get_auth_state()
        return {**model, **self.add_access(user.name, auth_state)}


class ProposalPAMAuthenticator(ProposalsMixin, PAMAuthenticator):
    """PAM login (Unix accounts) with proposal membership in ``auth_state``."""


class ProposalSharedPasswordAuthenticator(ProposalsMixin, SharedPasswordAuthenticator):
    """One shared password (JupyterHub's ``shared-password``), with proposal membership.

    For trying a hub out (the Helm chart's default login, where the pod has no Unix
    accounts): the users are those of the proposal source. A site replaces it with its own
    login, ``ProposalsMixin`` mixed into its OAuth authenticator.
    """
