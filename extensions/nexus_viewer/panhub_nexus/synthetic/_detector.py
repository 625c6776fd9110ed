"""A flat pixel detector square to the beam: its layout, masks, angles and NXdetector.

Shared by the SAXS and powder generators. The geometry is the one pyFAI calls a
detector without tilts: pixel ``(row, column)`` has its centre at
``((column + 0.5) * pixel, (row + 0.5) * pixel)`` from the outer corner of pixel
``(0, 0)``, and the beam hits the detector at ``(beam_center_x, beam_center_y)``
measured from that same corner (NeXus ``x`` runs along the columns, the fast axis,
``y`` along the rows). So pyFAI's ``poni2 = beam_center_x`` and
``poni1 = beam_center_y`` with ``rot1 = rot2 = rot3 = 0``.

Pixel masks use the bits of NXdetector's ``pixel_mask``: bit 0 for gaps between
modules, bit 8 for a user mask (here the beam stop and its arm).
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import h5py
import numpy as np
import numpy.typing as npt

from panhub_nexus import nxwrite
from panhub_nexus.synthetic import make_gap_mask

PILATUS_PIXEL = 0.172
"""Pixel size of a Dectris Pilatus (mm)."""
PILATUS_MODULE = (195, 487)
"""Pixels of one Pilatus module (rows, columns)."""
PILATUS_GAP = (17, 7)
"""Insensitive pixels between Pilatus modules (rows, columns)."""
MASK_GAP = 1
"""``pixel_mask`` bit 0: gap between modules (no sensor)."""
MASK_USER = 256
"""``pixel_mask`` bit 8: user-defined mask (the beam stop and its arm)."""
PILATUS_1M_DESCRIPTION = "Dectris PILATUS 1M (synthetic): 5 x 2 modules, 172 um pixels"
"""The ``NXdetector/description`` of the generators' Pilatus 1M."""


def pilatus_shape(modules: tuple[int, int]) -> tuple[int, int]:
    """Image shape (rows, columns) of a Pilatus with ``modules`` (rows, columns) of modules.

    >>> pilatus_shape((5, 2))  # a Pilatus 1M
    (1043, 981)
    """
    return (
        modules[0] * PILATUS_MODULE[0] + (modules[0] - 1) * PILATUS_GAP[0],
        modules[1] * PILATUS_MODULE[1] + (modules[1] - 1) * PILATUS_GAP[1],
    )


@dataclasses.dataclass(frozen=True)
class Geometry:
    """Where a flat detector square to the beam sits, and the beam's wavelength.

    Attributes
    ----------
    shape : (int, int)
        Image shape (rows, columns).
    distance : float
        Sample to detector distance (mm).
    beam_center_x, beam_center_y : float
        Where the beam hits the detector (mm from the outer corner of pixel (0, 0),
        ``x`` along the columns).
    wavelength : float
        X-ray wavelength (angstrom).
    pixel_size : float
        Square pixel size (mm).
    """

    shape: tuple[int, int]
    distance: float
    beam_center_x: float
    beam_center_y: float
    wavelength: float
    pixel_size: float = PILATUS_PIXEL

    def moved(self, *, distance: float = 0.0, dx_px: float = 0.0, dy_px: float = 0.0) -> Geometry:
        """The same detector with its distance scaled by ``1 + distance`` and its beam
        centre moved by ``(dx_px, dy_px)`` pixels (a nominal geometry that is off)."""
        return dataclasses.replace(
            self,
            distance=self.distance * (1.0 + distance),
            beam_center_x=self.beam_center_x + dx_px * self.pixel_size,
            beam_center_y=self.beam_center_y + dy_px * self.pixel_size,
        )


def make_radius(
    geometry: Geometry, at: tuple[float, float] = (0.5, 0.5)
) -> npt.NDArray[np.float64]:
    """Distance from the beam centre of a point in each pixel (mm).

    ``at`` is the point's (row, column) position inside the pixel, as a fraction of
    the pixel: ``(0.5, 0.5)`` is its centre.
    """
    rows, columns = geometry.shape
    p = geometry.pixel_size
    y = (np.arange(rows) + at[0]) * p - geometry.beam_center_y
    x = (np.arange(columns) + at[1]) * p - geometry.beam_center_x
    return np.asarray(np.hypot(y[:, None], x[None, :]))


def make_two_theta(
    geometry: Geometry, at: tuple[float, float] = (0.5, 0.5)
) -> npt.NDArray[np.float64]:
    """Scattering angle 2θ of a point in each pixel, its centre by default (radians)."""
    return np.asarray(np.arctan2(make_radius(geometry, at), geometry.distance))


def make_subpixels(n: int) -> list[tuple[float, float]]:
    """The ``n x n`` points that sample a pixel evenly (for averaging over its area)."""
    steps = [(i + 0.5) / n for i in range(n)]
    return [(a, b) for a in steps for b in steps]


def make_q(geometry: Geometry) -> npt.NDArray[np.float64]:
    """Momentum transfer ``4π sin(θ) / λ`` of each pixel's centre (1/angstrom)."""
    return 4.0 * math.pi * np.sin(make_two_theta(geometry) / 2.0) / geometry.wavelength


