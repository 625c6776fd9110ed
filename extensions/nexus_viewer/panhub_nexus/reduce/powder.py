"""Powder diffraction with an internal standard: line bookkeeping, lattice refinement, NXazint1d.

The powder template (``notebooks/powder/01-integrate-refine.ipynb``) refines the
detector geometry on the standard's rings with pyFAI, integrates in 2θ and fits the
lines with lmfit. What does not need those libraries lives here, tested on its own:
which of the standard's lines are clear of the sample's (only those calibrate), how
lines group into overlapping clusters (fitted together), the least-squares lattice
parameter of a cubic phase from its line positions, and the result written as
NXazint1d with the refined lattice beside it.

Examples
--------
>>> from panhub_nexus.reduce import powder
>>> powder.cubic_two_theta(5.4309, [3, 8], 0.5).round(3)
array([ 9.146, 14.962])
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from typing import Any

import h5py
import numpy as np
import numpy.typing as npt

from panhub_nexus import nxwrite, results

DEFINITION = "NXazint1d"
PYFAI_REFERENCE = "https://doi.org/10.1107/S1600576715004306"
"""The pyFAI paper (Ashiotis et al., J. Appl. Cryst. 48 (2015) 510-519)."""

FloatArray = npt.NDArray[np.float64]


def cubic_two_theta(lattice: float, n: npt.ArrayLike, wavelength: float) -> FloatArray:
    """2θ (degrees) of the lines ``h² + k² + l² = n`` of a cubic cell (Bragg's law)."""
    d = lattice / np.sqrt(np.asarray(n, dtype=float))
    return np.asarray(np.degrees(2.0 * np.arcsin(wavelength / (2.0 * d))))


def two_theta_of(d: npt.ArrayLike, wavelength: float) -> FloatArray:
    """2θ (degrees) of d-spacings (angstrom); NaN beyond the back-scattering limit."""
    ratio = wavelength / (2.0 * np.asarray(d, dtype=float))
    with np.errstate(invalid="ignore"):
        return np.asarray(np.degrees(2.0 * np.arcsin(ratio)))


def find_clear_lines(
    standard: npt.ArrayLike, sample: npt.ArrayLike, min_separation: float
) -> npt.NDArray[np.bool_]:
    """Which standard lines are at least ``min_separation`` away from every sample line.

    Positions in any common unit (2θ in degrees, say). Only clear lines are used to
    calibrate: a control point on an overlapping ring may belong to the sample.
    """
    standard = np.asarray(standard, dtype=float)
    sample = np.asarray(sample, dtype=float)
    if sample.size == 0:
        return np.ones(standard.shape, dtype=bool)
    gap = np.abs(standard[:, None] - sample[None, :]).min(axis=1)
    return np.asarray(gap >= min_separation)


def group_lines(positions: npt.ArrayLike, max_gap: float) -> list[list[int]]:
    """Indices of ``positions`` grouped where neighbours are closer than ``max_gap``.

    Lines of one group overlap (or nearly) and are fitted together, in one window.

    >>> group_lines([10.0, 10.1, 12.0, 12.3, 12.5], 0.25)
    [[0, 1], [2], [3, 4]]
    """
    positions = np.asarray(positions, dtype=float)
    order = np.argsort(positions)
    groups: list[list[int]] = []
    for i in order:
        if groups and positions[i] - positions[groups[-1][-1]] < max_gap:
            groups[-1].append(int(i))
        else:
            groups.append([int(i)])
    return groups


@dataclasses.dataclass(frozen=True)
class LatticeFit:
    """A cubic lattice parameter refined from line positions.

    Attributes
    ----------
    lattice, error : float
        Lattice parameter and its standard uncertainty (angstrom). The uncertainty is
        scaled by the square root of the reduced chi-square when that exceeds 1.
    reduced_chi2 : float
        Weighted residuals' chi-square per degree of freedom.
    residuals : ndarray
        Observed minus calculated 2θ of each line (degrees).
    """

    lattice: float
    error: float
    reduced_chi2: float
    residuals: FloatArray


def refine_cubic_lattice(
    n: npt.ArrayLike, two_theta: npt.ArrayLike, sigma: npt.ArrayLike, wavelength: float
) -> LatticeFit:
    """Least-squares cubic lattice parameter from lines ``n = h² + k² + l²`` at ``two_theta``.

    Bragg's law for a cubic cell is linear in ``1/a²``: ``sin²θ = (λ² / 4a²) n``, so
    the weighted least squares of ``sin²θ`` against ``n`` (no intercept) is exact, with
    each line weighted by its 2θ uncertainty propagated to ``sin²θ``.

    Parameters
    ----------
    n : array_like of int
        ``h² + k² + l²`` of each line.
    two_theta, sigma : array_like
        Fitted line positions and their standard uncertainties (degrees).
    wavelength : float
        Wavelength (angstrom).
    """
    n = np.asarray(n, dtype=float)
    theta = np.radians(np.asarray(two_theta, dtype=float)) / 2.0
    if n.size < 2:
        raise ValueError("a lattice refinement needs at least two lines")
    # d(sin²θ) = sin 2θ dθ, and dθ = d(2θ) / 2
    y = np.sin(theta) ** 2
    y_sigma = np.sin(2.0 * theta) * np.radians(np.asarray(sigma, dtype=float)) / 2.0
    w = 1.0 / y_sigma**2
    slope = float(np.sum(w * n * y) / np.sum(w * n * n))
    slope_sigma = float(1.0 / math.sqrt(np.sum(w * n * n)))
    reduced_chi2 = float(np.sum(w * (y - slope * n) ** 2) / (n.size - 1))
    slope_sigma *= math.sqrt(max(reduced_chi2, 1.0))
    lattice = wavelength / (2.0 * math.sqrt(slope))
    residuals = np.asarray(two_theta, dtype=float) - cubic_two_theta(lattice, n, wavelength)
    return LatticeFit(lattice, lattice * slope_sigma / (2.0 * slope), reduced_chi2, residuals)


def write_azint1d(
    f: h5py.File,
    *,
    two_theta: npt.ArrayLike,
    intensity: npt.ArrayLike,
    sigma: npt.ArrayLike,
    wavelength: float,
    instrument: str,
    source: Mapping[str, str],
    title: str = "",
    solid_angle_applied: bool = True,
    polarization_applied: bool = False,
    name: str = "entry",
) -> h5py.Group:
    """Write one integrated pattern ``I(2θ)`` as an NXazint1d entry (the file's default).

    Parameters
    ----------
    f : h5py.File
        An empty file (the result).
    two_theta, intensity, sigma : array_like
        Bin centres (degrees), intensities and their standard uncertainties.
    wavelength : float
        Wavelength (angstrom).
    instrument : str
        The instrument's name.
    source : mapping
        The source's ``name``, ``type`` and ``probe``.
    title : str
        The entry's title.
    solid_angle_applied, polarization_applied : bool
        Corrections applied by the integration.
    name : str
        The entry's name.

    Returns
    -------
    h5py.Group
        The entry, where the reduction (:func:`write_reduction`) and the lattice go.
    """
    nxwrite.root(f, creator="panhub_nexus.reduce.powder", default=name)
    entry = nxwrite.group(f, name, "NXentry", default="integrated")
    nxwrite.field(entry, "definition", DEFINITION)
    if title:
        nxwrite.field(entry, "title", title)
    nxwrite.field(entry, "solid_angle_applied", solid_angle_applied)
    nxwrite.field(entry, "polarization_applied", polarization_applied)
    nxwrite.field(entry, "normalization_applied", True)
    group = nxwrite.group(entry, "instrument", "NXinstrument")
    nxwrite.field(group, "name", instrument)
    mono = nxwrite.group(group, "monochromator", "NXmonochromator")
    nxwrite.field(mono, "wavelength", wavelength, units="angstrom")
    nxwrite.field(mono, "energy", 12.398419843320026 / wavelength, units="keV")
    src = nxwrite.group(group, "source", "NXsource")
    for key in ("name", "type", "probe"):
        nxwrite.field(src, key, source[key])
    data = nxwrite.data(
        entry, "integrated", signal="I", axes=[".", "radial_axis"], interpretation="spectrum"
    )
    labels = {"long_name": "intensity"}
    nxwrite.field(data, "I", np.atleast_2d(intensity), units="arbitrary units", attrs=labels)
    nxwrite.field(
        data,
        "I_errors",
        np.atleast_2d(sigma),
        units="arbitrary units",
        attrs={"long_name": "estimated intensity error"},
    )
    nxwrite.field(
        data,
        "radial_axis",
        np.asarray(two_theta, float),
        units="deg",
        attrs={"long_name": "2theta"},
    )
    return entry


def write_reduction(
    entry: h5py.Group, *, integration: Mapping[str, Any], note: str = "", **provenance: Any
) -> h5py.Group:
    """The NXazint1d ``reduction``: provenance plus the integration's ``input`` parameters.

    ``provenance`` goes to :func:`panhub_nexus.results.write_provenance`; each item of
    ``integration`` becomes a field of ``reduction/input`` (a ``(value, units)`` pair
    for one with units).
    """
    process = results.write_provenance(entry, name="reduction", **provenance)
    nxwrite.field(process, "reference", PYFAI_REFERENCE)
    if note:
        nxwrite.field(process, "note", note)
    parameters = nxwrite.group(process, "input", "NXparameters")
    for key, value in integration.items():
        if isinstance(value, tuple):
            nxwrite.field(parameters, key, value[0], units=value[1])
        else:
            nxwrite.field(parameters, key, value)
    return process


def write_lattice(
    entry: h5py.Group,
    fit: LatticeFit,
    *,
    phase: str,
    hkl: Sequence[tuple[int, int, int]],
    two_theta: npt.ArrayLike,
    sigma: npt.ArrayLike,
    standard: str = "",
    name: str = "lattice_refinement",
) -> h5py.Group:
    """Write the refined cubic lattice: an NXprocess with the lines used, and NXsample.

    ``entry/<name>/lattice_parameter`` (angstrom) with ``lattice_parameter_error``,
    the lines (``hkl``, fitted ``two_theta`` and ``two_theta_error``, ``residual``);
    ``entry/sample/unit_cell_abc`` repeats the cell for readers of NXsample.
    """
    process = nxwrite.group(entry, name, "NXprocess")
    nxwrite.field(process, "program", "panhub_nexus.reduce.powder.refine_cubic_lattice")
    nxwrite.field(process, "date", nxwrite.now())
    description = f"{phase}: cubic lattice parameter from {len(hkl)} lines (least squares)"
    if standard:
        description += f"; geometry refined on the {standard} internal standard"
    nxwrite.field(process, "description", description)
    nxwrite.field(process, "phase", phase)
    nxwrite.field(process, "lattice_parameter", fit.lattice, units="angstrom")
    nxwrite.field(process, "lattice_parameter_error", fit.error, units="angstrom")
    nxwrite.field(process, "reduced_chi2", fit.reduced_chi2)
    nxwrite.field(process, "hkl", np.asarray(hkl, dtype=np.int32))
    nxwrite.field(process, "two_theta", np.asarray(two_theta, dtype=float), units="deg")
    nxwrite.field(process, "two_theta_error", np.asarray(sigma, dtype=float), units="deg")
    nxwrite.field(process, "residual", fit.residuals, units="deg")
    sample = nxwrite.group(entry, "sample", "NXsample")
    nxwrite.field(sample, "name", phase)
    nxwrite.field(sample, "unit_cell_abc", [fit.lattice] * 3, units="angstrom")
    nxwrite.field(sample, "unit_cell_alphabetagamma", [90.0] * 3, units="deg")
    return process
