"""XAS helpers for the template ``xas/01-normalize-fit``: μ(E), E0, FEFF input, the result.

The reduction itself is xraylarch's (``pre_edge``, ``autobk``, ``xftf``, ``feffit``), run
cell by cell in the notebook; what lives here is what the notebook would otherwise
repeat or hide in long cells, kept pure where it can be (numpy and h5py only) so that it
is tested without larch:

- :func:`make_mu`: μ(E) from the detectors of an NXxas scan, by its detection mode;
- :func:`refine_e0`: the edge's inflection point, between energy points, with an
  uncertainty (larch's ``find_e0`` returns a measured energy point, without one);
- :func:`make_feff_inp`: a FEFF6 input for a cubic metal (fcc or bcc), the default
  structural model of a reference foil; :func:`run_feff6l` runs FEFF6L, which the
  xraylarch wheel ships, and returns its path files;
- :func:`write_xasproc`: the result as NXxasproc, with the fit and its provenance.

Examples
--------
>>> import numpy as np
>>> from panhub_nexus.reduce import xas
>>> e = np.linspace(8950.0, 9010.0, 241)
>>> mu = 0.5 + np.arctan((e - 8979.0) / 1.5) / np.pi
>>> e0, error = xas.refine_e0(e, mu, 8979.2)
>>> abs(e0 - 8979.0) < 0.05  # the edge's centre, within a fifth of the 0.25 eV step
True
"""

from __future__ import annotations

import dataclasses
import itertools
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import numpy.typing as npt

from panhub_nexus import nxwrite, results
from panhub_nexus.inputs import InputError, require

Array = npt.NDArray[np.float64]

ETOK = 0.26246842396479836
"""2 m_e / ħ² in 1/(eV Å²): k² = ETOK (E - E0), larch's value."""

#: NXxas detection modes (``NXdata/mode``) and how μ(E) follows from the detectors
MODES = {
    "Transmission": "ln(I0/It)",
    "Fluorescence Yield": "If/I0",
    "Total Electron Yield": "Iy/I0",
    "Partial Electron Yield": "Iy/I0",
    "Auger Electron Yield": "Iy/I0",
}

#: fractional coordinates of the atoms of a cubic cell, per structure
BASES = {
    "fcc": ((0.0, 0.0, 0.0), (0.5, 0.5, 0.0), (0.5, 0.0, 0.5), (0.0, 0.5, 0.5)),
    "bcc": ((0.0, 0.0, 0.0), (0.5, 0.5, 0.5)),
}


def read_text(group: h5py.Group, path: str, default: str = "") -> str:
    """A text field (``default`` when missing), decoded as UTF-8."""
    node = group.get(path)
    if not isinstance(node, h5py.Dataset):
        return default
    item = np.asarray(node[()]).reshape(-1)
    if item.size == 0:
        return default
    value = item[0]
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def require_mode(entry: h5py.Group) -> str:
    """The detection mode of an NXxas entry (its NXdata's ``mode``), or an InputError.

    NXxas does not name its NXdata group: the first NXdata holding ``mode`` is read.
    """
    for name, node in entry.items():
        nx_class = node.attrs.get("NX_class", b"")
        nx_class = nx_class.decode() if isinstance(nx_class, bytes) else str(nx_class)
        if isinstance(node, h5py.Group) and nx_class == "NXdata" and "mode" in node:
            item = require(node, "mode", what="the detection mode").reshape(-1)[0]
            mode = item.decode() if isinstance(item, bytes) else str(item)
            if mode not in MODES:
                raise InputError(
                    f"{entry.name}/{name}/mode is {mode!r}: NXxas spells it as one of "
                    f"{', '.join(MODES)}"
                )
            return mode
    raise InputError(
        f"{entry.name} has no NXdata with a `mode` field (Transmission, Fluorescence "
        "Yield…): this template needs it to compute μ(E)"
    )


def make_mu(incoming: npt.ArrayLike, absorbed: npt.ArrayLike, mode: str) -> Array:
    """μ(E) (arbitrary scale and offset) from the incoming and absorbed beam signals.

    Parameters
    ----------
    incoming, absorbed
        The NXxas ``incoming_beam`` (I0) and ``absorbed_beam`` signals, point by point.
    mode
        The NXxas ``NXdata/mode``: ``Transmission`` gives ln(I0/It), a yield mode gives
        I/I0.

    Raises
    ------
    ValueError
        For an unknown mode, or signals that are not positive where a ratio needs it.
    """
    i0 = np.asarray(incoming, dtype=float)
    i1 = np.asarray(absorbed, dtype=float)
    if mode not in MODES:
        raise ValueError(f"unknown detection mode {mode!r}: NXxas names {sorted(MODES)}")
    if i0.shape != i1.shape:
        raise ValueError(f"incoming {i0.shape} and absorbed {i1.shape} beams differ in length")
    if not np.all(i0 > 0) or (mode == "Transmission" and not np.all(i1 > 0)):
        raise ValueError("the beam signals must be positive at every point")
    if mode == "Transmission":
        return np.asarray(np.log(i0 / i1), dtype=float)
    return np.asarray(i1 / i0, dtype=float)


