"""DataCite's REST API, through the ``datacite`` package's ``DataCiteRESTClient``.

Every document is validated (:func:`~.validation.find_problems`) before it is
sent; an invalid one raises :class:`InvalidDocument` and no request is made. DataCite's
states are ``draft`` (deletable, not resolvable), ``registered`` (resolves, not indexed)
and ``findable``; the events are ``register`` (draft -> registered), ``publish``
(-> findable) and ``hide`` (findable -> registered).

The client's traps (research note, addendum): its ``public_doi``/``private_doi`` always
create, so they fail on a DOI that exists as a draft; from a draft the way is
``draft_doi`` then ``update_doi`` with the event, and ``show_doi``/``hide_doi`` after.
``update_doi`` and the create helpers change the dict passed in: each call gets a copy.
``test_mode=True`` overrides ``url``, so a stand-in is reached through ``url`` alone.

The password never appears in a message, a log line or a repr: :class:`DataCiteAccount`
leaves it out of its repr, and every error text is scrubbed of it.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any

from panhub_catalogue.errors import CatalogueError
from panhub_catalogue.publish.problems import Describe, InvalidFields, make_plain_problems
from panhub_catalogue.publish.validation import Finding, find_problems

log = logging.getLogger(__name__)
#: DataCite's DOI states, as the catalogue mirrors them.
DRAFT, REGISTERED, FINDABLE = "draft", "registered", "findable"
#: Longest part of DataCite's answer quoted in an error.
MAX_QUOTE = 400


class InvalidDocument(InvalidFields):
    """The DataCite document is not valid; ``problems`` says why (nothing was sent)."""


class DataCiteFailure(CatalogueError):
    """DataCite refused a request or could not be reached (HTTP 502)."""

    status = 502


class NotConfigured(CatalogueError):
    """No DataCite account is configured (HTTP 503)."""

    status = 503


@dataclass(frozen=True)
class DataCiteAccount:
    """A DataCite repository account (``Publishing.datacite_*`` settings).

    Attributes
    ----------
    url
        API root, e.g. ``https://api.test.datacite.org/`` (DataCite's test system).
    username
        The repository id, e.g. ``ALBA.DATA``.
    password
        The repository's password (left out of the repr).
    prefix
        The DOI prefix the repository mints under, e.g. ``10.80445``.
    timeout
        Seconds to wait for DataCite.
    """

    url: str
    username: str
    password: str = field(repr=False)
    prefix: str
    timeout: float = 30.0


def read_titles(text: str) -> str:
    """DataCite's error titles (``{"errors": [{"title": ...}]}``) joined, else ``text``."""
    try:
        errors = json.loads(text).get("errors")
        titles = [str(e["title"]) for e in errors if isinstance(e, dict) and "title" in e]
    except (ValueError, AttributeError, TypeError):
        return text
    return "; ".join(titles) or text


def check_sendable(document: dict[str, Any], describe: Describe = make_plain_problems) -> None:
    """Raise :class:`InvalidDocument` unless ``document`` is valid and has DOI and URL.

    ``describe`` names the problems (a collection's: by its form's fields).
    """
    findings = find_problems(document)
    if not document.get("doi"):
        findings.append(Finding(("doi",), "the document has no DOI"))
    if not document.get("url"):
        findings.append(
            Finding(
                ("url",), "the document has no landing page URL (set Publishing.landing_url_base)"
            )
        )
    if findings:
        raise InvalidDocument(
            "the DataCite record is not valid, nothing was sent", describe(findings)
        )


