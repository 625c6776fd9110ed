"""A raw NXtomo scan of a 3-D Shepp-Logan phantom, with the flaws of a real one.

The projections are exact line integrals through the ellipsoids of the modified 3-D
Shepp-Logan phantom (each detector pixel averages 2 x 2 rays), seen by a detector whose
rotation axis is off-centre by a known sub-pixel amount and tilted in the detector plane,
so that the axis column varies linearly with the detector row::

    centre(row) = centre + (row - reference_row) * tan(tilt)

On top of that: a non-uniform beam (flat field) and a dark current, per-pixel gain
errors that flat-field correction does not remove (ring artefacts, a few of them strong),
Poisson noise on the photon counts and Gaussian read-out noise, all seeded.

The file follows NIAC's NXtomo: the frames in ``instrument/detector/data`` with
``image_key`` (0 projection, 1 flat, 2 dark), ``sample/rotation_angle`` and the sample's
translations (the sample is moved out of the beam for the flats), linked into the
``NXdata`` that ``@default`` points to.

Examples
--------
>>> from panhub_nexus.synthetic import tomo
>>> truth = tomo.write_nxtomo("scan.nxs", seed=0)  # doctest: +SKIP
>>> truth.centre_at(0), truth.tilt  # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import os
from typing import Any

import h5py
import numpy as np
import numpy.typing as npt

from panhub_nexus import nxwrite

Array = npt.NDArray[np.float64]

SHEPP_LOGAN_3D: tuple[tuple[float, ...], ...] = (
    # density, semi-axes a b c, centre x0 y0 z0, rotation about z (deg)
    (1.0, 0.6900, 0.920, 0.810, 0.00, 0.0000, 0.00, 0.0),
    (-0.8, 0.6624, 0.874, 0.780, 0.00, -0.0184, 0.00, 0.0),
    (-0.2, 0.1100, 0.310, 0.220, 0.22, 0.0000, 0.00, -18.0),
    (-0.2, 0.1600, 0.410, 0.280, -0.22, 0.0000, 0.00, 18.0),
    (0.1, 0.2100, 0.250, 0.410, 0.00, 0.3500, -0.15, 0.0),
    (0.1, 0.0460, 0.046, 0.050, 0.00, 0.1000, 0.25, 0.0),
    (0.1, 0.0460, 0.046, 0.050, 0.00, -0.1000, 0.25, 0.0),
    (0.1, 0.0460, 0.023, 0.050, -0.08, -0.6050, 0.00, 0.0),
    (0.1, 0.0230, 0.023, 0.020, 0.00, -0.6060, 0.00, 0.0),
    (0.1, 0.0230, 0.046, 0.020, 0.06, -0.6050, 0.00, 0.0),
)
"""Modified 3-D Shepp-Logan phantom (Toft's contrasts) in units of the phantom radius."""

STRETCH = 2.0
"""The phantom is stretched along the rotation axis: a sample taller than the detector."""
BAND = 0.2
"""Phantom height (stretched, in phantom radii) seen at the detector's reference row."""
PHANTOM = tuple(
    (rho, a, b, c * STRETCH, x0, y0, z0 * STRETCH - BAND, phi)
    for rho, a, b, c, x0, y0, z0, phi in SHEPP_LOGAN_3D
)
"""The ellipsoids as written: stretched, heights from the reference row (z up)."""


@dataclasses.dataclass(frozen=True)
class TomoTruth:
    """What :func:`write_nxtomo` wrote, and the phantom to compare a reconstruction with.

    Attributes
    ----------
    path : str
        File written.
    shape : (int, int, int)
        ``(frames, rows, columns)`` of ``instrument/detector/data``.
    n_projections, n_flats, n_darks : int
        Frames of each kind (``image_key`` 0, 1 and 2).
    angles : tuple of float
        Rotation angle of each projection, in degrees.
    pixel_size : float
        Detector pixel size (square), in mm, at the sample (parallel beam).
    centre : float
        Column of the rotation axis at ``reference_row`` (0-based pixel index).
    reference_row : float
        Row at which the axis is at ``centre``.
    tilt : float
        In-plane tilt of the axis, in degrees: the axis column grows by ``tan(tilt)``
        per row.
    radius : float
        Phantom radius (the unit of :data:`SHEPP_LOGAN_3D`), in pixels.
    mu : float
        Linear attenuation coefficient of density 1, in 1/mm.
    defects : int
        Scintillator defects: runs of a few rows in one column whose gain is off by 3
        to 8 % (each a strong ring in the slices it crosses).
    """

    path: str
    shape: tuple[int, int, int]
    n_projections: int
    n_flats: int
    n_darks: int
    angles: tuple[float, ...]
    pixel_size: float
    centre: float
    reference_row: float
    tilt: float
    radius: float
    mu: float
    defects: int

    def centre_at(self, row: npt.ArrayLike) -> Array:
        """Column of the rotation axis at detector ``row`` (array-like)."""
        slope = np.tan(np.radians(self.tilt))
        offset = np.asarray(row, dtype=np.float64) - self.reference_row
        return np.asarray(self.centre + offset * slope, dtype=np.float64)

    def phantom_slice(
        self, row: float, x: npt.ArrayLike, y: npt.ArrayLike, oversample: int = 4
    ) -> Array:
        """Attenuation (1/mm) of the slice through the axis at detector ``row``.

        Parameters
        ----------
        row : float
            Detector row where the slice meets the rotation axis.
        x, y : array-like
            Pixel centres in mm from the rotation axis, as a reconstruction lays them
            out: ``x`` along its columns, ``y`` along its rows (top to bottom).
        oversample : int
            Points averaged per pixel along each axis (the pixel pitch is taken from
            ``x``), so that edges are partial-volume averages as in a measured image.

        Returns
        -------
        ndarray
            ``(len(y), len(x))`` image.
        """
        xs, ys = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
        pitch = abs(xs[1] - xs[0]) if xs.size > 1 else self.pixel_size
        offsets = (np.arange(oversample) + 0.5) / oversample - 0.5
        height = (row - self.reference_row) / np.cos(np.radians(self.tilt))
        total = np.zeros((ys.size, xs.size))
        for dy in offsets:
            for dx in offsets:
                px = (xs[None, :] + dx * pitch) / self.pixel_size
                py = (ys[:, None] + dy * pitch) / self.pixel_size
                total += make_density(px / self.radius, -py / self.radius, -height / self.radius)
        return total / oversample**2 * self.mu


def make_density(x: npt.ArrayLike, y: npt.ArrayLike, z: npt.ArrayLike | float) -> Array:
    """Density of :data:`PHANTOM` at points ``(x, y, z)`` (phantom units, broadcast)."""
    xs, ys, zs = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (x, y, z)))
    density = np.zeros(xs.shape)
    for rho, a, b, c, x0, y0, z0, phi in PHANTOM:
        cos, sin = np.cos(np.radians(phi)), np.sin(np.radians(phi))
        u = (xs - x0) * cos + (ys - y0) * sin
        v = -(xs - x0) * sin + (ys - y0) * cos
        inside = (u / a) ** 2 + (v / b) ** 2 + ((zs - z0) / c) ** 2 <= 1.0
        density += rho * inside
    return density


