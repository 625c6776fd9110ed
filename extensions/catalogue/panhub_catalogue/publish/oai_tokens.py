"""OAI-PMH resumption tokens: stateless, signed, idempotent (pure).

A token is the whole state of a harvest's next page, so the service keeps none: the
selection (metadata prefix, set, ``from``, ``until`` frozen at the harvest's first
request, and that request's time), the keyset position of the last item sent (its kind's
rank and its id: the next page is ``WHERE (rank, id) > position``, never an ``OFFSET``),
the cursor (items sent so far) and the ``completeListSize`` counted at the first request.
The same token always gives the same page. It is written as
``<base64url of compact JSON>.<base64url of HMAC-SHA256, 16 bytes>``; a token whose
signature does not match (changed, or from another service) is refused.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime

#: ``(kind rank, id)`` of an item: lists are in this order.
Position = tuple[int, int]
VERSION = 1
_SIGNATURE_BYTES = 16
#: Longest token read (a real one is about 150 characters).
MAX_TOKEN = 1000


class TokenError(ValueError):
    """A resumption token that is malformed, tampered with or not ours."""


@dataclass(frozen=True)
class Selection:
    """What a list request selects, fixed at the harvest's first request.

    ``until`` is inclusive and at most ``started`` (the first request's time, to the
    second), so that items changed during the harvest wait for the next one instead of
    moving inside this one, and ``completeListSize`` stays true.
    """

    prefix: str
    set_spec: str | None
    since: datetime | None
    until: datetime
    started: datetime


@dataclass(frozen=True)
class Token:
    """The state of a harvest after one page."""

    verb: str
    selection: Selection
    after: Position
    cursor: int
    total: int


def _seconds(moment: datetime | None) -> int | None:
    return None if moment is None else int(moment.replace(tzinfo=UTC).timestamp())


def _moment(seconds: object) -> datetime | None:
    if seconds is None:
        return None
    if not isinstance(seconds, int) or isinstance(seconds, bool):
        raise TokenError("a time in the token is not a number")
    try:
        return datetime.fromtimestamp(seconds, UTC).replace(tzinfo=None)
    except (OverflowError, OSError, ValueError):
        raise TokenError("a time in the token is out of range") from None


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(payload: str, secret: bytes) -> str:
    digest = hmac.new(secret, payload.encode("ascii"), hashlib.sha256).digest()
    return _b64(digest[:_SIGNATURE_BYTES])


def write_token(token: Token, secret: bytes) -> str:
    """``token`` as signed text (URL-safe: letters, digits, ``-``, ``_`` and one ``.``)."""
    selection = token.selection
    fields = [
        VERSION,
        token.verb,
        selection.prefix,
        selection.set_spec,
        _seconds(selection.since),
        _seconds(selection.until),
        _seconds(selection.started),
        token.after[0],
        token.after[1],
        token.cursor,
        token.total,
    ]
    payload = _b64(json.dumps(fields, separators=(",", ":")).encode())
    return f"{payload}.{_sign(payload, secret)}"


def read_token(text: str, secret: bytes) -> Token:
    """The :class:`Token` written as ``text`` by :func:`write_token` with ``secret``.

    Raises
    ------
    TokenError
        Too long, malformed, or its signature does not match.
    """
    if len(text) > MAX_TOKEN:
        raise TokenError("this is not a resumption token of this repository (too long)")
    payload, _, signature = text.partition(".")
    if not payload or not hmac.compare_digest(signature, _sign(payload, secret)):
        raise TokenError("this is not a resumption token of this repository")
    try:
        fields = json.loads(_unb64(payload))
    except (ValueError, binascii.Error):
        raise TokenError("the resumption token is malformed") from None
    if not isinstance(fields, list) or len(fields) != 11 or fields[0] != VERSION:
        raise TokenError("the resumption token is of another version")
    _, verb, prefix, set_spec, since, until, started, rank, item_id, cursor, total = fields
    numbers = (rank, item_id, cursor, total)
    if not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in numbers):
        raise TokenError("the resumption token is malformed")
    until_moment, started_moment = _moment(until), _moment(started)
    if not isinstance(verb, str) or not isinstance(prefix, str) or until_moment is None:
        raise TokenError("the resumption token is malformed")
    if started_moment is None or not (set_spec is None or isinstance(set_spec, str)):
        raise TokenError("the resumption token is malformed")
    selection = Selection(prefix, set_spec, _moment(since), until_moment, started_moment)
    return Token(verb, selection, (rank, item_id), cursor, total)
