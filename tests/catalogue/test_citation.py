"""Citations of an investigation record: text, BibTeX and RIS, by exact equality."""

from __future__ import annotations

import re
from typing import Any

from panhub_catalogue.citation import (
    escape_bibtex,
    make_bibtex,
    make_citation,
    make_citations,
    make_ris,
)

RECORD: dict[str, Any] = {
    "id": 7,
    "name": "20240001",
    "title": "Operando XAS of a battery cathode",
    "doi": "10.5072/panhub.20240001",
    "releaseDate": "2027-03-01T00:00:00Z",
    "startDate": "2024-03-01T08:00:00Z",
    "beamlines": ["BL22"],
    "users": [
        {"name": "ana", "fullName": "Ana Alba", "role": "member"},
        {"name": "ben", "fullName": "Ben Bragg", "role": "PI"},
    ],
}
LANDING = "https://hub.example.org/services/catalogue/landing/investigations/7"


def test_three_formats_of_a_record_with_a_doi() -> None:
    assert make_citations(RECORD, "PANHUB", LANDING) == {
        "text": "Ben Bragg; Ana Alba (2027). Operando XAS of a battery cathode. PANHUB. "
        "https://doi.org/10.5072/panhub.20240001",
        "bibtex": "@misc{panhub-20240001-2027,\n"
        "  author = {Ben Bragg and Ana Alba},\n"
        "  title = {{Operando XAS of a battery cathode}},\n"
        "  publisher = {PANHUB},\n"
        "  year = {2027},\n"
        "  doi = {10.5072/panhub.20240001},\n"
        "  url = {https://doi.org/10.5072/panhub.20240001},\n"
        "  note = {Proposal 20240001, beamline BL22},\n"
        "}\n",
        "ris": "TY  - DATA\n"
        "AU  - Ben Bragg\n"
        "AU  - Ana Alba\n"
        "TI  - Operando XAS of a battery cathode\n"
        "PY  - 2027\n"
        "PB  - PANHUB\n"
        "DO  - 10.5072/panhub.20240001\n"
        "UR  - https://doi.org/10.5072/panhub.20240001\n"
        "N1  - Proposal 20240001, beamline BL22\n"
        "ER  - \n",
    }


def test_without_doi_members_or_dates_the_landing_page_and_publisher_stand_in() -> None:
    bare = {"id": 7, "name": "P-1", "title": "t", "users": [], "beamlines": []}
    assert make_citation(bare, "PANHUB") == "PANHUB (n.d.). t. PANHUB."
    assert make_bibtex(bare, "PANHUB", LANDING) == (
        "@misc{panhub-p1-nd,\n"
        "  author = {{PANHUB}},\n"
        "  title = {{t}},\n"
        "  publisher = {PANHUB},\n"
        f"  url = {{{LANDING}}},\n"
        "  note = {Proposal P-1},\n"
        "}\n"
    )
    assert make_ris(bare, "PANHUB", LANDING) == (
        f"TY  - DATA\nAU  - PANHUB\nTI  - t\nPB  - PANHUB\nUR  - {LANDING}\nN1  - Proposal P-1\n"
        "ER  - \n"
    )


def test_bibtex_specials_are_escaped_and_braces_stay_balanced() -> None:
    assert escape_bibtex(r"50% of {x}_1 & $y^2~\z #3") == (
        r"50\% of \{x\}\_1 \& \$y\textasciicircum{}2\textasciitilde{}\textbackslash{}z \#3"
    )
    hostile = {
        **RECORD,
        "title": "}, author = {Mallory} @misc{x,\n%",
        "doi": "10.1/a}b{c d\\",
        "users": [{"name": "x", "fullName": "Smith and Sons {Ltd}", "role": "PI"}],
    }
    entry = make_bibtex(hostile, "P&H", LANDING)
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
    hostile = {**RECORD, "title": "a\nER  - \nTY  - JOUR\r\n\x00b"}
    ris = make_ris(hostile, "PANHUB", LANDING)
    assert "TI  - a ER - TY - JOUR b\n" in ris
    assert [line[:2] for line in ris.splitlines()] == [
        "TY",
        "AU",
        "AU",
        "TI",
        "PY",
        "PB",
        "DO",
        "UR",
        "N1",
        "ER",
    ]
