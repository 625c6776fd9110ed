"""``GET``/``POST oai``: the OAI-PMH 2.0 endpoint harvesters read (B2FIND, OpenAIRE).

A thin shell: :class:`OaiPmh` holds the documented settings, :class:`OaiHandler` hands
the request's arguments to :func:`panhub_catalogue.publish.oaipmh.respond` over a
:class:`~panhub_catalogue.publish.oai_source.CatalogueSource`, in a worker thread.
Harvesters are anonymous, and so is every answer: public items only, whoever asks (an
admin's token does not widen a harvest). :class:`ReadAhead` makes the next page of a
harvest while the harvester reads the one it has.

Configuration (the service's config file)::

    c.OaiPmh.repository_name = "ALBA data catalogue"
    c.OaiPmh.admin_emails = ["data@example.org"]
    c.OaiPmh.repository_identifier = "data.example.org"
    c.OaiPmh.datacentre_symbol = "ALBA.DATA"
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import re
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from urllib.parse import urlparse
from weakref import WeakKeyDictionary

from sqlalchemy.orm import Session
from tornado.web import Application
from traitlets import Bool, Int, List, Unicode
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
#: The resumption token of an answer.
_NEXT_TOKEN = re.compile(rb"<resumptionToken[^>]*>([^<]+)</resumptionToken>")


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
    read_ahead: bool = True


class OaiPmh(Configurable):
    """Settings of the OAI-PMH endpoint.

    Its base URL (what harvesters are given, and Identify's ``baseURL``) is
    ``<public_url>oai`` with the service's ``CatalogueService.public_url``, e.g.
    ``https://data.example.org/services/catalogue/oai``; while ``public_url`` is not an
    absolute URL, it is the URL the request came to.
    """

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

    read_ahead = Bool(
        True,
        config=True,
        help="Make the next page of a harvest while the harvester reads the one it has "
        "(True, the default): the service's work and the harvester's overlap. A page so "
        "made is kept a minute at most, and a few at once.",
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
            read_ahead=self.read_ahead,
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


class ReadAhead:
    """The next page of each harvest, made while the harvester reads the one it has.

    A harvester asks for pages one after the other, and reads and parses each before it
    asks for the next. Once a list answer carrying a resumption token is sent, its next
    page is made in a thread of this object's; the harvester's request for it takes it.
    At most ``size`` pages are kept, none longer than ``ttl`` seconds. Tokens stay
    stateless: a page not found here is made as any other, so this only lets the
    service's work and the harvester's overlap.
    """

    def __init__(self, size: int = 8, ttl: float = 60.0) -> None:
        self.size = size
        self.ttl = ttl
        self.pages: OrderedDict[tuple[str, str, str], tuple[float, Future[bytes]]] = OrderedDict()
        self.executor = ThreadPoolExecutor(2, thread_name_prefix="oai-read-ahead")

    def take(self, key: tuple[str, str, str]) -> Future[bytes] | None:
        """The page made for ``key`` (base URL, verb, token), if fresh; it is removed."""
        found = self.pages.pop(key, None)
        if found is None or time.monotonic() - found[0] > self.ttl:
            return None
        return found[1]

    def start(self, key: tuple[str, str, str], work: Callable[[], bytes]) -> None:
        """Make ``work``'s page for ``key`` in the background."""
        while len(self.pages) >= self.size:
            self.pages.popitem(last=False)
        self.pages[key] = (time.monotonic(), self.executor.submit(work))


_READ_AHEAD: WeakKeyDictionary[Application, ReadAhead] = WeakKeyDictionary()


def get_read_ahead(application: Application) -> ReadAhead:
    """The application's :class:`ReadAhead` (one per application, made when first used)."""
    if application not in _READ_AHEAD:
        _READ_AHEAD[application] = ReadAhead()
    return _READ_AHEAD[application]


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
        ahead = get_read_ahead(self.application) if options.oai.read_ahead else None
        verbs, tokens = arguments.get("verb", []), arguments.get("resumptionToken", [])
        alone = len(arguments) == 2 and len(verbs) == 1 and len(tokens) == 1
        key = (base, verbs[0], tokens[0]) if alone else None
        made = ahead.take(key) if ahead is not None and key is not None else None
        body = None
        if made is not None:
            try:
                body = await asyncio.wrap_future(made)
            except Exception:  # made again below, where errors are reported
                body = None
        if body is None:
            body = await self.run(
                partial(answer, arguments=arguments, repository=repository, documents=documents)
            )
        self.set_header("Content-Type", "text/xml; charset=utf-8")
        self.finish(body)
        following = _NEXT_TOKEN.search(body, max(0, len(body) - 2048))
        if ahead is not None and following is not None and verbs:
            token = following.group(1).decode()
            work = partial(
                self.make_page,
                arguments={"verb": verbs[:1], "resumptionToken": [token]},
                repository=repository,
                documents=documents,
            )
            ahead.start((base, verbs[0], token), work)

    def make_page(
        self, arguments: dict[str, list[str]], repository: Repository, documents: DocumentSettings
    ) -> bytes:
        """One answer, in the calling thread (the read-ahead's)."""
        with self.sessions() as session:
            now = self.service_options.clock()
            return answer(
                session,
                ANONYMOUS,
                now,
                arguments=arguments,
                repository=repository,
                documents=documents,
            )
