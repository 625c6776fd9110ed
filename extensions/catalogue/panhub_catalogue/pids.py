"""Persistent identifiers of people and institutions: ORCID iDs and ROR ids.

An ORCID iD is written bare (``0000-0002-1825-0097``), its last character a check
digit (ISO 7064 MOD 11-2, ``X`` for 10); a ROR id is written as its URL
(``https://ror.org/02j9n6e35``). The hub's reader of the directory file
(``panhub.proposals``) applies the same rules.
"""

from __future__ import annotations

import re

#: Four groups of four characters, digits but for the last (a check digit, 0-9 or X).
ORCID = re.compile(r"\d{4}-\d{4}-\d{4}-\d{3}[\dX]")
#: ``https://ror.org/`` then ``0``, six Crockford base-32 characters and two digits.
ROR = re.compile(r"https://ror\.org/0[0-9a-hjkmnp-tv-z]{6}\d{2}")
_ORCID_PREFIXES = ("https://orcid.org/", "http://orcid.org/", "orcid.org/")


def orcid_check_digit(digits: str) -> str:
    """The ISO 7064 MOD 11-2 check character of the first 15 digits of an ORCID iD."""
    total = 0
    for char in digits:
        total = (total + int(char)) * 2
    check = (12 - total % 11) % 11
    return "X" if check == 10 else str(check)


def is_orcid(value: object) -> bool:
    """True for an ORCID iD of the right shape whose check digit is right.

    >>> is_orcid("0000-0002-1825-0097"), is_orcid("0000-0002-1825-0098")
    (True, False)
    """
    if not isinstance(value, str) or ORCID.fullmatch(value) is None:
        return False
    digits = value.replace("-", "")
    return orcid_check_digit(digits[:-1]) == digits[-1]


def read_orcid(text: str | None) -> str | None:
    """The bare ORCID iD in ``text`` (bare or as an ``orcid.org`` URL), if it is a valid one.

    >>> read_orcid("https://orcid.org/0000-0002-1825-0097")
    '0000-0002-1825-0097'
    """
    if not text:
        return None
    text = text.strip()
    for prefix in _ORCID_PREFIXES:
        text = text.removeprefix(prefix)
    return text if is_orcid(text) else None


def is_ror(value: object) -> bool:
    """True for a ROR id written as its URL, ``https://ror.org/02j9n6e35``."""
    return isinstance(value, str) and ROR.fullmatch(value) is not None
