"""How to cite an item: the citation formats of its DataCite document (pure).

Every function reads the item's one DataCite 4.5 document
(:mod:`panhub_catalogue.publish.document`) and returns text or a JSON-able dict:
DataCite's recommended text form, CSL-JSON (what every citation style renders), BibTeX
and RIS. The readers of the document (``get_*``) serve the other formats too
(:mod:`panhub_catalogue.publish.formats`). Catalogue text may hold anything (braces,
``%``, newlines), so each format escapes it: BibTeX's special characters are written as
LaTeX commands, and a line break in a value is a space in BibTeX and RIS (in RIS it
would start a new tag).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

Document = dict[str, Any]

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
#: Words of ``resourceTypeGeneral`` as a citation names them (``[Data set]``).
TYPE_LABELS = {"Dataset": "Data set", "Collection": "Collection"}
_SPACES = re.compile(r"\s+")
_NOT_KEY = re.compile(r"[^0-9A-Za-z]+")
_AND = re.compile(r"\band\b", re.IGNORECASE)


def get_title(document: Document) -> str:
    """The main title (the first one without a ``titleType``), else ''."""
    titles = document.get("titles") or []
    main = [t for t in titles if not t.get("titleType")] or titles
    return str(main[0].get("title", "")) if main else ""


def get_abstract(document: Document) -> str:
    """The first ``Abstract`` description (else the first description), else ''."""
    descriptions = document.get("descriptions") or []
    abstracts = [d for d in descriptions if d.get("descriptionType") == "Abstract"]
    chosen = abstracts or descriptions
    return str(chosen[0].get("description", "")) if chosen else ""


def get_publisher(document: Document) -> str:
    """The publisher's name (4.5: an object; older documents: a string)."""
    publisher = document.get("publisher")
    if isinstance(publisher, dict):
        return str(publisher.get("name", ""))
    return str(publisher or "")


def get_doi_url(document: Document) -> str | None:
    """``https://doi.org/<doi>``, or ``None`` without a DOI."""
    doi = document.get("doi")
    return f"https://doi.org/{doi}" if doi else None


def get_link(document: Document) -> str | None:
    """What a citation links to: the DOI's URL, else the landing page (``url``)."""
    return get_doi_url(document) or document.get("url")


def get_creator_names(document: Document) -> list[str]:
    """Creators' names in order (``Family, Given`` for people, as DataCite writes them)."""
    return [str(c.get("name", "")) for c in document.get("creators") or [] if c.get("name")]


def get_orcid(person: dict[str, Any]) -> str | None:
    """The ORCID URL among a person's ``nameIdentifiers``, or ``None``."""
    for identifier in person.get("nameIdentifiers") or []:
        if str(identifier.get("nameIdentifierScheme", "")).upper() == "ORCID":
            value = str(identifier.get("nameIdentifier", ""))
            return value if value.startswith("http") else f"https://orcid.org/{value}"
    return None


def get_dates(document: Document, date_type: str) -> list[str]:
    """The values of ``dates`` of one ``dateType`` (``Collected``, ``Available``...)."""
    return [str(d["date"]) for d in document.get("dates") or [] if d.get("dateType") == date_type]


def get_related_url(related: dict[str, Any]) -> str:
    """A related identifier as a URL where it has one (DOI, URL, Handle), else as written."""
    value = str(related.get("relatedIdentifier", ""))
    kind = related.get("relatedIdentifierType")
    if kind == "DOI" and not value.startswith("http"):
        return f"https://doi.org/{value}"
    if kind == "Handle" and not value.startswith("http"):
        return f"https://hdl.handle.net/{value}"
    return value


def make_csl_name(person: dict[str, Any]) -> dict[str, str]:
    """A creator as CSL: ``family``/``given`` for a person whose parts are known, else literal."""
    if person.get("nameType") != "Organizational" and person.get("familyName"):
        name = {"family": str(person["familyName"])}
        if person.get("givenName"):
            name["given"] = str(person["givenName"])
        return name
    return {"literal": str(person.get("name", ""))}


