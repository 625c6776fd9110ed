"""Physical units of parameters: SI conversion with pint, for storage and for queries.

A parameter type keeps its unit as written (``"keV"``, ``"celsius"``, ``"Å"``) and, when
pint knows that unit, the affine map to SI base units: ``si = value * factor + offset``
(the offset is non-zero only for temperatures on a shifted scale) and the base units'
name (``"kelvin"``, ``"meter"``, ``"kilogram * meter ** 2 / second ** 2"``). A query in
any unit of the same dimension is converted with the same map, so a temperature stored in
K matches a query in celsius, and a result is converted back into the query's unit.

The registry is pint's default one, loaded once per process (about half a second).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

#: Unit names that pint reads as something else than what a facility means by them.
ALIASES = {
    "C": "degC",  # pint: coulomb; a temperature field says C for celsius
    "F": "degF",  # pint: farad
    "°C": "degC",
    "°F": "degF",
    "deg C": "degC",
    "deg F": "degF",
    "Celsius": "degC",
    "Fahrenheit": "degF",
    "Kelvin": "K",
    "Angstrom": "angstrom",
    "Angstroms": "angstrom",
    "micron": "um",
    "microns": "um",
    "counts": "count",
}


class UnitError(ValueError):
    """A unit that pint cannot read; the message names it."""


@dataclass(frozen=True)
class SIMap:
    """``si = value * factor + offset``, in ``units`` (pint's name of the SI base units)."""

    factor: float
    offset: float
    units: str

    def to_si(self, value: float) -> float:
        """``value`` in SI base units."""
        return value * self.factor + self.offset

    def from_si(self, value: float) -> float:
        """An SI value in this map's unit."""
        return (value - self.offset) / self.factor


@cache
def _registry() -> Any:
    import pint  # half a second: loaded when units are first used

    return pint.UnitRegistry(autoconvert_offset_to_baseunit=True)


#: Longest unit name read (a query's unit is the caller's string).
MAX_UNIT_LENGTH = 64


@lru_cache(maxsize=1024)  # bounded: units come from queries too
def si_map(unit: str) -> SIMap:
    """The map of ``unit`` to SI base units.

    Raises
    ------
    UnitError
        pint does not know ``unit``, or it is not a linear or affine unit.
    """
    if len(unit) > MAX_UNIT_LENGTH:
        raise UnitError(f"unit '{unit[:40]}...' is longer than {MAX_UNIT_LENGTH} characters")
    name = ALIASES.get(unit.strip(), unit.strip())
    registry = _registry()
    try:
        zero = registry.Quantity(0.0, name).to_base_units()
        one = registry.Quantity(1.0, name).to_base_units()
    except Exception:  # pint's parser meets the caller's string: any failure is "unknown"
        raise UnitError(f"unknown unit '{unit[:40]}'") from None
    factor = float(one.magnitude - zero.magnitude)
    if not factor:
        raise UnitError(f"unit '{unit[:40]}' cannot be converted to SI")
    units = str(one.units)
    return SIMap(factor, float(zero.magnitude), "" if units == "dimensionless" else units)


def try_si_map(unit: str | None) -> SIMap | None:
    """:func:`si_map`, or ``None`` for no unit or one that pint does not know."""
    if not unit or not unit.strip():
        return None
    try:
        return si_map(unit)
    except UnitError:
        return None


def convert(value: float, from_unit: str, to_unit: str) -> float:
    """``value`` in ``from_unit`` expressed in ``to_unit`` (same dimension)."""
    source, target = si_map(from_unit), si_map(to_unit)
    if source.units != target.units:
        raise UnitError(f"'{from_unit}' and '{to_unit}' are not the same kind of quantity")
    return tidy(target.from_si(source.to_si(value)))


def tidy(value: float) -> float:
    """``value`` to 12 significant digits: no ``26.850000000000023`` from a conversion."""
    return float(f"{value:.12g}")
