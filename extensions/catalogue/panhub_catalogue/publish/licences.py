"""Licences by SPDX id: the name and URL a DataCite ``rightsList`` entry carries.

DataCite writes a licence as ``rights`` (its name), ``rightsUri`` (the legal code),
``rightsIdentifier`` (the SPDX id in lower case), ``rightsIdentifierScheme`` ``SPDX``
and ``schemeUri`` ``https://spdx.org/licenses/``. The table holds the licences data
repositories use; an id outside it is refused (a typo would otherwise be published),
except SPDX's own escape for site licences, ``LicenseRef-<name>``.
"""

from __future__ import annotations

import re

SPDX_SCHEME_URI = "https://spdx.org/licenses/"
_CC = "https://creativecommons.org/licenses/"
_ODC = "https://opendatacommons.org/licenses/"

#: SPDX id -> (name, legal code URL).
LICENCES: dict[str, tuple[str, str]] = {
    "CC-BY-4.0": ("Creative Commons Attribution 4.0 International", _CC + "by/4.0/legalcode"),
    "CC-BY-SA-4.0": (
        "Creative Commons Attribution Share Alike 4.0 International",
        _CC + "by-sa/4.0/legalcode",
    ),
    "CC-BY-NC-4.0": (
        "Creative Commons Attribution Non Commercial 4.0 International",
        _CC + "by-nc/4.0/legalcode",
    ),
    "CC-BY-NC-SA-4.0": (
        "Creative Commons Attribution Non Commercial Share Alike 4.0 International",
        _CC + "by-nc-sa/4.0/legalcode",
    ),
    "CC-BY-ND-4.0": (
        "Creative Commons Attribution No Derivatives 4.0 International",
        _CC + "by-nd/4.0/legalcode",
    ),
    "CC-BY-NC-ND-4.0": (
        "Creative Commons Attribution Non Commercial No Derivatives 4.0 International",
        _CC + "by-nc-nd/4.0/legalcode",
    ),
    "CC-BY-3.0": ("Creative Commons Attribution 3.0 Unported", _CC + "by/3.0/legalcode"),
    "CC0-1.0": (
        "Creative Commons Zero v1.0 Universal",
        "https://creativecommons.org/publicdomain/zero/1.0/legalcode",
    ),
    "ODbL-1.0": ("Open Data Commons Open Database License v1.0", _ODC + "odbl/1-0/"),
    "ODC-By-1.0": ("Open Data Commons Attribution License v1.0", _ODC + "by/1-0/"),
    "PDDL-1.0": ("Open Data Commons Public Domain Dedication & License 1.0", _ODC + "pddl/1-0/"),
    "etalab-2.0": (
        "Etalab Open License 2.0",
        "https://github.com/DISIC/politique-de-contribution-open-source/blob/master/LICENSE",
    ),
}
_BY_LOWER = {key.lower(): key for key in LICENCES}
_LICENSE_REF = re.compile(r"LicenseRef-[A-Za-z0-9.-]{1,64}")


def find_licence(spdx: str) -> str | None:
    """The SPDX id as SPDX spells it (``cc-by-4.0`` -> ``CC-BY-4.0``), or ``None``.

    ``LicenseRef-<name>`` (a site's own licence) is returned as given.
    """
    if _LICENSE_REF.fullmatch(spdx):
        return spdx
    return _BY_LOWER.get(spdx.strip().lower())


def describe_licence(spdx: str) -> dict[str, str]:
    """The DataCite ``rightsList`` entry of a licence (``spdx`` from :func:`find_licence`).

    >>> describe_licence("CC0-1.0")["rightsIdentifier"]
    'cc0-1.0'
    """
    name, url = LICENCES.get(spdx, (spdx, ""))
    entry = {"rights": name, "rightsUri": url} if url else {"rights": name}
    if spdx.startswith("LicenseRef-"):
        return entry  # a site's own licence has no SPDX page
    return entry | {
        "rightsIdentifier": spdx.lower(),
        "rightsIdentifierScheme": "SPDX",
        "schemeUri": SPDX_SCHEME_URI,
    }