def refine_e0(
    energy: npt.ArrayLike, mu: npt.ArrayLike, e0: float, half_width: float = 2.0
) -> tuple[float, float]:
    """The edge's inflection point near ``e0``, and its standard error (eV).

    A cubic is fitted to μ(E) within ``half_width`` of the estimate (re-centred twice);
    its inflection point is at ``-c2 / (3 c3)``. The error propagates the fit's
    covariance (scaled by its residuals), so it grows with the noise.

    Parameters
    ----------
    energy, mu
        The scan (energies in eV, increasing).
    e0
        First estimate, e.g. larch's ``find_e0`` (a measured energy point).
    half_width
        Half of the fitted window, in eV: about the edge's width (the core-hole and
        monochromator broadening), so that the window holds the edge's steep part only.

    Raises
    ------
    ValueError
        If the window holds fewer than 6 points, or the fit has no inflection there.
    """
    e = np.asarray(energy, dtype=float)
    m = np.asarray(mu, dtype=float)
    centre, error = float(e0), float("nan")
    for _ in range(3):
        inside = np.abs(e - centre) <= half_width
        if inside.sum() < 6:
            raise ValueError(
                f"only {int(inside.sum())} points within {half_width} eV of {centre:.2f} eV: "
                "the edge is sampled too coarsely to refine E0"
            )
        x = e[inside] - centre
        coefficients, covariance = np.polyfit(x, m[inside], 3, cov=True)
        c3, c2 = coefficients[0], coefficients[1]
        if c3 == 0 or not np.isfinite(c3):
            raise ValueError(f"no inflection near {centre:.2f} eV")
        shift = -c2 / (3.0 * c3)
        # d shift / d(c3, c2), the delta method on the 2x2 block of the covariance
        gradient = np.array([c2 / (3.0 * c3**2), -1.0 / (3.0 * c3)])
        error = float(np.sqrt(gradient @ covariance[:2, :2] @ gradient))
        if abs(shift) > half_width:
            raise ValueError(f"no inflection within {half_width} eV of {centre:.2f} eV")
        centre += float(shift)
    return centre, error


def make_cluster(
    lattice: float, structure: str = "fcc", radius: float = 6.0
) -> list[tuple[float, float, float]]:
    """Atom positions (Å) of a cubic crystal within ``radius`` of an atom at the origin.

    Sorted by distance, the absorber (origin) first.
    """
    if structure not in BASES:
        raise ValueError(f"unknown structure {structure!r}: choose one of {sorted(BASES)}")
    n = int(np.ceil(radius / lattice)) + 1
    atoms = []
    for i, j, k in itertools.product(range(-n, n + 1), repeat=3):
        for bx, by, bz in BASES[structure]:
            xyz = (lattice * (i + bx), lattice * (j + by), lattice * (k + bz))
            if np.hypot.reduce(xyz) <= radius + 1e-9:
                atoms.append(xyz)
    atoms.sort(key=lambda a: (round(float(np.hypot.reduce(a)), 6), a))
    return atoms


