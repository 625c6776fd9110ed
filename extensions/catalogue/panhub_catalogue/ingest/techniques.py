"""Which technique a NeXus entry records: what the file says, the beamline, the definition.

An application definition alone can mislead: a powder-diffraction still from an area
detector is written as ``NXmx`` (the NIAC definition for detector images with their
geometry, as ``panhub_nexus.synthetic.powder`` writes it), and a beamline's
azimuthally integrated ``NXazint1d`` may be powder diffraction or SAXS. The technique of
an entry is therefore the first of these that gives one (:func:`pick_techniques`):

1. **the file's own statement**: the entry's ``techniques`` group, as ESRF's BLISS
   writes it with ``esrf-ontologies`` (an ``NXnote`` with ``names`` and ``iris``, one
   item per technique: pan-ontologies/esrf-ontologies, ``technique/types.py``);
2. **the beamline**: ``Indexer.beamline_techniques`` for the beamline the entry's
   ``NXinstrument/name`` names (see :func:`match_beamline`), else for the beamline the
   catalogue links the investigation to (when exactly one of its beamlines is listed);
3. **the definition**: ``Indexer.techniques`` (by default :data:`DEFAULT_TECHNIQUES`).

A technique is a ``(name, PID)`` pair; the PID is a PaNET IRI when PaNET has the term.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

#: A technique: its name and persistent identifier (a PaNET IRI, or ``None``).
Technique = tuple[str, str | None]

PANET = "http://purl.org/pan-science/PaNET/"

#: PaNET terms by name. Source: the PaNET ontology, pan-ontologies/PaNET,
#: ``source/PaNET.csv`` at tag v1.3.0 (commit 0a7226dc09c8, 2025-10-21; CC-BY 4.0),
#: with the names (``rdfs:label``) of that release. PaNET's later relabelling (#448,
#: June 2026) appended "-based techniques" to the labels of classes that group
#: techniques (PaNET01124, 01164, 01177, 01207 among these); the IRIs are unchanged,
#: and the catalogue keeps the shorter names its users, kernels and demo know.
PANET_TERMS: dict[str, str] = {
    "angle resolved photoemission spectroscopy": PANET + "PaNET01089",
    "ellipsometry": PANET + "PaNET01255",
    "inelastic neutron spectroscopy": PANET + "PaNET01245",
    "macromolecular crystallography": PANET + "PaNET01164",
    "neutron powder diffraction": PANET + "PaNET01100",
    "neutron reflectometry": PANET + "PaNET01239",
    "neutron single crystal diffraction": PANET + "PaNET01236",
    "photoelectron spectroscopy": PANET + "PaNET01202",
    "raman spectroscopy": PANET + "PaNET01195",
    "scanning transmission x-ray microscopy": PANET + "PaNET01219",
    "small angle neutron scattering": PANET + "PaNET01189",
    "small angle scattering": PANET + "PaNET01124",
    "small angle x-ray scattering": PANET + "PaNET01188",
    "time of flight small angle neutron scattering": PANET + "PaNET01277",
    "wide angle x-ray scattering": PANET + "PaNET01191",
    "x-ray absorption spectroscopy": PANET + "PaNET01196",
    "x-ray diffraction": PANET + "PaNET01216",
    "x-ray fluorescence": PANET + "PaNET01177",
    "x-ray photon correlation spectroscopy": PANET + "PaNET01205",
    "x-ray powder diffraction": PANET + "PaNET01101",
    "x-ray reflectivity": PANET + "PaNET01149",
    "x-ray scattering": PANET + "PaNET01184",
    "x-ray single crystal diffraction": PANET + "PaNET01102",
    "x-ray tomography": PANET + "PaNET01207",
}


def _term(name: str) -> list[str | None]:
    return [name, PANET_TERMS[name]]


#: NeXus application definition -> [technique name, PaNET IRI]: the NIAC base and
#: application definitions facilities write (manual.nexusformat.org, "Application
#: Definitions") and FAIRmat's NXxrd/NXxrd_pan, NXmpes, NXellipsometry, NXraman.
#: Definitions that serve X-rays and neutrons alike (NXsas, NXmonopd, NXrefscan, the
#: single-crystal NXx* family) are read as X-rays', as at an X-ray facility; the
#: time-of-flight ones (NXdirecttof, NXindirecttof, NXreftof, NXsastof, NXtofnpd,
#: NXlauetof, NXspe, NXtas) are neutrons'. ``NXazint1d``/``NXazint2d`` (azimuthal
#: integration) say only "x-ray scattering": a beamline setting says more. Generic
#: definitions (NXscan, NXarchive, NXtofraw, NXtofsingle, NXiqproc, NXsqom) have none.
DEFAULT_TECHNIQUES: dict[str, list[str | None]] = {
    "NXxas": _term("x-ray absorption spectroscopy"),
    "NXxasproc": _term("x-ray absorption spectroscopy"),
    "NXsas": _term("small angle scattering"),
    "NXcanSAS": _term("small angle scattering"),
    "NXsastof": _term("time of flight small angle neutron scattering"),
    "NXtomo": _term("x-ray tomography"),
    "NXtomoproc": _term("x-ray tomography"),
    "NXtomophase": _term("x-ray tomography"),
    "NXmx": _term("macromolecular crystallography"),
    "NXfluo": _term("x-ray fluorescence"),
    "NXarpes": _term("angle resolved photoemission spectroscopy"),
    "NXmpes": _term("photoelectron spectroscopy"),
    "NXmpes_arpes": _term("angle resolved photoemission spectroscopy"),
    "NXstxm": _term("scanning transmission x-ray microscopy"),
    "NXmonopd": _term("x-ray powder diffraction"),
    "NXxrd_pan": _term("x-ray powder diffraction"),
    "NXxrd": _term("x-ray diffraction"),
    "NXazint1d": _term("x-ray scattering"),
    "NXazint2d": _term("x-ray scattering"),
    "NXxbase": _term("x-ray single crystal diffraction"),
    "NXxeuler": _term("x-ray single crystal diffraction"),
    "NXxkappa": _term("x-ray single crystal diffraction"),
    "NXxnb": _term("x-ray single crystal diffraction"),
    "NXxrot": _term("x-ray single crystal diffraction"),
    "NXxlaue": _term("x-ray single crystal diffraction"),
    "NXxlaueplate": _term("x-ray single crystal diffraction"),
    "NXxpcs": _term("x-ray photon correlation spectroscopy"),
    "NXrefscan": _term("x-ray reflectivity"),
    "NXreftof": _term("neutron reflectometry"),
    "NXtofnpd": _term("neutron powder diffraction"),
    "NXlauetof": _term("neutron single crystal diffraction"),
    "NXspe": _term("inelastic neutron spectroscopy"),
    "NXdirecttof": _term("inelastic neutron spectroscopy"),
    "NXindirecttof": _term("inelastic neutron spectroscopy"),
    "NXtas": _term("inelastic neutron spectroscopy"),
    "NXellipsometry": _term("ellipsometry"),
    "NXraman": _term("raman spectroscopy"),
}

#: The key of a beamline's technique that applies to entries of any definition.
ANY_DEFINITION = "*"

_PANET_ID = re.compile(r"(?:http://purl\.org/pan-science/PaNET/)?(PaNET\d{5})")


class TechniqueError(ValueError):
    """A technique in the settings that names no known term (the message says which)."""


def make_known_terms(techniques: Mapping[str, Any]) -> dict[str, Technique]:
    """Known terms by lowercase name and by PaNET id: :data:`PANET_TERMS`, ``techniques``."""
    known: dict[str, Technique] = {}
    pairs: list[tuple[str, str | None]] = list(PANET_TERMS.items())
    pairs += [(str(v[0]), v[1]) for v in techniques.values() if isinstance(v, list | tuple)]
    for name, iri in pairs:
        known[name.lower()] = (name, iri)
        found = _PANET_ID.fullmatch(iri or "")
        if found:
            known.setdefault(found[1], (name, iri))
    return known


def parse_technique(value: object, known: Mapping[str, Technique]) -> Technique:
    """A setting's technique: a known name or PaNET id/IRI, or ``[name, IRI or None]``.

    Raises
    ------
    TechniqueError
        A name or id that is not known, or a value of another shape.
    """
    if (
        isinstance(value, list | tuple)
        and len(value) == 2
        and isinstance(value[0], str)
        and (value[1] is None or isinstance(value[1], str))
    ):
        return (value[0], value[1])
    if isinstance(value, str):
        found = _PANET_ID.fullmatch(value.strip())
        key = found[1] if found else value.strip().lower()
        if key in known:
            return known[key]
        raise TechniqueError(
            f"{value!r} is not a PaNET term the indexer knows: give it as "
            "[name, PaNET IRI], e.g. ['x-ray powder diffraction', "
            f"'{PANET}PaNET01101']"
        )
    raise TechniqueError(
        f"{value!r}: a technique is a name, a PaNET id or IRI, or [name, IRI or null]"
    )


def parse_beamline_techniques(
    setting: Mapping[str, object], known: Mapping[str, Technique]
) -> dict[str, dict[str, Technique]]:
    """``Indexer.beamline_techniques`` as ``{beamline (lowercase): {definition: technique}}``.

    A beamline's value is one technique (for entries of any definition) or a mapping
    ``{definition or "*": technique}``.
    """
    table: dict[str, dict[str, Technique]] = {}
    for beamline, value in setting.items():
        per_definition = value if isinstance(value, Mapping) else {ANY_DEFINITION: value}
        try:
            parsed = {str(d): parse_technique(t, known) for d, t in per_definition.items()}
        except TechniqueError as error:
            raise TechniqueError(f"beamline_techniques[{beamline!r}]: {error}") from None
        table[beamline.strip().lower()] = parsed
    return table


def match_beamline(name: str | None, beamlines: Iterable[str]) -> str | None:
    """The key of ``beamlines`` (lowercase) that the instrument ``name`` is, if any.

    A key matches a name equal to it (case aside), or a name it starts followed by a
    character that is neither a letter nor a digit: key ``bl04-mspd`` matches
    "BL04-MSPD" and "BL04-MSPD (synthetic)", key ``id31`` matches "ID31 - ESRF", but not
    "ID311". The longest matching key wins.
    """
    if not name:
        return None
    text = name.strip().lower()
    matches = [
        key
        for key in beamlines
        if key and (text == key or (text.startswith(key) and not text[len(key)].isalnum()))
    ]
    return max(matches, key=len) if matches else None


def pick_beamline_technique(
    definition: str | None, table: Mapping[str, Technique]
) -> Technique | None:
    """A beamline's technique for entries of ``definition`` (its own, else ``"*"``)."""
    return table.get(definition or "") or table.get(ANY_DEFINITION)


