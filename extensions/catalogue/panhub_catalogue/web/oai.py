"""``GET``/``POST oai``: the OAI-PMH 2.0 endpoint harvesters read (B2FIND, OpenAIRE).

A thin shell: :class:`OaiPmh` holds the documented settings, :class:`OaiHandler` hands
the request's arguments to :func:`panhub_catalogue.publish.oaipmh.respond` over a
:class:`~panhub_catalogue.publish.items.CatalogueSource`, in a worker thread. Harvesters
are anonymous, and so is every answer: public items only, whoever asks (an admin's
token does not widen a harvest).

Configuration (the service's config file)::

    c.OaiPmh.repository_name = "ALBA data catalogue"
    c.OaiPmh.admin_emails = ["data@example.org"]
    c.OaiPmh.repository_identifier = "data.example.org"
    c.OaiPmh.datacentre_symbol = "ALBA.DATA"
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from urllib.parse import urlparse

from sqlalchemy.orm import Session
from traitlets import Int, List, Unicode
from traitlets.config import Configurable

from panhub_catalogue.identity import ANONYMOUS, Identity
from panhub_catalogue.publish.document import DocumentSettings
from panhub_catalogue.publish.oai_source import CatalogueSource
from panhub_catalogue.publish.oaipmh import Repository, respond
from panhub_catalogue.web.handlers import CatalogueHandler

#: A repository identifier (OAI's oai-identifier: a domain name with at least one dot).
_DOMAIN = re.compile(r"[a-zA-Z][a-zA-Z0-9\-]*(\.[a-zA-Z][a-zA-Z0-9\-]*)+")
#: What stands for the host when the service's public URL names none with a dot.
FALLBACK_IDENTIFIER = "localhost.localdomain"


@dataclass(frozen=True)
class OaiOptions:
    """The endpoint's settings (from :class:`OaiPmh`); empty texts take the defaults
    :func:`make_repository` documents."""

    repository_name: str = ""
    repository_identifier: str = ""
    admin_emails: tuple[str, ...] = ()
    datacentre_symbol: str = ""
    page_size: int = 500
    token_lifetime: timedelta = timedelta(days=7)
    secret: bytes = field(default_factory=lambda: secrets.token_bytes(32), repr=False)


class OaiPmh(Configurable):
    """Settings of the OAI-PMH endpoint (``<service>/oai``)."""

    repository_name = Unicode(
        "",
        config=True,
        help="repositoryName answered by Identify, e.g. 'ALBA data catalogue'. Default: "
        "'<publisher> data catalogue'.",
    )
    repository_identifier = Unicode(
        "",
        config=True,
        help="The repository identifier in every item identifier "
        "('oai:<identifier>:investigation/42'): a domain name the facility controls, e.g. "
        "'data.example.org'. Default: the host of the service's public_url (or "
        f"'{FALLBACK_IDENTIFIER}' when it has none). Changing it changes every identifier.",
    )
    admin_emails = List(
        Unicode(),
        [],
        config=True,
        help="adminEmail addresses answered by Identify (harvesters write to them), e.g. "
        "['data@example.org']. Default: 'webmaster@<repository identifier>'; set a real one.",
    )
    datacentre_symbol = Unicode(
        "",
        config=True,
        help="The DataCite repository symbol named in oai_datacite records, e.g. 'ALBA.DATA' "
        "(the repository account that mints the facility's DOIs). Default: the publisher "
        "in capitals.",
    )
    page_size = Int(
        500,
        config=True,
        help="Records (or headers) per ListRecords/ListIdentifiers response, e.g. 500 (the "
        "default; OpenAIRE's guidelines ask for 100 to 500); the rest follow through "
        "resumption tokens.",
    )
    token_lifetime = Int(
        7 * 24 * 3600,
        config=True,
        help="Seconds, from a harvest's first request, for which its resumption tokens are "
        "accepted, e.g. 604800 (a week, the default); later they are badResumptionToken.",
    )

    def make_options(self, key: bytes) -> OaiOptions:
        """The settings, tokens signed with a key derived from ``key`` (the service's)."""
        secret = hmac.new(key, b"panhub-catalogue-oai-tokens", hashlib.sha256).digest()
        return OaiOptions(
            repository_name=self.repository_name,
            repository_identifier=self.repository_identifier,
            admin_emails=tuple(self.admin_emails),
            datacentre_symbol=self.datacentre_symbol,
            page_size=max(1, self.page_size),
            token_lifetime=timedelta(seconds=max(1, self.token_lifetime)),
            secret=secret,
        )


def make_repository(options: OaiOptions, base_url: str, publisher: str) -> Repository:
    """The :class:`Repository` of the endpoint at ``base_url`` (an absolute URL)."""
    host = urlparse(base_url).hostname or ""
    identifier = options.repository_identifier or (
        host if _DOMAIN.fullmatch(host) else FALLBACK_IDENTIFIER
    )
    return Repository(
        name=options.repository_name or f"{publisher} data catalogue",
        base_url=base_url,
        identifier=identifier,
        admin_emails=options.admin_emails or (f"webmaster@{identifier}",),
        datacentre=options.datacentre_symbol or publisher.upper(),
        secret=options.secret,
        page_size=options.page_size,
        token_lifetime=options.token_lifetime,
    )


def answer(
    session: Session,
    identity: Identity,
    now: datetime,
    *,
    arguments: dict[str, list[str]],
    repository: Repository,
    documents: DocumentSettings,
) -> bytes:
    """One OAI-PMH request over the catalogue's public items (``identity`` is unused:
    a harvest is the same for everyone)."""
    return respond(arguments, repository, CatalogueSource(session, now, documents), now)


def decode(arguments: dict[str, list[bytes]]) -> dict[str, list[str]]:
    """Arguments as text (invalid UTF-8 becomes U+FFFD, which no argument accepts)."""
    return {k: [v.decode("utf-8", "replace") for v in vs] for k, vs in arguments.items()}


class OaiHandler(CatalogueHandler):
    """``GET``/``POST oai``: OAI-PMH 2.0 (arguments in the query, or a POST form)."""

    async def prepare(self) -> None:
        # anonymous by design: no hub round trip, and nobody sees more than the public
        self.identity = ANONYMOUS

    def check_xsrf_cookie(self) -> None:
        """Harvesters POST without a cookie: the endpoint reads public data only."""

    async def get(self) -> None:
        await self.answer_oai(decode(self.request.query_arguments))

    async def post(self) -> None:
        arguments = decode(self.request.query_arguments)
        for name, values in decode(self.request.body_arguments).items():
            arguments.setdefault(name, []).extend(values)
        await self.answer_oai(arguments)

    def get_base_url(self) -> str:
        """The endpoint's absolute URL: under the public URL, else as this request came."""
        options = self.service_options
        public = options.public_url
        if not urlparse(public).scheme:
            public = f"{self.request.protocol}://{self.request.host}{options.base_url}"
        return f"{public}oai"

    async def answer_oai(self, arguments: dict[str, list[str]]) -> None:
        options = self.service_options
        base = self.get_base_url()
        repository = make_repository(options.oai, base, options.publisher)
        documents = options.make_documents(base.removesuffix("oai"))
        body = await self.run(
            partial(answer, arguments=arguments, repository=repository, documents=documents)
        )
        self.set_header("Content-Type", "text/xml; charset=utf-8")
        self.finish(body)