def make_feff_inp(
    absorber: str,
    z: int,
    lattice: float,
    *,
    structure: str = "fcc",
    edge: str = "K",
    radius: float = 6.0,
    rmax: float = 3.7,
    title: str = "",
) -> str:
    """A FEFF6 input for an ``absorber`` metal (atomic number ``z``) of cubic structure.

    Parameters
    ----------
    absorber, z
        Element symbol and atomic number (absorber and scatterers are the same element).
    lattice
        Cubic lattice parameter, in Å.
    structure
        ``"fcc"`` or ``"bcc"``.
    edge
        ``"K"`` or ``"L3"`` (FEFF's HOLE 1 or 4).
    radius
        Radius of the cluster (Å) for the potentials.
    rmax
        Longest half path length FEFF keeps (Å): 3.7 keeps the first two fcc shells.
    title
        FEFF's TITLE (default: the element, structure and lattice parameter).
    """
    holes = {"K": 1, "L3": 4}
    if edge not in holes:
        raise ValueError(f"edge {edge!r}: this model knows {sorted(holes)}")
    title = title or f"{absorber} {structure} a={lattice:.4f}"
    lines = [
        f"TITLE {title}",
        f"HOLE {holes[edge]} 1.0",
        "CONTROL 1 1 1 1",
        "PRINT 1 0 0 0",
        f"RMAX {rmax:.4f}",
        "NLEG 2",
        "POTENTIALS",
        f"  0 {z} {absorber}",
        f"  1 {z} {absorber}",
        "ATOMS",
    ]
    for i, (x, y, zz) in enumerate(make_cluster(lattice, structure, radius)):
        distance = float(np.hypot.reduce((x, y, zz)))
        lines.append(f"  {x:10.5f} {y:10.5f} {zz:10.5f}  {0 if i == 0 else 1}  {distance:8.5f}")
    lines.append("END")
    return "\n".join(lines) + "\n"


def run_feff6l(feff_inp: str, folder: str | os.PathLike[str]) -> list[Path]:
    """Run FEFF6L (shipped in the xraylarch wheel) on ``feff_inp`` in ``folder``.

    Returns
    -------
    list of Path
        The path files ``feff0001.dat``, ``feff0002.dat``… in order (nearest first).

    Raises
    ------
    RuntimeError
        If FEFF wrote no path file (its log is in ``folder/feff.run``).
    """
    # larch takes seconds to import: only when FEFF runs (and it ships no type hints)
    from larch.xafs import feff6l  # type: ignore[import-not-found,import-untyped,unused-ignore]

    work = Path(folder)
    work.mkdir(parents=True, exist_ok=True)
    (work / "feff.inp").write_text(feff_inp)
    feff6l(folder=os.fspath(work), feffinp="feff.inp", verbose=False)
    paths = sorted(work.glob("feff0*.dat"))
    if not paths:
        raise RuntimeError(f"FEFF6L wrote no path in {work}: see {work / 'feff.run'}")
    return paths


@dataclasses.dataclass(frozen=True)
class Fitted:
    """A refined (or derived) value with its standard error, units and meaning.

    ``error`` is ``None`` for a value that was not refined (a statistic, a fixed
    parameter); ``initial`` is the fit's starting value, if any.
    """

    value: float
    error: float | None
    units: str
    description: str
    initial: float | None = None


@dataclasses.dataclass(frozen=True)
class XasResult:
    """Everything :func:`write_xasproc` writes.

    Attributes
    ----------
    energy, mu, norm
        The scan (eV), μ(E) and the normalised μ(E).
    k, chi, chi_fit
        Wavenumber (1/Å), χ(k) from ``autobk`` and the fit's χ(k) on the same k.
    kweight
        The k-weight of the transforms and of the fit.
    r, chir_mag, chir_fit_mag
        Radial distance (Å, not phase-corrected) and |χ(R)| of the data and of the fit.
    fitted
        Fit results and edge parameters (``e0``, ``r``, …), stored in ``results``.
    parameters
        The reduction's settings (stored with the raw file name in the NXxasproc
        ``XAS_data_reduction/parameters`` group): name -> (value, units or "").
    """

    energy: Array
    mu: Array
    norm: Array
    k: Array
    chi: Array
    chi_fit: Array
    kweight: float
    r: Array
    chir_mag: Array
    chir_fit_mag: Array
    fitted: Mapping[str, Fitted]
    parameters: Mapping[str, tuple[Any, str]]


def _write_fitted(group: h5py.Group, fitted: Mapping[str, Fitted]) -> None:
    for name, item in fitted.items():
        attrs: dict[str, Any] = {"description": item.description}
        if item.error is not None:
            attrs["error"] = item.error
        if item.initial is not None:
            attrs["initial"] = item.initial
        nxwrite.field(group, name, item.value, units=item.units or None, attrs=attrs)