def pick_techniques(
    explicit: tuple[Technique, ...],
    definition: str | None,
    instrument: str | None,
    investigation_beamlines: Iterable[str],
    beamline_table: Mapping[str, Mapping[str, Technique]],
    definitions: Mapping[str, Any],
) -> tuple[tuple[Technique, ...], str]:
    """The techniques of one entry, and which rule gave them (see the module's docstring).

    Parameters
    ----------
    explicit
        What the file states (the entry's ``techniques`` group).
    definition, instrument
        The entry's ``definition`` and ``NXinstrument/name``.
    investigation_beamlines
        The names of the beamlines the catalogue links the investigation to.
    beamline_table
        :func:`parse_beamline_techniques` of the setting.
    definitions
        ``Indexer.techniques``: definition -> [name, IRI or None].

    Returns
    -------
    tuple
        The techniques (empty if none) and ``"file"``, ``"beamline <key>"``,
        ``"definition <definition>"`` or ``"none"``.
    """
    if explicit:
        return explicit, "file"
    key = match_beamline(instrument, beamline_table)
    if key is None:
        keys = {match_beamline(b, beamline_table) for b in investigation_beamlines} - {None}
        key = keys.pop() if len(keys) == 1 else None
    if key is not None:
        found = pick_beamline_technique(definition, beamline_table[key])
        if found is not None:
            return (found,), f"beamline {key}"
    mapped = definitions.get(definition or "")
    if mapped:
        return ((str(mapped[0]), mapped[1]),), f"definition {definition}"
    return (), "none"