class DataCite:
    """DataCite calls for one account, each validating what it sends.

    Parameters
    ----------
    account
        Where and who; ``None`` makes every call raise :class:`NotConfigured`.
    """

    def __init__(self, account: DataCiteAccount | None) -> None:
        from datacite import DataCiteRESTClient  # type: ignore[import-untyped]

        self.account = account
        self.client = (
            None
            if account is None
            else DataCiteRESTClient(
                account.username,
                account.password,
                account.prefix,
                url=account.url,
                timeout=account.timeout,
            )
        )

    def __repr__(self) -> str:
        return f"<DataCite {self.account!r}>"

    def get_client(self) -> Any:
        """The REST client, or :class:`NotConfigured`."""
        if self.client is None:
            raise NotConfigured(
                "DOI minting is not configured on this catalogue (Publishing.doi_prefix, "
                "datacite_username and datacite_password)"
            )
        return self.client

    def describe_failure(self, doi: str, error: Exception) -> DataCiteFailure:
        """A :class:`DataCiteFailure` quoting DataCite's answer, without the password."""
        text = read_titles(str(error))[:MAX_QUOTE] or type(error).__name__
        if self.account is not None and self.account.password:
            text = text.replace(self.account.password, "***")
        from datacite.errors import HttpError  # type: ignore[import-untyped]

        if isinstance(error, ValueError):  # the client's own check, before any request
            return DataCiteFailure(f"{doi} cannot be sent to this DataCite account: {text}")
        kind = "could not be reached" if isinstance(error, HttpError) else "refused the request"
        log.warning("DataCite %s for %s: %s", kind, doi, text)
        return DataCiteFailure(f"DataCite {kind} for {doi}: {text}")

    def call(self, doi: str, method: str, *args: Any) -> Any:
        """``client.<method>(*args)``, its errors as :class:`DataCiteFailure`."""
        from datacite.errors import DataCiteError, HttpError

        client = self.get_client()
        try:
            return getattr(client, method)(*args)
        except (DataCiteError, HttpError, ValueError) as error:
            raise self.describe_failure(doi, error) from None

    def reserve(self, document: dict[str, Any], exists: bool = False) -> str:
        """Create (or, when it ``exists`` already, update) the DOI as a DataCite draft.

        A draft reserves the DOI: it can be cited in a manuscript before it is minted,
        and deleted while it is a draft. Returns :data:`DRAFT`.
        """
        check_sendable(document)
        doi = document["doi"]
        if exists:
            self.call(doi, "update_doi", doi, dict(document))
        else:
            self.call(doi, "draft_doi", dict(document), doi)
        return DRAFT

    def register(self, document: dict[str, Any], findable: bool, state: str | None) -> str:
        """Register the DOI, or make it findable; from no state, a draft first.

        Parameters
        ----------
        document
            The full document (with ``doi`` and ``url``).
        findable
            Publish (indexed by DataCite), else register only (resolves, not indexed).
        state
            The DOI's state at DataCite now (``None``: it does not exist there yet).

        Returns
        -------
        str
            :data:`FINDABLE` or :data:`REGISTERED`.
        """
        check_sendable(document)
        doi = document["doi"]
        if state is None:
            self.reserve(document)
            try:
                self.call(doi, "update_doi", doi, dict(document, event=self.event(findable)))
            except DataCiteFailure:
                self.discard(doi)
                raise
        elif state == FINDABLE and not findable:
            self.call(doi, "update_doi", doi, dict(document))
            self.call(doi, "hide_doi", doi)
        elif state == REGISTERED and not findable:
            self.call(doi, "update_doi", doi, dict(document))
        else:
            self.call(doi, "update_doi", doi, dict(document, event=self.event(findable)))
        return FINDABLE if findable else REGISTERED

    @staticmethod
    def event(findable: bool) -> str:
        """DataCite's event to make a DOI findable (``publish``) or registered."""
        return "publish" if findable else "register"

    def discard(self, doi: str) -> None:
        """Delete the draft left by a failed registration (best effort: it is only a draft,
        not resolvable, and a later attempt names a new DOI)."""
        try:
            self.delete(doi)
        except DataCiteFailure:
            log.warning("the DataCite draft %s was left behind", doi)

    def update(self, document: dict[str, Any]) -> None:
        """Send changed metadata of a DOI (DataCite keeps its state)."""
        check_sendable(document)
        doi = document["doi"]
        self.call(doi, "update_doi", doi, dict(document))

    def show(self, doi: str) -> str:
        """Make a registered DOI findable; :data:`FINDABLE`."""
        self.call(doi, "show_doi", doi)
        return FINDABLE

    def hide(self, doi: str) -> str:
        """Make a findable DOI registered only (no longer indexed); :data:`REGISTERED`."""
        self.call(doi, "hide_doi", doi)
        return REGISTERED

    def delete(self, doi: str) -> None:
        """Delete a draft DOI (DataCite deletes drafts only)."""
        self.call(doi, "delete_doi", doi)