def project_phantom(
    angles: npt.ArrayLike, rows: int, columns: int, *, centre: float, reference_row: float,
    tilt: float, radius: float, subpixels: int = 2,
) -> Array:  # fmt: skip
    """Line integrals of :data:`PHANTOM` (density x pixels) on a tilted-axis detector.

    Parallel beam; the object turns by ``angles`` (degrees) about an axis through
    ``(centre, reference_row)`` on the detector, tilted by ``tilt`` degrees in the
    detector plane. A reconstruction of a sinogram (axis made vertical and centred)
    with scikit-image's ``iradon`` conventions shows the slice as
    :meth:`TomoTruth.phantom_slice` does. Each pixel averages ``subpixels``² rays.

    Returns
    -------
    ndarray
        ``(len(angles), rows, columns)``.
    """
    theta = np.radians(np.asarray(angles, dtype=float))
    t = np.radians(tilt)
    offsets = (np.arange(subpixels) + 0.5) / subpixels - 0.5
    out = np.zeros((theta.size, rows, columns))
    for sv in offsets:
        for su in offsets:
            du = (np.arange(columns) + su - centre)[None, :]
            dv = (np.arange(rows) + sv - reference_row)[:, None]
            # axis frame: u across the axis, v along it (both in pixels)
            u = (du * np.cos(t) - dv * np.sin(t)) / radius
            v = (du * np.sin(t) + dv * np.cos(t)) / radius
            out += _chords(theta, u, v)
    return out * radius / subpixels**2


