"""How to cite an investigation: DataCite's text form, BibTeX and RIS (pure string building).

Every function reads a record as :mod:`panhub_catalogue.records` shapes it (``users``,
``title``, ``name``, ``doi``, ``beamlines`` and the dates) and returns text; nothing here
touches the database. Catalogue text may hold anything (braces, ``%``, newlines), so
each format escapes it: BibTeX's special characters are written as LaTeX commands, and a
line break in a value is a space in BibTeX and RIS (in RIS it would start a new tag).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

#: BibTeX/LaTeX special characters and what stands for them.
BIBTEX_SPECIALS = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "$": r"\$",
    "&": r"\&",
    "%": r"\%",
    "#": r"\#",
    "_": r"\_",
    "^": r"\textasciicircum{}",
    "~": r"\textasciitilde{}",
}
_SPACES = re.compile(r"\s+")
_NOT_KEY = re.compile(r"[^0-9A-Za-z]+")
_AND = re.compile(r"\band\b", re.IGNORECASE)


def format_authors(users: list[dict[str, Any]]) -> list[str]:
    """Author names, principal investigators first, as in the investigation's member list."""
    ordered = sorted(users, key=lambda u: (u.get("role") != "PI", u.get("fullName") or u["name"]))
    return [u.get("fullName") or u["name"] for u in ordered]


def get_year(record: dict[str, Any]) -> str | None:
    """The year cited: of the release (or publication), else of the start; ``None``."""
    date = record.get("releaseDate") or record.get("publicationDate") or record.get("startDate")
    return date[:4] if date else None


def make_citation(record: dict[str, Any], publisher: str) -> str:
    """``Authors (year). Title. Publisher. https://doi.org/DOI`` (DataCite's recommended form)."""
    authors = "; ".join(format_authors(record.get("users", []))) or publisher
    year = get_year(record) or "n.d."
    title = record.get("title") or record.get("name") or ""
    doi = record.get("doi")
    where = f" https://doi.org/{doi}" if doi else ""
    return f"{authors} ({year}). {title}. {publisher}.{where}"


def make_url(record: dict[str, Any], landing_url: str) -> str:
    """What a citation links to: ``https://doi.org/<doi>``, else the landing page."""
    doi = record.get("doi")
    return f"https://doi.org/{doi}" if doi else landing_url


def make_one_line(text: str) -> str:
    """``text`` with every run of white space (line breaks too) as one space, trimmed;
    other control characters dropped."""
    printable = "".join(c for c in text if c.isprintable() or c.isspace())
    return _SPACES.sub(" ", printable).strip()


def escape_bibtex(text: str) -> str:
    """``text`` on one line with BibTeX's special characters escaped (braces stay balanced)."""
    return "".join(BIBTEX_SPECIALS.get(c, c) for c in make_one_line(text))


def make_verbatim(text: str) -> str:
    """A DOI or URL for a verbatim BibTeX field: braces, backslashes, white space and
    control characters percent-encoded, the rest as is."""
    return "".join(
        c if c.isprintable() and not c.isspace() and c not in "{}\\" else quote(c, safe="")
        for c in text
    )


def make_note(record: dict[str, Any]) -> str:
    """``Proposal <name>, beamline <names>`` (the beamlines only when known)."""
    beamlines = ", ".join(record.get("beamlines", []))
    return f"Proposal {record.get('name', '')}" + (f", beamline {beamlines}" if beamlines else "")


def make_bibtex_key(record: dict[str, Any], publisher: str) -> str:
    """``<publisher>-<proposal>-<year>`` in ASCII letters and digits.

    For example ``panhub-20240001-2026`` (``nd`` for no year).
    """
    parts = (publisher, str(record.get("name") or record.get("id", "")), get_year(record) or "nd")
    return "-".join(_NOT_KEY.sub("", p).lower() or "x" for p in parts)


def make_bibtex_author(name: str) -> str:
    """One author; a name holding the word ``and`` is braced so BibTeX keeps it whole."""
    escaped = escape_bibtex(name)
    return f"{{{escaped}}}" if _AND.search(escaped) else escaped


def make_bibtex(record: dict[str, Any], publisher: str, landing_url: str) -> str:
    """A BibTeX ``@misc`` entry: authors (the publisher when none), title, publisher, year,
    DOI, URL (the DOI's, else ``landing_url``) and a note naming proposal and beamline."""
    authors = [make_bibtex_author(n) for n in format_authors(record.get("users", []))]
    title = escape_bibtex(record.get("title") or record.get("name") or "")
    fields = [
        ("author", " and ".join(authors) or f"{{{escape_bibtex(publisher)}}}"),
        ("title", f"{{{title}}}"),
        ("publisher", escape_bibtex(publisher)),
        ("year", get_year(record)),
        ("doi", make_verbatim(record["doi"]) if record.get("doi") else None),
        ("url", make_verbatim(make_url(record, landing_url))),
        ("note", escape_bibtex(make_note(record))),
    ]
    body = "".join(f"  {name} = {{{value}}},\n" for name, value in fields if value)
    return f"@misc{{{make_bibtex_key(record, publisher)},\n{body}}}\n"


def make_ris(record: dict[str, Any], publisher: str, landing_url: str) -> str:
    """An RIS record of type ``DATA`` (lines ``TAG  - value``, ending with ``ER  - ``)."""
    authors = format_authors(record.get("users", [])) or [publisher]
    tags = [
        ("TY", "DATA"),
        *(("AU", a) for a in authors),
        ("TI", record.get("title") or record.get("name") or ""),
        ("PY", get_year(record)),
        ("PB", publisher),
        ("DO", record.get("doi")),
        ("UR", make_url(record, landing_url)),
        ("N1", make_note(record)),
    ]
    lines = [f"{tag}  - {make_one_line(value)}" for tag, value in tags if value]
    return "\n".join([*lines, "ER  - "]) + "\n"


def make_citations(record: dict[str, Any], publisher: str, landing_url: str) -> dict[str, str]:
    """``{"text", "bibtex", "ris"}`` of an investigation's record."""
    return {
        "text": make_citation(record, publisher),
        "bibtex": make_bibtex(record, publisher, landing_url),
        "ris": make_ris(record, publisher, landing_url),
    }
