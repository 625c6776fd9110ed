"""Citations of an item's DataCite document: text, BibTeX, RIS, CSL-JSON, by exact equality.

The documents come from :mod:`panhub_catalogue.publish.document`
(tests/support/publish_documents.py), so these are the citations users copy.
"""

from __future__ import annotations

import re
from typing import Any

from panhub_catalogue.citation import (
    escape_bibtex,
    make_bibtex,
    make_citations,
    make_csl,
    make_ris,
    make_text_citation,
)

from tests.support.publish_documents import make_collection_document, make_session_document

LANDING = "https://data.example.org/services/catalogue/landing/investigations/9"


def test_every_format_of_a_collection() -> None:
    document = make_collection_document()
    assert make_citations(document) == {
        "text": "Bragg, Ben (2025). Figure 3 {data} 50% & more (Version 2) [Data set]. ALBA. "
        "https://doi.org/10.5072/ALBA-DC-7",
        "bibtex": "@misc{10_5072_alba_dc_7,\n"
        "  author = {Bragg, Ben},\n"
        "  title = {{Figure 3 \\{data\\} 50\\% \\& more}},\n"
        "  publisher = {ALBA},\n"
        "  year = {2025},\n"
        "  version = {2},\n"
        "  doi = {10.5072/ALBA-DC-7},\n"
        "  url = {https://doi.org/10.5072/ALBA-DC-7},\n"
        "}\n",
        "ris": "TY  - DATA\n"
        "AU  - Bragg, Ben\n"
        "TI  - Figure 3 {data} 50% & more\n"
        "PY  - 2025\n"
        "PB  - ALBA\n"
        "ET  - 2\n"
        "DO  - 10.5072/ALBA-DC-7\n"
        "UR  - https://doi.org/10.5072/ALBA-DC-7\n"
        "AB  - The spectra of figure 3. <script>alert(1)</script>\n"
        "KW  - x-ray absorption spectroscopy\n"
        "KW  - battery\n"
        "ER  - \n",
    }
    assert make_csl(document) == {
        "type": "dataset",
        "id": "10.5072/ALBA-DC-7",
        "title": "Figure 3 {data} 50% & more",
        "author": [{"family": "Bragg", "given": "Ben"}],
        "publisher": "ALBA",
        "issued": {"date-parts": [[2025]]},
        "DOI": "10.5072/ALBA-DC-7",
        "URL": "https://doi.org/10.5072/ALBA-DC-7",
        "version": "2",
        "abstract": "The spectra of figure 3. <script>alert(1)</script>",
        "keyword": "x-ray absorption spectroscopy, battery",
        "copyright": "Creative Commons Attribution 4.0 International",
    }


def test_a_session_cites_its_members_in_order_and_its_release_year() -> None:
    document = make_session_document()
    assert make_text_citation(document) == (
        "Bragg, Ben; Ana <script>alert(1)</script> Alba (2027). Operando XAS of a "
        "<script>alert(1)</script> cathode [Data set]. ALBA. "
        "https://doi.org/10.5072/ALBA-ES-2024025002"
    )
    assert make_csl(document)["author"] == [
        {"family": "Bragg", "given": "Ben"},
        {"literal": "Ana <script>alert(1)</script> Alba"},
    ]


def test_an_embargoed_session_cites_the_facility() -> None:
    document = make_session_document(embargoed=True)
    assert make_text_citation(document).startswith("ALBA (2027). Operando XAS")
    assert "Bragg" not in make_bibtex(document) + make_ris(document)


def test_without_doi_creators_or_year_the_landing_page_and_publisher_stand_in() -> None:
    bare = {"titles": [{"title": "t"}], "publisher": {"name": "PANHUB"}, "url": LANDING}
    assert make_text_citation(bare) == f"PANHUB (n.d.). t. PANHUB. {LANDING}"
    assert make_bibtex(bare) == (
        "@misc{panhub_nd,\n"
        "  author = {{PANHUB}},\n"
        "  title = {{t}},\n"
        "  publisher = {PANHUB},\n"
        f"  url = {{{LANDING}}},\n"
        "}\n"
    )
    assert (
        make_ris(bare)
        == f"TY  - DATA\nAU  - PANHUB\nTI  - t\nPB  - PANHUB\nUR  - {LANDING}\nER  - \n"
    )
    assert make_csl(bare)["author"] == []


def test_bibtex_specials_are_escaped_and_braces_stay_balanced() -> None:
    assert escape_bibtex(r"50% of {x}_1 & $y^2~\z #3") == (
        r"50\% of \{x\}\_1 \& \$y\textasciicircum{}2\textasciitilde{}\textbackslash{}z \#3"
    )
    hostile: dict[str, Any] = {
        "titles": [{"title": "}, author = {Mallory} @misc{x,\n%"}],
        "doi": "10.1/a}b{c d\\",
        "creators": [{"name": "Smith and Sons {Ltd}", "nameType": "Organizational"}],
        "publisher": {"name": "P&H"},
        "publicationYear": "2026",
    }
    entry = make_bibtex(hostile)
    assert "  title = {{\\}, author = \\{Mallory\\} @misc\\{x, \\%}},\n" in entry
    assert "  author = {{Smith and Sons \\{Ltd\\}}},\n" in entry
    assert "  doi = {10.1/a%7Db%7Bc%20d%5C},\n" in entry
    assert "  publisher = {P\\&H},\n" in entry
    # every unescaped brace is matched, and the entry is one @misc
    depth = 0
    for brace in re.findall(r"(?<!\\)[{}]", entry):
        depth += 1 if brace == "{" else -1
        assert depth >= 0
    assert depth == 0
    assert entry.count("@misc{") == 1 and entry.count("\n}\n") == 1


def test_ris_values_cannot_start_a_tag() -> None:
    hostile = make_session_document(title="a\nER  - \nTY  - JOUR\r\n\x00b")
    ris = make_ris(hostile)
    assert "TI  - a ER - TY - JOUR b\n" in ris
    tags = [line[:2] for line in ris.splitlines()]
    assert tags == ["TY", "AU", "AU", "TI", "PY", "PB", "DO", "UR", "AB", "KW", "ER"]