def _chords(theta: Array, u: Array, v: Array) -> Array:
    """Sum of density x chord length (phantom units) along each ray."""
    total = np.zeros((theta.size, *u.shape))
    for k, angle in enumerate(theta):
        cos, sin = np.cos(angle), np.sin(angle)
        # object frame (x right, y up, z up): the ray through detector point u, v
        px, py, pz = u * cos, u * sin, -v
        dx, dy = sin, -cos
        for rho, a, b, c, x0, y0, z0, phi in PHANTOM:
            cp, sp = np.cos(np.radians(phi)), np.sin(np.radians(phi))
            qx = ((px - x0) * cp + (py - y0) * sp) / a
            qy = (-(px - x0) * sp + (py - y0) * cp) / b
            qz = (pz - z0) / c
            ex = (dx * cp + dy * sp) / a
            ey = (-dx * sp + dy * cp) / b
            dd = ex * ex + ey * ey
            qd = qx * ex + qy * ey
            disc = qd * qd - dd * (qx * qx + qy * qy + qz * qz - 1.0)
            total[k] += rho * 2.0 * np.sqrt(np.clip(disc, 0.0, None)) / dd
    return total


def write_nxtomo(
    path: str | os.PathLike[str],
    *,
    seed: int = 0,
    rows: int = 48,
    columns: int = 160,
    n_projections: int = 181,
    n_flats: int = 20,
    n_darks: int = 10,
    centre_offset: float = 4.37,
    tilt: float = 0.8,
    pixel_size: float = 0.01,
    mu: float = 4.0,
    flat_counts: float = 20000.0,
    gain_error: float = 0.003,
    defects: int = 12,
    read_noise: float = 3.0,
) -> TomoTruth:
    """Write a raw NXtomo scan of the 3-D Shepp-Logan phantom with realistic flaws.

    Parameters
    ----------
    path : str or PathLike
        File to create (overwritten).
    seed : int
        Seed of the noise, of the gain errors and of the ring positions.
    rows, columns : int
        Detector size in pixels.
    n_projections : int
        Projections, evenly spaced over [0, 180) degrees.
    n_flats, n_darks : int
        Flat fields (half before, half after the projections) and dark fields.
    centre_offset : float
        Axis column at the middle row, minus the detector's middle column, in pixels.
    tilt : float
        In-plane tilt of the rotation axis, in degrees.
    pixel_size : float
        Pixel size at the sample, in mm.
    mu : float
        Attenuation of density 1 (the phantom's outer shell), in 1/mm.
    flat_counts : float
        Counts of the flat field at the beam's centre.
    gain_error : float
        Standard deviation of the per-pixel gain error that flat-fielding leaves.
    defects : int
        Scintillator defects: runs of 4 to 16 rows in one column, within 40 pixels of
        the axis, whose gain is off by 3 to 8 % (strong rings).
    read_noise : float
        Gaussian read-out noise, in counts.

    Returns
    -------
    TomoTruth
        The geometry and the phantom.
    """
    path = os.fspath(path)
    rng = np.random.default_rng(seed)
    reference_row = (rows - 1) / 2.0
    centre = (columns - 1) / 2.0 + centre_offset
    radius = 0.4 * columns
    angles = np.linspace(0.0, 180.0, n_projections, endpoint=False)
    line = project_phantom(
        angles, rows, columns, centre=centre, reference_row=reference_row,
        tilt=tilt, radius=radius,
    )  # fmt: skip
    transmission = np.exp(-line * mu * pixel_size)

    beam = _make_beam(rows, columns) * flat_counts
    dark = 100.0 + rng.normal(0.0, 2.0, (rows, columns))
    gain = 1.0 + rng.normal(0.0, 0.02, (rows, columns))  # removed by flat-fielding
    residual = 1.0 + rng.normal(0.0, gain_error, (rows, columns))  # not removed: rings
    residual *= _make_defects(rng, rows, columns, centre, defects)

    def expose(signal: Array) -> npt.NDArray[np.uint16]:
        counts = rng.poisson(signal) + dark + rng.normal(0.0, read_noise, signal.shape)
        return np.clip(np.rint(counts), 0, 65535).astype(np.uint16)

    n_before = n_flats // 2
    darks = expose(np.zeros((n_darks, rows, columns)))
    flats = expose(np.broadcast_to(beam * gain, (n_flats, rows, columns)))
    projections = expose(beam * gain * residual * transmission)
    frames = np.concatenate([darks, flats[:n_before], projections, flats[n_before:]])
    keys = np.concatenate(
        [np.full(n_darks, 2), np.full(n_before, 1), np.zeros(n_projections, int),
         np.full(n_flats - n_before, 1)]
    ).astype(np.int32)  # fmt: skip
    frame_angles = np.concatenate(
        [np.zeros(n_darks + n_before), angles, np.full(n_flats - n_before, angles[-1])]
    )
    out_of_beam = np.where(keys == 1, 5.0, 0.0)  # the sample leaves the beam for flats
    _write(path, frames, keys, frame_angles, out_of_beam, pixel_size)
    return TomoTruth(
        path=path,
        shape=(frames.shape[0], rows, columns),
        n_projections=n_projections,
        n_flats=n_flats,
        n_darks=n_darks,
        angles=tuple(float(a) for a in angles),
        pixel_size=pixel_size,
        centre=centre,
        reference_row=reference_row,
        tilt=tilt,
        radius=radius,
        mu=mu,
        defects=defects,
    )


