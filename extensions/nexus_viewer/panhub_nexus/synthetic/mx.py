"""A rotation series from a known crystal, in NXmx, and the MTZ a pipeline would write.

:func:`write_rotation_series` writes a few rotation images of tetragonal lysozyme
(P 4\\ :sub:`3` 2\\ :sub:`1` 2, a = 79.1 Å, c = 37.9 Å) on an Eiger-1M-like detector:
Bragg spots at positions predicted from the crystal's orientation and the geometry
(sub-pixel centres, Gaussian profiles, a rocking curve that spreads a spot over
neighbouring frames), a background with a solvent ring, seeded Poisson noise, a module
gap and hot pixels flagged in ``pixel_mask``, and unflagged single-pixel cosmic-ray
hits. The crystal diffracts to :attr:`MxTruth.d_min` (no reflection beyond it is
written), while the detector's corners reach further, so the resolution seen in the
spots is the crystal's, not the detector's. Beside the raw file it writes the merged
MTZ a beamline pipeline would produce (cell, space group, unique reflections to
``d_min``), in the MTZ format itself, so that gemmi (in the MX kernel) reads it back.

:func:`~panhub_nexus.synthetic.nxmx.write_nxmx_geometry` (re-exported here) writes the
NXmx instrument, sample, beam and source of any detector image stack, so that other
writers can make their files valid NXmx; the crystallography and the MTZ writer are in
:mod:`panhub_nexus.synthetic.mx_crystal`.

Conventions: pixel ``(row, column)`` has its centre at coordinates ``(y, x) = (row,
column)``; a frame index ``k`` covers rotation angles ``[omega_k, omega_k + step)``,
and a spot's frame centroid is the intensity-weighted mean of the frame indices. The
laboratory frame is McStas' (beam along +z, y up); the rotation axis is +x.
"""

from __future__ import annotations

import dataclasses
import os
from typing import Any

import h5py
import hdf5plugin
import numpy as np
import numpy.typing as npt
from scipy import special  # type: ignore[import-untyped]

from panhub_nexus import nxwrite
from panhub_nexus.synthetic import MASK_GAP, MASK_HOT, make_gap_mask
from panhub_nexus.synthetic.mx_crystal import (
    LYSOZYME,
    P43212,
    Crystal,
    SpaceGroup,
    list_reflections,
    lookup,
    make_intensities,
    make_orientation,
    make_reciprocal_basis,
    to_asu,
    write_mtz,
)
from panhub_nexus.synthetic.nxmx import write_nxmx_geometry