def solid_angle_factor(two_theta: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Solid angle of a pixel relative to one at the beam centre: ``cos³ 2θ``.

    pyFAI divides by the same factor when it corrects the solid angle.
    """
    return np.asarray(np.cos(two_theta) ** 3)


def make_pilatus_mask(shape: tuple[int, int]) -> npt.NDArray[np.uint32]:
    """A ``pixel_mask`` with :data:`MASK_GAP` on the gaps between Pilatus modules."""
    gaps = make_gap_mask(shape, module=PILATUS_MODULE, gap=PILATUS_GAP)
    return gaps.astype(np.uint32) * np.uint32(MASK_GAP)


def make_beamstop(
    geometry: Geometry, radius: float, arm_width: float, arm_angle: float = 0.0
) -> npt.NDArray[np.bool_]:
    """True behind a round beam stop centred on the beam and its arm to the detector edge.

    Parameters
    ----------
    geometry : Geometry
        The detector.
    radius, arm_width : float
        Beam stop radius and arm width (mm).
    arm_angle : float
        Direction of the arm from the beam centre (degrees, 0 = +x, 90 = +y).
    """
    rows, columns = geometry.shape
    p = geometry.pixel_size
    y = ((np.arange(rows) + 0.5) * p - geometry.beam_center_y)[:, None]
    x = ((np.arange(columns) + 0.5) * p - geometry.beam_center_x)[None, :]
    c, s = math.cos(math.radians(arm_angle)), math.sin(math.radians(arm_angle))
    along = x * c + y * s
    across = -x * s + y * c
    arm = (along >= 0) & (np.abs(across) <= arm_width / 2)
    return np.asarray((np.hypot(x, y) <= radius) | arm)


def draw_counts(
    expected: npt.NDArray[np.float64], mask: npt.NDArray[np.uint32], rng: np.random.Generator
) -> npt.NDArray[np.int32]:
    """Poisson counts of ``expected``; masked pixels read -1 (as a Pilatus writes gaps)."""
    counts = rng.poisson(np.clip(expected, 0.0, None)).astype(np.int32)
    counts[mask != 0] = -1
    return counts


def expose(
    geometry: Geometry,
    expected: npt.NDArray[np.float64],
    rng: np.random.Generator,
    *,
    beamstop_radius: float,
    arm_width: float,
    arm_angle: float,
    transmission: float,
) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.uint32]]:
    """Counts of ``expected`` on a Pilatus behind a beam stop, and their ``pixel_mask``.

    Parameters
    ----------
    geometry : Geometry
        The detector.
    expected : ndarray of float
        Expected counts per pixel without the beam stop (left unchanged).
    rng : numpy.random.Generator
        Source of the Poisson noise.
    beamstop_radius, arm_width, arm_angle : float
        The beam stop, as :func:`make_beamstop` takes it.
    transmission : float
        Fraction of ``expected`` the beam stop lets through (masked, but not empty, as
        a real one is).

    Returns
    -------
    counts : ndarray of int32
        Poisson counts, -1 on the gaps between modules.
    mask : ndarray of uint32
        :data:`MASK_GAP` on the gaps, :data:`MASK_USER` behind the beam stop.
    """
    mask = make_pilatus_mask(geometry.shape)
    beamstop = make_beamstop(geometry, beamstop_radius, arm_width=arm_width, arm_angle=arm_angle)
    mask[beamstop] |= np.uint32(MASK_USER)
    expected = expected.copy()
    expected[beamstop] *= transmission
    counts = draw_counts(expected, mask & np.uint32(MASK_GAP), rng)
    return counts, mask


def write_detector(
    instrument: h5py.Group,
    geometry: Geometry,
    data: npt.NDArray[Any],
    mask: npt.NDArray[np.uint32],
    *,
    description: str,
    count_time: float,
    name: str = "detector",
) -> h5py.Group:
    """Write the ``NXdetector``: the image(s), the geometry as fields, the pixel mask.

    ``data`` is written as it is given (2-D for NXsas, a stack of frames for NXmx),
    gzip-compressed. Distances and pixel sizes are in mm.
    """
    detector = nxwrite.group(instrument, name, "NXdetector")
    compression: dict[str, Any] = {"compression": "gzip", "compression_opts": 4}
    nxwrite.field(
        detector,
        "data",
        data,
        units="counts",
        chunks=(*([1] * (data.ndim - 2)), *geometry.shape),
        attrs={"interpretation": "image", "long_name": "counts"},
        **compression,
    )
    nxwrite.field(detector, "description", description)
    nxwrite.field(detector, "distance", geometry.distance, units="mm")
    nxwrite.field(detector, "x_pixel_size", geometry.pixel_size, units="mm")
    nxwrite.field(detector, "y_pixel_size", geometry.pixel_size, units="mm")
    nxwrite.field(detector, "beam_center_x", geometry.beam_center_x, units="mm")
    nxwrite.field(detector, "beam_center_y", geometry.beam_center_y, units="mm")
    nxwrite.field(detector, "count_time", count_time, units="s")
    nxwrite.field(detector, "pixel_mask", mask, chunks=geometry.shape, **compression)
    nxwrite.field(detector, "pixel_mask_applied", False)
    nxwrite.field(detector, "sensor_material", "Si")
    nxwrite.field(detector, "sensor_thickness", 0.45, units="mm")
    return detector


def write_image_data(
    entry: h5py.Group, detector: h5py.Group, geometry: Geometry, *, frames: bool = False
) -> h5py.Group:
    """The entry's ``NXdata``: the detector image linked, with x and y axes in mm.

    With ``frames``, the data has a leading frame axis (NXmx), shown as ``"."``.
    """
    rows, columns = geometry.shape
    axes = [".", "y", "x"] if frames else ["y", "x"]
    plot = nxwrite.data(entry, "data", signal="data", axes=axes)
    nxwrite.link(plot, "data", detector["data"])
    p = geometry.pixel_size
    nxwrite.field(plot, "y", (np.arange(rows) + 0.5) * p, units="mm")
    nxwrite.field(plot, "x", (np.arange(columns) + 0.5) * p, units="mm")
    return plot
