"""Parameter units: SI maps from pint, the names facilities write, conversions."""

from __future__ import annotations

import pytest
from panhub_catalogue.units import UnitError, convert, si_map, tidy, try_si_map


@pytest.mark.parametrize(
    ("unit", "factor", "offset", "base"),
    [
        ("K", 1.0, 0.0, "kelvin"),
        ("celsius", 1.0, 273.15, "kelvin"),
        ("degC", 1.0, 273.15, "kelvin"),
        ("C", 1.0, 273.15, "kelvin"),  # a temperature field's C is celsius, not coulomb
        ("°C", 1.0, 273.15, "kelvin"),
        ("fahrenheit", 5 / 9, 255.372222, "kelvin"),
        ("eV", 1.602176634e-19, 0.0, "kilogram * meter ** 2 / second ** 2"),
        ("keV", 1.602176634e-16, 0.0, "kilogram * meter ** 2 / second ** 2"),
        ("J", 1.0, 0.0, "kilogram * meter ** 2 / second ** 2"),
        ("angstrom", 1e-10, 0.0, "meter"),
        ("Å", 1e-10, 0.0, "meter"),
        ("Angstrom", 1e-10, 0.0, "meter"),
        ("nm", 1e-9, 0.0, "meter"),
        ("pm", 1e-12, 0.0, "meter"),
        ("mbar", 100.0, 0.0, "kilogram / meter / second ** 2"),
        ("mA", 1e-3, 0.0, "ampere"),
        ("A", 1.0, 0.0, "ampere"),  # A is the ampere: a source current, not an angstrom
        ("deg", 0.017453292519943295, 0.0, "radian"),
        ("counts", 1.0, 0.0, "count"),
    ],
)
def test_si_maps(unit: str, factor: float, offset: float, base: str) -> None:
    found = si_map(unit)
    assert found.factor == pytest.approx(factor)
    assert found.offset == pytest.approx(offset)
    assert found.units == base


@pytest.mark.parametrize(
    ("value", "source", "target", "expected"),
    [
        (293.15, "K", "celsius", 20.0),
        (20, "celsius", "fahrenheit", 68.0),
        (0.93, "keV", "eV", 930.0),
        (10640, "angstrom", "nm", 1064.0),
        (1, "bar", "Pa", 1e5),
    ],
)
def test_convert(value: float, source: str, target: str, expected: float) -> None:
    assert convert(value, source, target) == expected  # tidy: no 19.999999999999996


def test_unknown_and_unconvertible_units() -> None:
    with pytest.raises(UnitError, match="unknown unit 'wibbles'"):
        si_map("wibbles")
    with pytest.raises(UnitError, match="longer than 64 characters"):
        si_map("m" * 65)
    for hostile in ("__import__('os')", "1/0", "m**m", "log(m)", "\x00"):
        assert try_si_map(hostile) is None, hostile
    assert try_si_map("wibbles") is None
    assert try_si_map("") is None
    assert try_si_map(None) is None
    with pytest.raises(UnitError, match="not the same kind of quantity"):
        convert(1, "K", "nm")


def test_tidy() -> None:
    assert tidy(26.850000000000023) == 26.85
    assert tidy(1.0640000000000001e-06) == 1.064e-06