__all__ = [
    "LYSOZYME",
    "P43212",
    "Crystal",
    "Geometry",
    "MxTruth",
    "SpaceGroup",
    "Spots",
    "predict_spots",
    "write_mtz",
    "write_nxmx_geometry",
    "write_rotation_series",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclasses.dataclass(frozen=True)
class Geometry:
    """A rotation experiment: detector normal to the beam, rotation axis +x.

    Attributes
    ----------
    shape : (int, int)
        Frame shape (rows, columns); the default is an Eiger 1M's.
    pixel_size : float
        Square pixel side, mm.
    distance : float
        Sample-detector distance, mm.
    beam_centre : (float, float)
        Where the direct beam hits the detector, (x, y) = (column, row), pixels.
    wavelength : float
        Ångström.
    omega_start, omega_step : float
        Rotation angle of the first frame and per frame, degrees.
    n_frames : int
        Number of images.
    """

    shape: tuple[int, int] = (1065, 1030)
    pixel_size: float = 0.075
    distance: float = 65.0
    beam_centre: tuple[float, float] = (515.7, 600.4)
    wavelength: float = 0.9793
    omega_start: float = 0.0
    omega_step: float = 0.2
    n_frames: int = 5

    @property
    def omega(self) -> FloatArray:
        """Rotation angle at the start of each frame, degrees."""
        return self.omega_start + self.omega_step * np.arange(self.n_frames, dtype=float)

    def resolution(self, x: npt.ArrayLike, y: npt.ArrayLike) -> FloatArray:
        """Resolution d (Å) of detector positions (column x, row y, pixels)."""
        radius = self.pixel_size * np.hypot(
            np.asarray(x) - self.beam_centre[0], np.asarray(y) - self.beam_centre[1]
        )
        theta = 0.5 * np.arctan2(radius, self.distance)
        with np.errstate(divide="ignore"):
            return np.asarray(self.wavelength / (2.0 * np.sin(theta)), dtype=float)


@dataclasses.dataclass(frozen=True, eq=False)
class Spots:
    """Spots written in the images, one row each (numpy arrays of equal length).

    ``x``, ``y`` are the spot centre (column, row, pixels), ``frame`` the expected
    frame centroid, ``fraction`` the part of the reflection recorded in the frames,
    ``intensity`` the recorded counts (expected value), ``d`` the resolution (Å),
    ``hkl`` the Miller indices, ``masked`` True when the spot touches a masked pixel or
    the detector edge (its centroid is then biased, as for any spot finder).
    """

    x: FloatArray
    y: FloatArray
    frame: FloatArray
    fraction: FloatArray
    intensity: FloatArray
    d: FloatArray
    hkl: IntArray
    masked: npt.NDArray[np.bool_]

    def __len__(self) -> int:
        return len(self.x)


@dataclasses.dataclass(frozen=True, eq=False)
class MxTruth:
    """What :func:`write_rotation_series` wrote: the files and the known answer.

    Attributes
    ----------
    path, mtz_path : str
        The NXmx file and the processing result (MTZ) beside it.
    crystal, geometry : Crystal, Geometry
        The crystal (cell and space group, also in the MTZ) and the experiment.
    d_min : float
        The crystal's diffraction limit, Å: the highest resolution of any spot.
    spots : Spots
        Every spot written (centres, frames, intensities, resolutions, indices).
    hot_pixels, zingers : tuple of tuple of int
        Hot pixels ``(row, column)`` (flagged in the pixel mask) and cosmic-ray hits
        ``(frame, row, column)`` (single pixels, not flagged).
    n_reflections : int
        Unique reflections in the MTZ.
    """

    path: str
    mtz_path: str
    crystal: Crystal
    geometry: Geometry
    d_min: float
    spots: Spots
    hot_pixels: tuple[tuple[int, int], ...]
    zingers: tuple[tuple[int, int, int], ...]
    n_reflections: int


def predict_spots(
    crystal: Crystal,
    geometry: Geometry,
    orientation: FloatArray,
    d_min: float,
    hkl: IntArray | None = None,
) -> tuple[IntArray, FloatArray, FloatArray, FloatArray]:
    """Where reflections cross the Ewald sphere during the scan, and hit the detector.

    Returns
    -------
    hkl, x, y, z
        Indices, detector position (column, row, pixels) and continuous frame
        coordinate ``(phi - omega_start) / omega_step`` of each crossing within the
        scan (widened by 4 rocking widths), for crossings that reach the detector plane.
    """
    hkl = list_reflections(crystal, d_min) if hkl is None else hkl
    r0 = hkl @ make_reciprocal_basis(crystal.cell) @ orientation.T
    axis = np.array([1.0, 0.0, 0.0])
    s0 = np.array([0.0, 0.0, 1.0 / geometry.wavelength])
    r_par = np.outer(r0 @ axis, axis)
    r_perp = r0 - r_par
    across = np.cross(axis, r_perp)
    a, b = r_perp @ s0, across @ s0
    c = -0.5 * np.sum(r0 * r0, axis=1) - r_par @ s0
    norm = np.hypot(a, b)
    ok = (norm > 0) & (np.abs(c) <= norm)
    base = np.arctan2(b, a)
    width = np.arccos(np.clip(c / np.where(norm > 0, norm, 1.0), -1.0, 1.0))
    margin = 4 * crystal.mosaicity
    start = np.radians(geometry.omega_start - margin)
    span = np.radians(geometry.n_frames * geometry.omega_step + 2 * margin)
    rows: list[tuple[IntArray, FloatArray, FloatArray, FloatArray]] = []
    for phi in (base + width, base - width):
        phi = start + np.mod(phi - start, 2 * np.pi)
        take = ok & (phi <= start + span)
        cos, sin = np.cos(phi[take])[:, None], np.sin(phi[take])[:, None]
        r = r_par[take] + cos * r_perp[take] + sin * across[take]
        s1 = s0 + r
        forward = s1[:, 2] > 0
        lab = geometry.distance * s1[forward, :2] / s1[forward, 2:3]
        x = geometry.beam_centre[0] - lab[:, 0] / geometry.pixel_size
        y = geometry.beam_centre[1] - lab[:, 1] / geometry.pixel_size
        z = (np.degrees(phi[take][forward]) - geometry.omega_start) / geometry.omega_step
        rows.append((hkl[take][forward], x, y, z))
    return (
        np.concatenate([r[0] for r in rows]),
        np.concatenate([r[1] for r in rows]),
        np.concatenate([r[2] for r in rows]),
        np.concatenate([r[3] for r in rows]),
    )


# -- images --------------------------------------------------------------------------------


def make_background(geometry: Geometry) -> npt.NDArray[np.float32]:
    """Expected background counts per pixel and frame: air scatter and a solvent ring."""
    rows, cols = geometry.shape
    y, x = np.mgrid[0:rows, 0:cols]
    radius = np.hypot(x - geometry.beam_centre[0], y - geometry.beam_centre[1])
    d = geometry.resolution(x, y)
    ring = 2.5 * np.exp(-0.5 * ((d - 3.6) / 0.35) ** 2)
    return np.asarray(0.5 + 2.0 * np.exp(-radius / 250.0) + ring, dtype=np.float32)


def _profile(centre: float, sigma: float, start: int, size: int) -> FloatArray:
    edges = (np.arange(start, start + size + 1) - 0.5 - centre) / (sigma * np.sqrt(2.0))
    return np.asarray(0.5 * np.diff(special.erf(edges)), dtype=float)


def add_spots(
    expected: npt.NDArray[np.float32],
    x: FloatArray,
    y: FloatArray,
    z: FloatArray,
    intensity: FloatArray,
    sigma: FloatArray,
    mosaicity_frames: float,
) -> tuple[FloatArray, FloatArray]:
    """Add Gaussian spots (integrated over pixels and frames) to ``expected`` in place.

    Returns
    -------
    fraction, frame
        Part of each reflection recorded in the frames, and its frame centroid.
    """
    n_frames, rows, cols = expected.shape
    frames = np.arange(n_frames)
    fraction = np.zeros(len(x))
    centroid = np.full(len(x), np.nan)
    for i in range(len(x)):
        per_frame = _profile(z[i] - 0.5, mosaicity_frames, 0, n_frames)
        fraction[i] = per_frame.sum()
        if fraction[i] < 1e-3:
            continue
        centroid[i] = float(frames @ per_frame) / fraction[i]
        half = int(np.ceil(5 * sigma[i]))
        x0, y0 = round(x[i]) - half, round(y[i]) - half
        px = _profile(x[i], sigma[i], x0, 2 * half + 1)
        py = _profile(y[i], sigma[i], y0, 2 * half + 1)
        cx0, cy0 = max(x0, 0), max(y0, 0)
        cx1, cy1 = min(x0 + 2 * half + 1, cols), min(y0 + 2 * half + 1, rows)
        if cx0 >= cx1 or cy0 >= cy1:
            continue
        patch = np.outer(py[cy0 - y0 : cy1 - y0], px[cx0 - x0 : cx1 - x0])
        for k in np.flatnonzero(per_frame > 1e-4):
            expected[k, cy0:cy1, cx0:cx1] += (intensity[i] * per_frame[k] * patch).astype(
                np.float32
            )
    return fraction, centroid


def touches_mask(
    x: FloatArray, y: FloatArray, sigma: FloatArray, bad: npt.NDArray[np.bool_]
) -> npt.NDArray[np.bool_]:
    """True when a spot's 3-sigma box leaves the detector or holds a masked pixel."""
    rows, cols = bad.shape
    out = np.zeros(len(x), dtype=bool)
    for i in range(len(x)):
        half = int(np.ceil(3 * sigma[i]))
        xi, yi = round(x[i]), round(y[i])
        if xi - half < 0 or yi - half < 0 or xi + half >= cols or yi + half >= rows:
            out[i] = True
        else:
            out[i] = bool(bad[yi - half : yi + half + 1, xi - half : xi + half + 1].any())
    return out


def _pick_pixels(
    rng: np.random.Generator, bad: npt.NDArray[np.bool_], n: int
) -> list[tuple[int, int]]:
    picked: list[tuple[int, int]] = []
    while len(picked) < n:
        y, x = int(rng.integers(0, bad.shape[0])), int(rng.integers(0, bad.shape[1]))
        if not bad[y, x] and (y, x) not in picked:
            picked.append((y, x))
    return picked


def write_rotation_series(
    path: str | os.PathLike[str],
    *,
    seed: int = 0,
    crystal: Crystal = LYSOZYME,
    geometry: Geometry | None = None,
    d_min: float = 2.0,
    scale: float = 2000.0,
    n_hot: int = 20,
    n_zingers: int = 8,
    mtz_path: str | os.PathLike[str] | None = None,
    compression: str | None = "bslz4",
) -> MxTruth:
    """Write a rotation series in NXmx and its processing result (MTZ) beside it.

    Parameters
    ----------
    path : str or PathLike
        The NXmx file to create (overwritten).
    seed : int
        Seed of the orientation, the intensities, the noise, hot pixels and zingers.
    crystal, geometry : Crystal, Geometry
        The crystal (default lysozyme) and the experiment (default: Eiger 1M-like
        detector at 65 mm, λ = 0.9793 Å, 5 frames of 0.2°).
    d_min : float
        The crystal's diffraction limit (Å): no reflection beyond it is written.
    scale : float
        Mean full intensity (counts) at infinite resolution, before the Wilson fall-off.
    n_hot, n_zingers : int
        Hot pixels (flagged in ``pixel_mask``) and cosmic-ray hits (not flagged).
    mtz_path : str or PathLike, optional
        The MTZ to write (default: ``path`` with the suffix ``.mtz``).
    compression : {"bslz4", None}
        Bitshuffle-LZ4 (as Dectris writes) or none.

    Returns
    -------
    MxTruth
        The files and the known answer.
    """
    path = os.fspath(path)
    geometry = geometry or Geometry()
    mtz = os.fspath(mtz_path) if mtz_path else os.path.splitext(path)[0] + ".mtz"
    rng = np.random.default_rng(seed)
    orientation = make_orientation(seed)

    unique = np.unique(to_asu(list_reflections(crystal, d_min), crystal.space_group), axis=0)
    full = make_intensities(unique, crystal, rng, scale)
    hkl, x, y, z = predict_spots(crystal, geometry, orientation, d_min)
    rows, cols = geometry.shape
    inside = (x > -5) & (x < cols + 4) & (y > -5) & (y < rows + 4)
    hkl, x, y, z = hkl[inside], x[inside], y[inside], z[inside]
    sigma = rng.uniform(0.8, 1.2, size=len(x))

    gaps = make_gap_mask(geometry.shape, (514, 1030), (37, 10))
    hot = _pick_pixels(rng, gaps, n_hot)
    mask = gaps.astype(np.uint32) * MASK_GAP
    for row, col in hot:
        mask[row, col] = MASK_HOT
    expected = np.repeat(make_background(geometry)[None], geometry.n_frames, axis=0)
    intensity = lookup(hkl, unique, full, crystal.space_group)
    mosaicity = crystal.mosaicity / geometry.omega_step
    fraction, frame = add_spots(expected, x, y, z, intensity, sigma, mosaicity)
    frames = rng.poisson(expected).astype(np.uint32)
    zingers = []
    for row, col in _pick_pixels(rng, mask > 0, n_zingers):
        k = int(rng.integers(0, geometry.n_frames))
        frames[k, row, col] += np.uint32(rng.integers(300, 3000))
        zingers.append((k, row, col))
    for row, col in hot:
        frames[:, row, col] = np.uint32(rng.integers(100_000, 1_000_000))
    frames[:, gaps] = np.iinfo(np.uint32).max

    seen = fraction >= 1e-3
    spots = Spots(
        x=x[seen],
        y=y[seen],
        frame=frame[seen],
        fraction=fraction[seen],
        intensity=(intensity * fraction)[seen],
        d=1.0 / np.linalg.norm(hkl[seen] @ make_reciprocal_basis(crystal.cell), axis=1),
        hkl=hkl[seen],
        masked=touches_mask(x[seen], y[seen], sigma[seen], mask > 0),
    )
    _write_nxmx(path, frames, mask, geometry, crystal, compression)
    write_mtz(
        mtz,
        crystal,
        unique,
        full,
        np.sqrt(full + (0.03 * full) ** 2),
        wavelength=geometry.wavelength,
        title=f"{crystal.name}, merged (synthetic pipeline)",
        history=[f"panhub_nexus.synthetic.mx seed {seed}: merged to {d_min:.2f} A"],
    )
    return MxTruth(
        path=path,
        mtz_path=mtz,
        crystal=crystal,
        geometry=geometry,
        d_min=d_min,
        spots=spots,
        hot_pixels=tuple(hot),
        zingers=tuple(zingers),
        n_reflections=len(unique),
    )


def _write_nxmx(
    path: str,
    frames: npt.NDArray[np.uint32],
    mask: npt.NDArray[np.uint32],
    geometry: Geometry,
    crystal: Crystal,
    compression: str | None,
) -> None:
    if compression not in ("bslz4", None):
        raise ValueError(f"unknown compression {compression!r}")
    filters: dict[str, Any] = dict(hdf5plugin.Bitshuffle(cname="lz4")) if compression else {}
    with h5py.File(path, "w") as f:
        nxwrite.root(f, creator="panhub_nexus.synthetic.mx")
        entry = nxwrite.group(f, "entry", "NXentry", default="data")
        nxwrite.field(entry, "title", f"{crystal.name} rotation series (synthetic)")
        detector = write_nxmx_geometry(
            entry,
            shape=geometry.shape,
            pixel_size=geometry.pixel_size,
            distance=geometry.distance,
            beam_centre=geometry.beam_centre,
            wavelength=geometry.wavelength,
            omega=geometry.omega,
            end_time=f"2026-12-01T10:00:{geometry.n_frames:02d}Z",
            sample_name=crystal.name,
        )
        nxwrite.field(detector, "count_time", 1.0, "s")
        nxwrite.field(detector, "frame_time", 1.0, "s")
        nxwrite.field(detector, "bit_depth_readout", np.int32(32))
        nxwrite.field(detector, "saturation_value", np.int64(np.iinfo(np.uint32).max - 1))
        nxwrite.field(detector, "pixel_mask_applied", False)
        nxwrite.field(detector, "pixel_mask", mask, chunks=mask.shape, **filters)
        images = nxwrite.field(
            detector,
            "data",
            frames,
            "counts",
            chunks=(1, *geometry.shape),
            attrs={"interpretation": "image"},
            **filters,
        )
        data = nxwrite.data(entry, "data", signal="data", axes=["omega", ".", "."])
        nxwrite.link(data, "data", images)
        nxwrite.link(data, "omega", entry["sample/transformations/omega"])
