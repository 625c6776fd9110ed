"""What publishing needs to know, as one frozen value (from ``settings.Publishing``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from panhub_catalogue.publish.document import DocumentSettings
from panhub_catalogue.publish.minting import DataCiteAccount


@dataclass(frozen=True)
class PublishOptions:
    """Publishing settings, resolved.

    Attributes
    ----------
    document
        Publisher, default licence, landing URL base: what every document says.
    account
        The DataCite account, or ``None`` when minting is not configured.
    prefix
        The DOI prefix (also in ``account``; kept for naming DOIs without an account).
    session_doi_pattern, collection_doi_pattern
        How DOIs are named (``{prefix}``, ``{facility}``, ``{proposal}``, ``{visit}``,
        ``{id}``, ``{random}``).
    review_required
        Minting a collection needs a reviewer (beamline staff or admin); else the
        author may mint, except an immediate release of embargoed data.
    """

    document: DocumentSettings = field(default_factory=DocumentSettings)
    account: DataCiteAccount | None = None
    prefix: str = ""
    session_doi_pattern: str = "{prefix}/{facility}-ES-{proposal}"
    collection_doi_pattern: str = "{prefix}/{facility}-DC-{random}"
    review_required: bool = True
