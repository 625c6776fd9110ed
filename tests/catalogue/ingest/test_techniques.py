"""ingest.techniques: the PaNET terms, the beamline setting and the precedence of the rules."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from panhub_catalogue.ingest.indexer import Indexer
from panhub_catalogue.ingest.techniques import (
    DEFAULT_TECHNIQUES,
    PANET,
    PANET_TERMS,
    TechniqueError,
    make_known_terms,
    match_beamline,
    parse_beamline_techniques,
    parse_technique,
    pick_techniques,
)
from traitlets import TraitError

#: Rows cut from PaNET's source/PaNET.csv (v1.3.0), not retyped: see the file's header.
EXCERPT = Path(__file__).parent / "data" / "PaNET-v1.3.0-excerpt.csv"
POWDER = ("x-ray powder diffraction", PANET + "PaNET01101")
MX = ("macromolecular crystallography", PANET + "PaNET01164")
SAXS = ("small angle x-ray scattering", PANET + "PaNET01188")
WAXS = ("wide angle x-ray scattering", PANET + "PaNET01191")


def read_panet() -> dict[str, str]:
    """IRI -> label, as PaNET's release writes them."""
    with open(EXCERPT, newline="") as stream:
        rows = csv.reader(line for line in stream if not line.startswith("#"))
        return {row[1]: row[2] for row in rows}


def test_every_term_is_panets_iri_with_panets_label() -> None:
    panet = read_panet()
    assert {iri: panet.get(iri) for iri in PANET_TERMS.values()} == {
        iri: name for name, iri in PANET_TERMS.items()
    }


def test_the_definitions_facilities_use_have_a_panet_technique() -> None:
    asked = [
        *("NXsas", "NXcanSAS", "NXxas", "NXxasproc", "NXtomo", "NXtomoproc", "NXmx"),
        *("NXmonopd", "NXazint1d", "NXazint2d", "NXarpes", "NXrefscan", "NXstxm", "NXfluo"),
        *("NXspe", "NXdirecttof", "NXindirecttof", "NXreftof", "NXtas"),
    ]
    assert [d for d in asked if d not in DEFAULT_TECHNIQUES] == []
    panet = read_panet()
    wrong = {d: t for d, t in DEFAULT_TECHNIQUES.items() if panet.get(str(t[1])) != t[0]}
    assert wrong == {}
    assert tuple(DEFAULT_TECHNIQUES["NXmonopd"]) == POWDER
    assert tuple(DEFAULT_TECHNIQUES["NXmx"]) == MX


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("x-ray powder diffraction", POWDER),
        ("X-Ray Powder Diffraction", POWDER),
        ("PaNET01101", POWDER),
        (PANET + "PaNET01101", POWDER),
        (["in-situ cell scattering", None], ("in-situ cell scattering", None)),
        (["my technique", PANET + "PaNET01216"], ("my technique", PANET + "PaNET01216")),
    ],
)
def test_a_setting_names_a_technique(value: object, expected: tuple[str, str | None]) -> None:
    assert parse_technique(value, make_known_terms(DEFAULT_TECHNIQUES)) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("powder diffraction", "'powder diffraction' is not a PaNET term"),
        ("PaNET09999", "give it as [name, PaNET IRI]"),
        (42, "a technique is a name, a PaNET id or IRI"),
        (["name", 3], "a technique is a name"),
    ],
)
def test_an_unknown_technique_is_refused_with_the_way_out(value: object, message: str) -> None:
    with pytest.raises(TechniqueError, match=message.replace("[", r"\[")):
        parse_technique(value, make_known_terms(DEFAULT_TECHNIQUES))


def test_the_setting_is_checked_when_configured() -> None:
    with pytest.raises(TraitError, match="beamline_techniques\\['BL04'\\]: 'powder'"):
        Indexer(beamline_techniques={"BL04": "powder"})
    # a technique named in `techniques` (configured at the same time) is known
    indexer = Indexer(
        techniques={"NXfoo": ["foo scattering", None]},
        beamline_techniques={"BL01": "foo scattering"},
    )
    assert indexer.beamline_techniques == {"BL01": "foo scattering"}


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("BL04-MSPD", "bl04-mspd"),
        ("bl04-mspd", "bl04-mspd"),
        ("BL04-MSPD (synthetic)", "bl04-mspd"),
        ("  BL04-MSPD  ", "bl04-mspd"),
        ("ID31", "id31"),
        ("ID31 - ESRF", "id31"),
        ("ID311", None),
        ("BL04", "bl04"),
        ("BL04-XALOC", "bl04"),  # a beamline number with another name: the longest key
        ("", None),
        (None, None),
    ],
)
def test_match_beamline(name: str | None, expected: str | None) -> None:
    assert match_beamline(name, ["bl04-mspd", "bl04", "id31"]) == expected


TABLE = parse_beamline_techniques(
    {
        "BL04-MSPD": "x-ray powder diffraction",
        "BL11-NCD": {"NXmx": "wide angle x-ray scattering", "*": "small angle x-ray scattering"},
        "BL13-XALOC": {"NXazint1d": "x-ray powder diffraction"},
    },
    make_known_terms(DEFAULT_TECHNIQUES),
)


@pytest.mark.parametrize(
    ("explicit", "definition", "instrument", "linked", "expected", "rule"),
    [
        # the definition alone
        ((), "NXmx", "P12", [], (MX,), "definition NXmx"),
        # a powder beamline writing its images as NXmx
        ((), "NXmx", "BL04-MSPD (synthetic)", [], (POWDER,), "beamline bl04-mspd"),
        # the beamline the catalogue links the proposal to, when the file names none
        ((), "NXmx", None, ["BL04-MSPD"], (POWDER,), "beamline bl04-mspd"),
        # ... and when the file names another one it has nothing for
        ((), "NXmx", "P12", ["BL04-MSPD"], (POWDER,), "beamline bl04-mspd"),
        # two linked beamlines that say different things: neither
        ((), "NXmx", None, ["BL04-MSPD", "BL11-NCD"], (MX,), "definition NXmx"),
        # the file's beamline first
        ((), "NXmx", "BL11-NCD", ["BL04-MSPD"], (WAXS,), "beamline bl11-ncd"),
        ((), "NXsas", "BL11-NCD", [], (SAXS,), "beamline bl11-ncd"),
        ((), None, "BL11-NCD", [], (SAXS,), "beamline bl11-ncd"),
        # a beamline with nothing for this definition: the definition
        ((), "NXmx", "BL13-XALOC", [], (MX,), "definition NXmx"),
        ((), "NXazint1d", "BL13-XALOC", [], (POWDER,), "beamline bl13-xaloc"),
        # what the file states wins over all
        ((("XRF", "urn:x"),), "NXmx", "BL04-MSPD", [], (("XRF", "urn:x"),), "file"),
        ((), "NXunknown", "P12", [], (), "none"),
        ((), None, None, [], (), "none"),
    ],
)
def test_precedence(
    explicit: tuple[tuple[str, str | None], ...],
    definition: str | None,
    instrument: str | None,
    linked: list[str],
    expected: tuple[tuple[str, str | None], ...],
    rule: str,
) -> None:
    found = pick_techniques(explicit, definition, instrument, linked, TABLE, DEFAULT_TECHNIQUES)
    assert found == (expected, rule)
