"""Reduced SAXS as NXcanSAS: I(Q) with Idev, the fitted model, and the fit's parameters.

The SAXS template (``notebooks/saxs/01-integrate-fit.ipynb``) integrates with pyFAI and
fits with sasmodels; this module only writes what they found, with :mod:`nxwrite`, in
the layout NXcanSAS asks for: a ``SASentry`` whose ``SASdata`` holds ``Q`` (1/angstrom),
``I`` and ``Idev``, and ``SASprocess`` groups for the provenance and for the fit (each
fitted value a field with its units and an ``@uncertainties`` field beside it).

Examples
--------
>>> import h5py
>>> from panhub_nexus.reduce import saxs
>>> with h5py.File("result.nxs", "w") as f:  # doctest: +SKIP
...     entry = saxs.write_cansas(f, q=q, intensity=i, sigma=s, title="spheres", run="1")
...     saxs.write_fit(entry, "sphere_fit", {"radius": FitValue(50.1, 0.2, "angstrom")})
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import h5py
import numpy as np
import numpy.typing as npt

from panhub_nexus import nxwrite, results

DEFINITION = "NXcanSAS"
Q_UNITS = "1/angstrom"


@dataclasses.dataclass(frozen=True)
class FitValue:
    """A fitted value, its standard uncertainty and its units (``""`` if none)."""

    value: float
    error: float
    units: str = ""


def write_cansas(
    f: h5py.File,
    *,
    q: npt.ArrayLike,
    intensity: npt.ArrayLike,
    sigma: npt.ArrayLike,
    title: str,
    run: str,
    model: npt.ArrayLike | None = None,
    sample: str = "",
    wavelength: float | None = None,
    distance: float | None = None,
    name: str = "entry",
) -> h5py.Group:
    """Write ``I(Q)`` as an NXcanSAS ``SASentry`` (the file's default entry).

    Parameters
    ----------
    f : h5py.File
        An empty file (the result).
    q, intensity, sigma : array_like
        ``Q`` (1/angstrom), ``I`` and its standard uncertainty ``Idev`` (arbitrary units).
    title, run : str
        The entry's title and the run (e.g. the raw file's name).
    model : array_like, optional
        A fitted model at ``q``, stored as ``I_model`` and plotted with ``I``.
    sample : str
        The sample's name.
    wavelength, distance : float, optional
        The incident wavelength (angstrom) and sample-detector distance (mm).
    name : str
        The entry's name.

    Returns
    -------
    h5py.Group
        The entry (``SASentry``), where the provenance and fits go.
    """
    nxwrite.root(f, creator="panhub_nexus.reduce.saxs", default=name)
    entry = nxwrite.group(
        f, name, "NXentry", canSAS_class="SASentry", version="1.1", default="sasdata"
    )
    nxwrite.field(entry, "definition", DEFINITION)
    nxwrite.field(entry, "title", title)
    nxwrite.field(entry, "run", run)
    q = np.asarray(q, dtype=float)
    data = nxwrite.data(
        entry,
        "sasdata",
        signal="I",
        axes=["Q"],
        canSAS_class="SASdata",
        I_axes="Q",
        mask="Mask",
        Mask_indices=np.int32(0),
    )
    nxwrite.field(data, "Q", q, units=Q_UNITS, attrs={"long_name": "Q (1/angstrom)"})
    nxwrite.field(
        data,
        "I",
        np.asarray(intensity, dtype=float),
        units="arbitrary",
        attrs={"uncertainties": "Idev", "long_name": "I (arbitrary units)"},
    )
    nxwrite.field(data, "Idev", np.asarray(sigma, dtype=float), units="arbitrary")
    nxwrite.field(data, "Mask", np.zeros(q.shape, dtype=bool))
    if model is not None:
        nxwrite.field(data, "I_model", np.asarray(model, dtype=float), units="arbitrary")
        nxwrite.set_attrs(data, auxiliary_signals=["I_model"])
    if sample:
        group = nxwrite.group(entry, "sassample", "NXsample", canSAS_class="SASsample")
        nxwrite.field(group, "name", sample)
    if wavelength is not None or distance is not None:
        instrument = nxwrite.group(
            entry, "sasinstrument", "NXinstrument", canSAS_class="SASinstrument"
        )
        if wavelength is not None:
            source = nxwrite.group(instrument, "sassource", "NXsource", canSAS_class="SASsource")
            nxwrite.field(source, "type", "Synchrotron X-ray Source")
            nxwrite.field(source, "probe", "x-ray")
            nxwrite.field(source, "incident_wavelength", wavelength, units="angstrom")
        if distance is not None:
            detector = nxwrite.group(
                instrument, "sasdetector", "NXdetector", canSAS_class="SASdetector"
            )
            nxwrite.field(detector, "name", "detector")
            nxwrite.field(detector, "SDD", distance, units="mm")
    return entry


def write_fit(
    entry: h5py.Group,
    name: str,
    values: Mapping[str, FitValue],
    *,
    description: str = "",
    extra: Mapping[str, Any] | None = None,
) -> h5py.Group:
    """Write fitted values as a ``SASprocess``: ``<name>`` with units and ``<name>_uncertainty``.

    ``extra`` holds other terms of the fit: plain values (the reduced chi-square, the
    model's name) or ``(value, units)`` pairs (the fit range).
    """
    process = nxwrite.group(entry, name, "NXprocess", canSAS_class="SASprocess")
    nxwrite.field(process, "name", name)
    nxwrite.field(process, "date", nxwrite.now())
    if description:
        nxwrite.field(process, "description", description)
    for key, fitted in values.items():
        units = fitted.units or "1"
        nxwrite.field(
            process, key, fitted.value, units=units, attrs={"uncertainties": f"{key}_uncertainty"}
        )
        nxwrite.field(process, f"{key}_uncertainty", fitted.error, units=units)
    for key, value in (extra or {}).items():
        if isinstance(value, tuple):
            nxwrite.field(process, key, value[0], units=value[1])
        else:
            nxwrite.field(process, key, value)
    return process


def write_sasprocess(entry: h5py.Group, **provenance: Any) -> h5py.Group:
    """:func:`panhub_nexus.results.write_provenance` as the entry's ``reduction`` SASprocess."""
    process = results.write_provenance(entry, name="reduction", **provenance)
    nxwrite.set_attrs(process, canSAS_class="SASprocess")
    return process


def read_fit(entry: h5py.Group, name: str) -> dict[str, FitValue]:
    """The fitted values :func:`write_fit` wrote in ``entry/<name>``."""
    process = entry[name]
    found = {}
    for key, node in process.items():
        if isinstance(node, h5py.Dataset) and "uncertainties" in node.attrs:
            error = process[node.attrs["uncertainties"]]
            units = node.attrs.get("units", "")
            units = units.decode() if isinstance(units, bytes) else str(units)
            found[key] = FitValue(float(node[()]), float(error[()]), "" if units == "1" else units)
    return found