def write_xasproc(
    path: str | os.PathLike[str],
    result: XasResult,
    *,
    raw_file: str | os.PathLike[str],
    title: str,
    sample: str,
    template: str,
    template_parameters: Mapping[str, Any],
    model: str,
    notes: Mapping[str, str] | None = None,
    libraries: Sequence[str] = ("xraylarch", "lmfit", "numpy", "scipy", "h5py"),
) -> None:
    """Write a reduced XAS spectrum and its first-shell fit as NXxasproc.

    The entry holds what NXxasproc requires (``title``, ``sample/name``, the
    ``XAS_data_reduction`` NXprocess with program, version, date and
    ``parameters/raw_file``, and an NXdata of ``energy`` and ``data``: the normalised
    μ(E)), and, in NeXus base classes inside ``XAS_data_reduction`` (NXxasproc requires
    every NXdata of the entry itself to be an energy scan): ``chi_k`` (k^w χ(k), data and
    fit), ``chi_r`` (|χ(R)|, data and fit), the fitted values in ``results``
    (NXparameters, each with ``@units``, ``@error`` when refined), and text notes (the
    FEFF input, the fit report); ``XAS_data_reduction`` is also panhub's provenance
    (:func:`panhub_nexus.results.write_provenance`: kernel, template and its
    parameters, input SHA-256).

    Parameters
    ----------
    path
        A new, empty file (from :func:`panhub_nexus.results.new_result_path`).
    result
        The arrays and numbers.
    raw_file
        The NXxas file reduced.
    title, sample
        The entry's title and the sample's name.
    template, template_parameters
        The template (``xas/01-normalize-fit``) and the parameters it ran with.
    model
        The fit model, stored as ``results/@model``.
    notes
        Texts kept as NXnote in ``XAS_data_reduction`` (name -> text).
    libraries
        Distributions whose versions the provenance records.
    """
    raw = os.fspath(Path(raw_file).absolute())
    with h5py.File(path, "w") as f:
        nxwrite.root(f, creator="panhub template " + template, default="entry")
        entry = nxwrite.group(f, "entry", "NXentry", default="data")
        nxwrite.field(entry, "title", title)
        nxwrite.field(entry, "definition", "NXxasproc")
        nxwrite.field(entry, "start_time", nxwrite.now())
        nxwrite.field(nxwrite.group(entry, "sample", "NXsample"), "name", sample)

        reduction = results.write_provenance(
            entry,
            name="XAS_data_reduction",
            program="xraylarch",
            template=template,
            parameters=template_parameters,
            inputs=[raw],
            libraries=libraries,
            description="pre_edge (E0, normalisation), autobk (background), xftf (k -> R), "
            "feffit (first-shell path fit)",
        )
        settings = reduction["parameters"]
        nxwrite.field(settings, "raw_file", raw)
        for name, (value, units) in result.parameters.items():
            nxwrite.field(settings, name, value, units=units or None)
        fit = nxwrite.group(reduction, "results", "NXparameters", model=model)
        _write_fitted(fit, result.fitted)
        for name, text in (notes or {}).items():
            note = nxwrite.group(reduction, name, "NXnote")
            nxwrite.field(note, "type", "text/plain")
            nxwrite.field(note, "data", text)

        data = nxwrite.data(entry, "data", signal="data", axes=["energy"])
        nxwrite.field(data, "energy", result.energy, units="eV")
        nxwrite.field(data, "data", result.norm, attrs={"long_name": "normalised μ(E)"})
        nxwrite.field(data, "mu", result.mu, attrs={"long_name": "μ(E) (as measured)"})
        nxwrite.set_attrs(data, auxiliary_signals=["mu"], title=f"{sample}: normalised μ(E)")

        w = result.kweight
        chik = nxwrite.data(reduction, "chi_k", signal="chi_kw", axes=["k"])
        nxwrite.field(chik, "k", result.k, units="1/angstrom")
        for field, chi, label in [
            ("chi_kw", result.chi, "χ(k)"),
            ("chi_fit_kw", result.chi_fit, "χ(k) fit"),
        ]:
            nxwrite.field(
                chik,
                field,
                chi * result.k**w,
                units=f"angstrom^-{w:g}",
                attrs={"long_name": f"k^{w:g} {label}"},
            )
        nxwrite.field(chik, "chi", result.chi, attrs={"long_name": "χ(k)"})
        nxwrite.set_attrs(chik, auxiliary_signals=["chi_fit_kw"])

        chir = nxwrite.data(reduction, "chi_r", signal="chir_mag", axes=["r"])
        nxwrite.field(chir, "r", result.r, units="angstrom", attrs={"long_name": "R (no phase)"})
        for field, magnitude, label in [
            ("chir_mag", result.chir_mag, "data"),
            ("chir_fit_mag", result.chir_fit_mag, "fit"),
        ]:
            nxwrite.field(
                chir,
                field,
                magnitude,
                units=f"angstrom^-{w + 1:g}",
                attrs={"long_name": f"|χ(R)| {label}"},
            )
        nxwrite.set_attrs(chir, auxiliary_signals=["chir_fit_mag"])