def make_csl(document: Document) -> dict[str, Any]:
    """CSL-JSON (the citeproc item every citation style renders) of ``document``."""
    csl: dict[str, Any] = {
        "type": "dataset",
        "id": document.get("doi") or document.get("url") or get_title(document),
        "title": get_title(document),
        "author": [make_csl_name(c) for c in document.get("creators") or []],
        "publisher": get_publisher(document),
    }
    year = str(document.get("publicationYear", ""))
    if year.isdigit():
        csl["issued"] = {"date-parts": [[int(year)]]}
    if document.get("doi"):
        csl["DOI"] = document["doi"]
    link = get_link(document)
    if link:
        csl["URL"] = link
    if document.get("version"):
        csl["version"] = str(document["version"])
    abstract = get_abstract(document)
    if abstract:
        csl["abstract"] = abstract
    keywords = [str(s["subject"]) for s in document.get("subjects") or [] if s.get("subject")]
    if keywords:
        csl["keyword"] = ", ".join(keywords)
    if document.get("language"):
        csl["language"] = document["language"]
    rights = [str(r["rights"]) for r in document.get("rightsList") or [] if r.get("rights")]
    if rights:
        csl["copyright"] = rights[0]
    return csl


def get_type_label(document: Document) -> str:
    """What kind of resource a citation says it is (``Data set``)."""
    general = str((document.get("types") or {}).get("resourceTypeGeneral", ""))
    return TYPE_LABELS.get(general, general)


def make_text_citation(document: Document) -> str:
    """``Creators (Year). Title (Version v) [Data set]. Publisher. https://doi.org/DOI``.

    DataCite's recommended form (as APA writes a data set); the publisher stands in for
    missing creators, ``n.d.`` for a missing year, the landing page for a missing DOI.
    """
    publisher = make_one_line(get_publisher(document))
    authors = "; ".join(make_one_line(n) for n in get_creator_names(document)) or publisher
    year = str(document.get("publicationYear") or "n.d.")
    version = (
        f" (Version {make_one_line(str(document['version']))})" if document.get("version") else ""
    )
    label = get_type_label(document)
    kind = f" [{label}]" if label else ""
    link = get_link(document)
    where = f" {link}" if link else ""
    title = make_one_line(get_title(document))
    return f"{authors} ({year}). {title}{version}{kind}. {publisher}.{where}"


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


def make_bibtex_author(name: str) -> str:
    """One author; a name holding the word ``and`` is braced so BibTeX keeps it whole."""
    escaped = escape_bibtex(name)
    return f"{{{escaped}}}" if _AND.search(escaped) else escaped


def make_bibtex_key(document: Document) -> str:
    """The entry's key: its DOI in ASCII letters, digits and ``_`` (``10_5072_alba_es_1``);
    without a DOI, ``<publisher>_<year>``."""
    source = (
        document.get("doi") or f"{get_publisher(document)} {document.get('publicationYear', 'nd')}"
    )
    return _NOT_KEY.sub("_", str(source)).strip("_").lower() or "dataset"


def make_bibtex(document: Document) -> str:
    """A BibTeX ``@misc`` entry: authors (the publisher when none), title, publisher, year,
    version, DOI and URL (the DOI's, else the landing page's)."""
    authors = [make_bibtex_author(n) for n in get_creator_names(document)]
    publisher = escape_bibtex(get_publisher(document))
    link = get_link(document)
    fields = [
        ("author", " and ".join(authors) or f"{{{publisher}}}"),
        ("title", f"{{{escape_bibtex(get_title(document))}}}"),
        ("publisher", publisher),
        ("year", escape_bibtex(str(document.get("publicationYear") or ""))),
        ("version", escape_bibtex(str(document.get("version") or ""))),
        ("doi", make_verbatim(document["doi"]) if document.get("doi") else None),
        ("url", make_verbatim(link) if link else None),
    ]
    body = "".join(f"  {name} = {{{value}}},\n" for name, value in fields if value)
    return f"@misc{{{make_bibtex_key(document)},\n{body}}}\n"


def make_ris(document: Document) -> str:
    """An RIS record of type ``DATA`` (lines ``TAG  - value``, ending with ``ER  - ``)."""
    publisher = get_publisher(document)
    subjects = [str(s.get("subject", "")) for s in document.get("subjects") or []]
    tags: list[tuple[str, Any]] = [
        ("TY", "DATA"),
        *(("AU", a) for a in get_creator_names(document) or [publisher]),
        ("TI", get_title(document)),
        ("PY", document.get("publicationYear")),
        ("PB", publisher),
        ("ET", document.get("version")),
        ("DO", document.get("doi")),
        ("UR", get_link(document)),
        ("AB", get_abstract(document)),
        *(("KW", s) for s in subjects),
        ("LA", document.get("language")),
    ]
    lines = [f"{tag}  - {make_one_line(str(value))}" for tag, value in tags if value]
    return "\n".join([*lines, "ER  - "]) + "\n"


def make_citations(document: Document) -> dict[str, str]:
    """``{"text", "bibtex", "ris"}`` of ``document`` (what the citation route answers)."""
    return {
        "text": make_text_citation(document),
        "bibtex": make_bibtex(document),
        "ris": make_ris(document),
    }
