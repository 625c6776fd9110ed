"""Raw SAXS of polydisperse spheres on a Pilatus 1M: NXsas with a known radius.

The sample is dilute homogeneous spheres whose radii follow a Schulz distribution
(mean radius and relative width as sasmodels defines them), on a background that falls
linearly with q. The detector has module gaps and a beam stop with its arm, both
flagged in ``pixel_mask``; counts are Poisson (seeded). A template that integrates the
image with the file's geometry and mask and fits a polydisperse sphere model should
find the radius and the polydispersity written in :class:`SaxsTruth`.

Examples
--------
>>> from panhub_nexus.synthetic import saxs
>>> truth = saxs.write_polydisperse_spheres("spheres.nxs", seed=1)  # doctest: +SKIP
>>> truth.radius, truth.polydispersity  # doctest: +SKIP
(50.0, 0.1)
"""

from __future__ import annotations

import dataclasses
import math
import os

import h5py
import numpy as np
import numpy.typing as npt

from panhub_nexus import nxwrite
from panhub_nexus.synthetic import _detector
from panhub_nexus.synthetic._detector import Geometry

DEFINITION = "NXsas"
GEOMETRY = Geometry(
    shape=_detector.pilatus_shape((5, 2)),
    distance=3000.0,
    beam_center_x=83.37,
    beam_center_y=92.91,
    wavelength=1.0,
)
"""The default detector: a Pilatus 1M at 3 m, 1 Å, the beam off the centre."""


@dataclasses.dataclass(frozen=True)
class SaxsTruth:
    """What :func:`write_polydisperse_spheres` wrote.

    Attributes
    ----------
    path : str
        File written.
    radius : float
        Mean sphere radius (angstrom).
    polydispersity : float
        Relative width of the Schulz radius distribution (sigma / mean).
    background : float
        Background at q = 0 (counts per pixel).
    background_slope : float
        Change of the background per 1/angstrom of q (counts per pixel · angstrom).
    forward : float
        Sphere scattering at q = 0 (counts per pixel).
    geometry : Geometry
        Detector geometry, as written in the file.
    masked_pixels : int
        Pixels flagged in ``pixel_mask`` (gaps, beam stop and arm).
    """

    path: str
    radius: float
    polydispersity: float
    background: float
    background_slope: float
    forward: float
    geometry: Geometry
    masked_pixels: int