def _make_beam(rows: int, columns: int) -> Array:
    """A synchrotron beam profile: Gaussian across, a slow ripple along the height."""
    x = (np.arange(columns) - columns / 2) / columns
    y = np.arange(rows) / rows
    return np.exp(-0.5 * (x / 0.45) ** 2)[None, :] * (0.9 + 0.1 * np.cos(2.5 * y))[:, None]


def _make_defects(
    rng: np.random.Generator, rows: int, columns: int, centre: float, count: int
) -> Array:
    """Gain factors of ``count`` defects: short vertical runs near the axis (strong rings)."""
    factor = np.ones((rows, columns))
    for _ in range(count):
        column = int(np.clip(round(centre + rng.uniform(-40, 40)), 0, columns - 1))
        length = int(rng.integers(min(4, rows), min(16, rows) + 1))
        start = int(rng.integers(0, rows - length + 1))
        error = rng.choice([-1.0, 1.0]) * rng.uniform(0.03, 0.08)
        factor[start : start + length, column] *= 1.0 + error
    return factor


def _write(
    path: str,
    frames: npt.NDArray[np.uint16],
    keys: npt.NDArray[np.int32],
    angles: Array,
    x_translation: Array,
    pixel_size: float,
) -> None:
    n = frames.shape[0]
    compressed: dict[str, Any] = {
        "chunks": (1, *frames.shape[1:]),
        "compression": "gzip",
        "shuffle": True,
    }
    with h5py.File(path, "w") as f:
        nxwrite.root(f, creator="panhub_nexus.synthetic.tomo", default="entry")
        entry = nxwrite.group(f, "entry", "NXentry", default="data")
        nxwrite.field(entry, "title", "3-D Shepp-Logan phantom, tilted axis (synthetic)")
        nxwrite.field(entry, "start_time", "2026-12-01T10:00:00+01:00")
        nxwrite.field(entry, "end_time", "2026-12-01T10:04:00+01:00")
        nxwrite.field(entry, "definition", "NXtomo")
        instrument = nxwrite.group(entry, "instrument", "NXinstrument")
        nxwrite.field(instrument, "name", "BL09-MISTRAL (synthetic)")
        source = nxwrite.group(instrument, "source", "NXsource")
        nxwrite.field(source, "type", "Synchrotron X-ray Source")
        nxwrite.field(source, "name", "Example Light Source")
        nxwrite.field(source, "probe", "x-ray")
        detector = nxwrite.group(instrument, "detector", "NXdetector")
        data = nxwrite.field(detector, "data", frames, "counts", **compressed)
        key = nxwrite.field(detector, "image_key", keys)
        nxwrite.field(detector, "x_pixel_size", pixel_size, "mm")
        nxwrite.field(detector, "y_pixel_size", pixel_size, "mm")
        nxwrite.field(detector, "distance", 20.0, "mm")
        nxwrite.field(detector, "count_time", np.full(n, 0.1), "s")
        sample = nxwrite.group(entry, "sample", "NXsample")
        nxwrite.field(sample, "name", "3-D Shepp-Logan phantom")
        angle = nxwrite.field(sample, "rotation_angle", angles, "deg")
        nxwrite.field(sample, "x_translation", x_translation, "mm")
        nxwrite.field(sample, "y_translation", np.zeros(n), "mm")
        nxwrite.field(sample, "z_translation", np.zeros(n), "mm")
        plot = nxwrite.data(entry, "data", signal="data", axes=["frame", ".", "."])
        nxwrite.link(plot, "data", data)
        nxwrite.link(plot, "rotation_angle", angle)
        nxwrite.link(plot, "image_key", key)
        nxwrite.field(plot, "frame", np.arange(n, dtype=np.int32))
