"""A raw NXxas transmission scan with a known edge energy and first-shell distance.

The spectrum is a Cu K edge (E0 = 8979 eV by default) with a small pre-edge peak
(1s -> 3d-like, a few eV below the edge), and EXAFS computed from real FEFF scattering
paths: the first two shells of fcc copper (12 atoms at 2.553 Å, 6 at 3.610 Å in the
FEFF model), written by FEFF6L from the xraylarch wheel and shipped beside this module
(``xas_feff/``: ``feff.inp`` and its ``feff0001.dat``, ``feff0002.dat``; regenerate them
with :func:`panhub_nexus.reduce.xas.make_feff_inp` and ``run_feff6l``). The EXAFS
equation is larch's (``FeffPathGroup._calc_chi``, with linear interpolation of the
FEFF tables), in numpy, so that the generator needs no larch. The first shell is
placed at a distance ``r`` different from the model's (a contracted lattice), so a fit
must refine it. The detectors count with seeded Gaussian noise (of standard deviation √counts).

Examples
--------
>>> from panhub_nexus.synthetic import xas
>>> truth = xas.write_xas_scan("cu.nxs", seed=1)  # doctest: +SKIP
>>> truth.e0, truth.r  # doctest: +SKIP
(8979.0, 2.54)
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import h5py
import numpy as np
import numpy.typing as npt

from panhub_nexus import nxwrite
from panhub_nexus.reduce.xas import ETOK

Array = npt.NDArray[np.float64]

FEFF_FOLDER = Path(__file__).with_name("xas_feff")
"""The FEFF6L calculation the EXAFS is made of (Cu fcc, a = 3.61 Å)."""


@dataclasses.dataclass(frozen=True)
class FeffPath:
    """The tables of one FEFF path file (``feffNNNN.dat``), as larch reads them.

    Attributes
    ----------
    reff, degen : float
        Half path length (Å) and degeneracy of the model.
    k, pha, amp, rep, lam : array
        Wavenumber (1/Å); total phase (2 phc + phase[feff]); amplitude
        (mag[feff] times the reduction factor); real part of p (1/Å); mean free path (Å).
    """

    reff: float
    degen: float
    k: Array
    pha: Array
    amp: Array
    rep: Array
    lam: Array


@dataclasses.dataclass(frozen=True)
class Shell:
    """A coordination shell: its FEFF path, its atoms and their disorder.

    Attributes
    ----------
    feff : str
        Path file in :data:`FEFF_FOLDER`.
    n : float
        Coordination number.
    r : float
        Distance (Å).
    sigma2 : float
        Mean square relative displacement σ² (Å²).
    """

    feff: str
    n: float
    r: float
    sigma2: float


@dataclasses.dataclass(frozen=True)
class XasTruth:
    """What :func:`write_xas_scan` wrote: the answers a template must recover.

    Attributes
    ----------
    path : str
        File written.
    element, edge : str
        Absorbing element and edge.
    e0 : float
        Edge energy (eV): the inflection point of the edge step.
    edge_step : float
        Jump of μx at the edge.
    pre_edge_energy, pre_edge_height : float
        Position (eV) and height (fraction of the edge step) of the pre-edge peak.
    s02 : float
        Amplitude reduction factor S0².
    delta_e0 : float
        Energy origin of the EXAFS relative to ``e0`` (eV), as FEFF's differs from the
        edge's in real data.
    shells : tuple of Shell
        The shells; ``shells[0]`` is the first shell.
    r, n, sigma2 : float
        The first shell's distance (Å), coordination number and σ² (Å²).
    feff_reff : float
        The FEFF model's first-shell distance (Å), which ``r`` differs from.
    noise : float
        Standard deviation of μx from the counting noise, at the edge (no unit).
    seed : int
        Seed of the noise.
    """

    path: str
    element: str
    edge: str
    e0: float
    edge_step: float
    pre_edge_energy: float
    pre_edge_height: float
    s02: float
    delta_e0: float
    shells: tuple[Shell, ...]
    feff_reff: float
    noise: float
    seed: int

    @property
    def r(self) -> float:
        return self.shells[0].r

    @property
    def n(self) -> float:
        return self.shells[0].n

    @property
    def sigma2(self) -> float:
        return self.shells[0].sigma2


def read_feff_path(path: str | os.PathLike[str]) -> FeffPath:
    """Read a FEFF ``feffNNNN.dat`` path file (the 7-column tables and the path line)."""
    reff = degen = float("nan")
    rows: list[list[float]] = []
    in_tables = after_rule = False
    for line in Path(path).read_text().splitlines():
        words = line.split()
        if in_tables:
            if len(words) == 7:
                rows.append([float(w) for w in words])
        elif line.strip().startswith("-----"):
            after_rule = True
        elif after_rule and line.strip().endswith("nleg, deg, reff, rnrmav(bohr), edge"):
            degen, reff = float(words[1]), float(words[2])
            after_rule = False
        elif words[:1] == ["k"] and words[-1].startswith("real[p]"):
            in_tables = True
    table = np.array(rows, dtype=float).T
    if table.shape[0] != 7 or not np.isfinite(reff):
        raise ValueError(f"{path} is not a FEFF path file")
    k, phc, mag, phase, red, lam, rep = table
    return FeffPath(reff=reff, degen=degen, k=k, pha=phc + phase, amp=mag * red, rep=rep, lam=lam)


def make_path_chi(
    path: FeffPath,
    k: npt.ArrayLike,
    *,
    n: float,
    s02: float = 1.0,
    delta_r: float = 0.0,
    sigma2: float = 0.0,
    delta_e0: float = 0.0,
) -> Array:
    """χ(k) of one single-scattering path: the EXAFS equation as larch computes it.

    Parameters
    ----------
    path
        The FEFF tables.
    k
        Wavenumbers (1/Å), > 0.
    n, s02
        Coordination number (replaces the path's degeneracy) and S0².
    delta_r, sigma2
        Distance shift from ``path.reff`` (Å) and σ² (Å²).
    delta_e0
        Shift of the energy origin (eV).
    """
    kk = np.asarray(k, dtype=float)
    en = kk * kk - delta_e0 * ETOK
    en = np.where(np.abs(en) < 1e-12, 1e-12, en)
    q = np.sign(en) * np.sqrt(np.abs(en))
    pha = np.interp(q, path.k, path.pha)
    amp = np.interp(q, path.k, path.amp)
    rep = np.interp(q, path.k, path.rep)
    lam = np.interp(q, path.k, path.lam)
    p = rep + 1j / lam
    pp = p * p
    reff = path.reff
    cchi = np.exp(
        -2 * reff * p.imag
        - 2 * pp * sigma2
        + 1j * (2 * q * reff + pha + 2 * p * (delta_r - 2 * sigma2 / reff))
    )
    cchi = n * s02 * amp * cchi / (q * (reff + delta_r) ** 2)
    return np.asarray(cchi.imag, dtype=float)


def make_energy_grid(e0: float, *, kmax: float = 14.5, kstep: float = 0.05) -> Array:
    """A step scan's energies (eV): 5 eV steps before the edge, 0.25 eV across it,
    then constant steps in k (``kstep``) from k = 2.5 to ``kmax`` (1/Å)."""
    pre = np.arange(e0 - 150.0, e0 - 20.0, 5.0)
    xanes = np.arange(e0 - 20.0, e0 + 2.5**2 / ETOK, 0.25)
    k = np.arange(2.5, kmax + kstep / 2, kstep)
    return np.concatenate([pre, xanes, e0 + k * k / ETOK])


def make_mu(
    energy: npt.ArrayLike,
    *,
    e0: float,
    edge_step: float,
    chi: npt.ArrayLike,
    pre_edge_energy: float,
    pre_edge_height: float,
    pre_edge_sigma: float = 1.0,
    edge_width: float = 1.3,
    matrix: float = 0.6,
) -> Array:
    """Noise-free μx(E): matrix absorption, the edge step with its EXAFS, a pre-edge peak.

    Parameters
    ----------
    energy
        Energies (eV).
    e0, edge_step
        Edge energy (the arctan step's centre) and jump of μx.
    chi
        χ at each energy (0 below the edge).
    pre_edge_energy, pre_edge_height, pre_edge_sigma
        The Gaussian pre-edge peak: centre (eV), height (fraction of the step), width
        (standard deviation, eV).
    edge_width
        Half width of the arctan step (eV): core-hole and monochromator broadening.
    matrix
        μx of everything else at ``e0`` (falls as E^-3).
    """
    e = np.asarray(energy, dtype=float)
    step = 0.5 + np.arctan((e - e0) / edge_width) / np.pi
    falloff = (e0 / e) ** 2.7
    peak = pre_edge_height * np.exp(-0.5 * ((e - pre_edge_energy) / pre_edge_sigma) ** 2)
    return np.asarray(
        matrix * (e0 / e) ** 3
        + edge_step * (falloff * step * (1.0 + np.asarray(chi, dtype=float)) + peak),
        dtype=float,
    )


def make_chi(
    energy: npt.ArrayLike, e0: float, shells: tuple[Shell, ...], s02: float, delta_e0: float
) -> Array:
    """χ at each energy: the sum of the shells' paths, switched on smoothly above E0.

    Below the edge χ is 0; the EXAFS equation does not hold in the first few eV, so it
    is switched on over k ≈ 0-2 1/Å (this only shapes the near edge, below any fit).
    """
    e = np.asarray(energy, dtype=float)
    k = np.sqrt(np.clip(e - e0, 0.0, None) * ETOK)
    chi = np.zeros_like(e)
    above = k > 0.05
    for shell in shells:
        path = read_feff_path(FEFF_FOLDER / shell.feff)
        chi[above] += make_path_chi(
            path,
            k[above],
            n=shell.n,
            s02=s02,
            delta_r=shell.r - path.reff,
            sigma2=shell.sigma2,
            delta_e0=delta_e0,
        )
    return np.asarray(chi * (1.0 - np.exp(-((k / 1.2) ** 2))), dtype=float)


def write_xas_scan(
    path: str | os.PathLike[str],
    *,
    seed: int = 0,
    e0: float = 8979.0,
    r: float = 2.540,
    n: float = 12.0,
    sigma2: float = 0.0085,
    s02: float = 0.90,
    delta_e0: float = 1.5,
    edge_step: float = 1.0,
    pre_edge_height: float = 0.08,
    pre_edge_offset: float = -5.5,
    flux: float = 4e5,
    second_shell: bool = True,
) -> XasTruth:
    """Write a raw NXxas transmission scan of a Cu K edge with a known answer.

    Parameters
    ----------
    path
        File to create (overwritten).
    seed
        Seed of the counting noise.
    e0
        Edge energy (eV), the inflection point of the edge step.
    r, n, sigma2
        First shell: distance (Å), coordination number, σ² (Å²).
    s02
        Amplitude reduction factor.
    delta_e0
        Energy origin of the EXAFS relative to ``e0`` (eV).
    edge_step
        Jump of μx at the edge.
    pre_edge_height, pre_edge_offset
        Pre-edge peak: height (fraction of the edge step) and position relative to
        ``e0`` (eV).
    flux
        Incoming beam counts per point at the edge (the noise is √counts).
    second_shell
        Add the second fcc shell (6 atoms at √2 ``r``, with 1.5 ``sigma2``), whose
        FT peak a first-shell fit must keep out of its window.

    Returns
    -------
    XasTruth
        The parameters, with the noise level on μx.
    """
    path = os.fspath(path)
    first = read_feff_path(FEFF_FOLDER / "feff0001.dat")
    shells = [Shell("feff0001.dat", n, r, sigma2)]
    if second_shell:
        shells.append(Shell("feff0002.dat", 6.0, round(float(r * np.sqrt(2.0)), 5), 1.5 * sigma2))
    energy = make_energy_grid(e0)
    chi = make_chi(energy, e0, tuple(shells), s02, delta_e0)
    pre_edge_energy = e0 + pre_edge_offset
    mux = make_mu(
        energy,
        e0=e0,
        edge_step=edge_step,
        chi=chi,
        pre_edge_energy=pre_edge_energy,
        pre_edge_height=pre_edge_height,
    )
    rng = np.random.default_rng(seed)
    i0_mean = flux * (1.0 - 0.2 * (energy - e0) / 1000.0)
    it_mean = 0.8 * i0_mean * np.exp(-mux)  # 0.8: the two ion chambers' gains differ
    i0 = np.round(i0_mean + rng.normal(size=energy.size) * np.sqrt(i0_mean))
    it = np.round(it_mean + rng.normal(size=energy.size) * np.sqrt(it_mean))
    at_edge = int(np.searchsorted(energy, e0))
    noise = float(np.sqrt(1.0 / i0_mean[at_edge] + 1.0 / it_mean[at_edge]))
    _write_nxxas(path, energy, i0, it, seed=seed)
    return XasTruth(
        path=path,
        element="Cu",
        edge="K",
        e0=e0,
        edge_step=edge_step,
        pre_edge_energy=pre_edge_energy,
        pre_edge_height=pre_edge_height,
        s02=s02,
        delta_e0=delta_e0,
        shells=tuple(shells),
        feff_reff=first.reff,
        noise=noise,
        seed=seed,
    )


def _write_nxxas(path: str, energy: Array, i0: Array, it: Array, *, seed: int) -> None:
    """The NIAC NXxas layout: monochromator energy, I0 and It detectors, monitor, NXdata."""
    with h5py.File(path, "w") as f:
        nxwrite.root(f, creator="panhub_nexus.synthetic.xas", default="entry")
        entry = nxwrite.group(f, "entry", "NXentry", default="data")
        nxwrite.field(entry, "title", f"Cu K-edge transmission scan (synthetic, seed {seed})")
        nxwrite.field(entry, "start_time", "2026-11-12T09:30:00+01:00")
        nxwrite.field(entry, "end_time", "2026-11-12T09:52:00+01:00")
        nxwrite.field(entry, "definition", "NXxas")
        instrument = nxwrite.group(entry, "instrument", "NXinstrument")
        nxwrite.field(instrument, "name", "BL22-CLAESS (synthetic)")
        source = nxwrite.group(instrument, "source", "NXsource")
        nxwrite.field(source, "type", "Synchrotron X-ray Source")
        nxwrite.field(source, "name", "Example Light Source")
        nxwrite.field(source, "probe", "x-ray")
        mono = nxwrite.group(instrument, "monochromator", "NXmonochromator")
        energy_field = nxwrite.field(mono, "energy", energy, units="eV")
        crystal = nxwrite.group(mono, "crystal", "NXcrystal")
        nxwrite.field(crystal, "reflection", np.array([1, 1, 1], dtype=np.int32))
        nxwrite.field(crystal, "d_spacing", 3.1356, units="angstrom")
        incoming = nxwrite.group(instrument, "incoming_beam", "NXdetector")
        nxwrite.field(incoming, "description", "I0 ionisation chamber")
        i0_field = nxwrite.field(incoming, "data", i0, units="counts")
        absorbed = nxwrite.group(instrument, "absorbed_beam", "NXdetector")
        nxwrite.field(absorbed, "description", "It ionisation chamber (after the sample)")
        it_field = nxwrite.field(absorbed, "data", it, units="counts")
        sample = nxwrite.group(entry, "sample", "NXsample")
        nxwrite.field(sample, "name", "Cu reference (synthetic)")
        nxwrite.field(sample, "chemical_formula", "Cu")
        monitor = nxwrite.group(entry, "monitor", "NXmonitor")
        nxwrite.field(monitor, "mode", "timer")
        nxwrite.field(monitor, "preset", 1.0, units="s")
        nxwrite.link(monitor, "data", i0_field)
        data = nxwrite.data(entry, "data", signal="absorbed_beam", axes=["energy"])
        nxwrite.link(data, "energy", energy_field)
        nxwrite.link(data, "absorbed_beam", it_field)
        nxwrite.field(data, "mode", "Transmission")