def schulz_weights(
    radius: float, polydispersity: float, n: int = 401, nsigmas: float = 8.0
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Radii and normalised number weights of a Schulz distribution.

    The density is ``R**(z-1) exp(-z R / radius)`` with ``z = 1 / polydispersity**2``,
    so the mean is ``radius`` and the standard deviation ``polydispersity * radius``
    (sasmodels' ``schulz`` with ``radius_pd = polydispersity``).
    """
    if polydispersity <= 0:
        return np.array([radius]), np.array([1.0])
    sigma = polydispersity * radius
    radii = np.linspace(radius - nsigmas * sigma, radius + nsigmas * sigma, n)
    radii = radii[radii > 0]
    z = 1.0 / polydispersity**2
    log_w = (z - 1.0) * np.log(radii / radius) - z * radii / radius
    weights = np.exp(log_w - log_w.max())
    return radii, weights / weights.sum()


def sphere_amplitude(qr: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Normalised sphere form factor amplitude ``3 (sin x - x cos x) / x³`` (1 at 0)."""
    small = qr < 1e-2  # the closed form cancels badly there: its series instead
    x = np.where(small, 1.0, qr)
    exact = 3.0 * (np.sin(x) - x * np.cos(x)) / x**3
    return np.asarray(np.where(small, 1.0 - qr**2 / 10.0 + qr**4 / 280.0, exact))


def polydisperse_spheres(
    q: npt.NDArray[np.float64], radius: float, polydispersity: float
) -> npt.NDArray[np.float64]:
    """Scattering of polydisperse spheres, ``<V² F²(qR)> / <V²>`` (1 at q = 0)."""
    radii, weights = schulz_weights(radius, polydispersity)
    volume2 = weights * radii**6
    amplitude = sphere_amplitude(np.outer(q, radii))
    return np.asarray((amplitude**2) @ volume2 / volume2.sum())


def make_intensity(
    q: npt.NDArray[np.float64],
    *,
    radius: float,
    polydispersity: float,
    forward: float,
    background: float,
    background_slope: float,
) -> npt.NDArray[np.float64]:
    """Expected counts per pixel (before the solid angle) at ``q`` (1/angstrom)."""
    spheres = forward * polydisperse_spheres(q, radius, polydispersity)
    return np.asarray(spheres + background + background_slope * q)


def write_polydisperse_spheres(
    path: str | os.PathLike[str],
    *,
    seed: int = 0,
    radius: float = 50.0,
    polydispersity: float = 0.1,
    forward: float = 2.0e4,
    background: float = 6.0,
    background_slope: float = -15.0,
    geometry: Geometry | None = None,
    beamstop_radius: float = 2.5,
) -> SaxsTruth:
    """Write raw NXsas: polydisperse spheres on a Pilatus 1M with gaps and a beam stop.

    Parameters
    ----------
    path : str or PathLike
        File to create (overwritten).
    seed : int
        Seed of the Poisson noise.
    radius, polydispersity : float
        Mean radius (angstrom) and relative Schulz width of the spheres.
    forward : float
        Sphere scattering at q = 0 (counts per pixel).
    background, background_slope : float
        Background ``background + background_slope * q`` (counts per pixel, q in
        1/angstrom); keep it positive over the detector.
    geometry : Geometry, optional
        The detector; default a Pilatus 1M at 3 m, 1 Å, beam off the centre.
    beamstop_radius : float
        Radius of the beam stop (mm); its 3 mm arm goes up and right.

    Returns
    -------
    SaxsTruth
        The known answer and the geometry written.
    """
    path = os.fspath(path)
    geometry = geometry or GEOMETRY
    two_theta = _detector.make_two_theta(geometry)
    q = 4.0 * math.pi * np.sin(two_theta / 2.0) / geometry.wavelength
    # the profile on a fine q grid, then interpolated: the image has 1M pixels
    grid = np.linspace(0.0, float(q.max()) * 1.001, 4000)
    profile = make_intensity(
        grid,
        radius=radius,
        polydispersity=polydispersity,
        forward=forward,
        background=background,
        background_slope=background_slope,
    )
    expected = np.interp(q, grid, profile) * _detector.solid_angle_factor(two_theta)
    counts, mask = _detector.expose(
        geometry,
        expected,
        rng(seed),
        beamstop_radius=beamstop_radius,
        arm_width=3.0,
        arm_angle=35.0,
        transmission=0.01,
    )
    with h5py.File(path, "w") as f:
        _write_nxsas(f, geometry, counts, mask, radius=radius, polydispersity=polydispersity)
    return SaxsTruth(
        path=path,
        radius=radius,
        polydispersity=polydispersity,
        background=background,
        background_slope=background_slope,
        forward=forward,
        geometry=geometry,
        masked_pixels=int(np.count_nonzero(mask)),
    )


def rng(seed: int) -> np.random.Generator:
    """The generator's random numbers for ``seed``."""
    return np.random.default_rng(seed)


def _write_nxsas(
    f: h5py.File,
    geometry: Geometry,
    counts: npt.NDArray[np.int32],
    mask: npt.NDArray[np.uint32],
    *,
    radius: float,
    polydispersity: float,
) -> None:
    nxwrite.root(f, creator="panhub_nexus.synthetic.saxs")
    entry = nxwrite.group(f, "entry", "NXentry", default="data")
    nxwrite.field(entry, "definition", DEFINITION)
    nxwrite.field(entry, "title", "polydisperse silica spheres in water (synthetic)")
    nxwrite.field(entry, "start_time", nxwrite.now())
    nxwrite.field(entry, "end_time", nxwrite.now())
    instrument = nxwrite.group(entry, "instrument", "NXinstrument")
    nxwrite.field(instrument, "name", "BL11-NCD-SWEET (synthetic)")
    source = nxwrite.group(instrument, "source", "NXsource")
    nxwrite.field(source, "type", "Synchrotron X-ray Source")
    nxwrite.field(source, "name", "Example Light Source")
    nxwrite.field(source, "probe", "x-ray")
    mono = nxwrite.group(instrument, "monochromator", "NXmonochromator")
    nxwrite.field(mono, "wavelength", geometry.wavelength, units="angstrom")
    nxwrite.field(mono, "wavelength_spread", 1e-4)
    detector = _detector.write_detector(
        instrument,
        geometry,
        counts,
        mask,
        description=_detector.PILATUS_1M_DESCRIPTION,
        count_time=10.0,
    )
    sample = nxwrite.group(entry, "sample", "NXsample")
    nxwrite.field(sample, "name", "silica spheres")
    nxwrite.field(
        sample,
        "description",
        f"dilute spheres, Schulz radii: mean {radius} A, relative width {polydispersity}",
    )
    monitor = nxwrite.group(entry, "monitor", "NXmonitor")
    nxwrite.field(monitor, "mode", "timer")
    nxwrite.field(monitor, "preset", 10.0, units="s")
    nxwrite.field(monitor, "integral", 1.0e9, units="counts")
    _detector.write_image_data(entry, detector, geometry)
