"""Writers of NeXus files with known content, for tests, benchmarks and the demo.

Every writer is deterministic (seeded) and returns a small description of what it
wrote, so that tests can compare what the viewer shows with the ground truth.

Examples
--------
>>> from panhub_nexus import synthetic
>>> info = synthetic.write_eiger_stack("scan.nxs", shape=(64, 60), n_frames=5)
>>> info.signal_path
'/entry/data/data'
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator
from typing import Any

import h5py
import hdf5plugin
import numpy as np
import numpy.typing as npt

from panhub_nexus import nxwrite
from panhub_nexus.synthetic.nxmx import write_nxmx_geometry

__all__ = [
    "EIGER_4M",
    "EIGER_16M",
    "MASK_GAP",
    "MASK_HOT",
    "PIXEL_MM",
    "StackInfo",
    "iter_eiger_frames",
    "make_gap_mask",
    "make_mean_image",
    "make_spectrum",
    "write_eiger_stack",
    "write_nxmx_geometry",
    "write_spectrum",
]

EIGER_4M = (2167, 2070)
"""Frame shape (rows, columns) of a Dectris Eiger 4M."""
EIGER_16M = (4362, 4148)
"""Frame shape (rows, columns) of a Dectris Eiger 16M."""

PIXEL_MM = 0.075
"""Eiger pixel side, mm."""
MASK_GAP = 1
"""NXmx ``pixel_mask`` bit 0: gap between modules."""
MASK_HOT = 8
"""NXmx ``pixel_mask`` bit 3: over-responding (hot) pixel."""


@dataclasses.dataclass(frozen=True)
class StackInfo:
    """What :func:`write_eiger_stack` wrote.

    Attributes
    ----------
    path : str
        File written.
    signal_path, mask_path : str
        HDF5 paths of the frame stack and of the NXdetector pixel mask.
    shape : tuple of int
        Shape of the stack, ``(n_frames, rows, columns)``.
    gap_value : int
        Value written in module gaps (the dtype maximum, as Dectris does).
    hot_pixels : tuple of (int, int)
        Positions of hot pixels: very high values, flagged in the pixel mask.
    peaks : tuple of (int, int)
        Position of the single-pixel marker peak of each frame (one per frame).
    peak_value : int
        Value of every marker peak.
    """

    path: str
    signal_path: str
    mask_path: str
    shape: tuple[int, int, int]
    gap_value: int
    hot_pixels: tuple[tuple[int, int], ...]
    peaks: tuple[tuple[int, int], ...]
    peak_value: int


def make_gap_mask(
    shape: tuple[int, int],
    module: tuple[int, int] = (514, 1030),
    gap: tuple[int, int] = (37, 10),
) -> npt.NDArray[np.bool_]:
    """Return True on the gaps between detector modules.

    Parameters
    ----------
    shape : (int, int)
        Frame shape.
    module, gap : (int, int)
        Module size and gap size in pixels (rows, columns). The defaults are Eiger's.
    """
    mask = np.zeros(shape, dtype=bool)
    for axis in (0, 1):
        start = module[axis]
        while start < shape[axis]:
            index = [slice(None), slice(None)]
            index[axis] = slice(start, start + gap[axis])
            mask[tuple(index)] = True
            start += module[axis] + gap[axis]
    return mask


def make_mean_image(shape: tuple[int, int]) -> npt.NDArray[np.float32]:
    """Expected counts of a powder pattern: air scatter, six rings and a beam stop."""
    h, w = shape
    size = max(h, w)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    r = np.hypot(yy - h * 0.52, xx - w * 0.47)
    lam = 0.3 + 4.0 * np.exp(-r / (0.25 * size))
    for radius, amplitude, width in [
        (0.10, 60, 2.5),
        (0.16, 25, 3.0),
        (0.22, 120, 2.0),
        (0.31, 15, 4.0),
        (0.38, 40, 3.0),
        (0.45, 8, 5.0),
    ]:
        lam += amplitude * np.exp(-0.5 * ((r - radius * size) / max(width, size / 400)) ** 2)
    lam[r < 0.02 * size] = 0.0
    image: npt.NDArray[np.float32] = lam.astype(np.float32)
    return image


def get_peak_position(index: int, gaps: npt.NDArray[np.bool_]) -> tuple[int, int]:
    """Position of the single-pixel marker peak of frame `index`, never in a gap.

    The peak moves along a diagonal; positions in a gap move on to the next pixel.
    """
    h, w = gaps.shape
    flat = (5 + (7 * index) % max(h - 10, 1)) * w + 3 + (11 * index) % max(w - 6, 1)
    while gaps.flat[flat % gaps.size]:
        flat += 1
    flat %= gaps.size
    return (flat // w, flat % w)


def iter_eiger_frames(
    shape: tuple[int, int],
    n_frames: int,
    *,
    gaps: npt.NDArray[np.bool_],
    hot: tuple[tuple[int, int], ...],
    peak_value: int,
    seed: int = 0,
    n_noise: int = 4,
) -> Iterator[npt.NDArray[np.uint32]]:
    """Yield uint32 frames: Poisson noise, hot pixels, one marker peak, gaps at 2**32-1.

    Only `n_noise` noise realisations are drawn (Poisson sampling of a 16M frame takes
    about a second); each frame scales one of them and moves its marker peak.
    """
    rng = np.random.default_rng(seed)
    lam = make_mean_image(shape)
    noise = [rng.poisson(lam).astype(np.uint32) for _ in range(min(n_noise, n_frames))]
    hot_values = rng.integers(100_000, 1_000_000, len(hot)).astype(np.uint32)
    gap_value = np.iinfo(np.uint32).max
    for i in range(n_frames):
        frame = noise[i % len(noise)] * np.uint32(1 + i % 3)
        for (y, x), value in zip(hot, hot_values, strict=True):
            frame[y, x] = value
        frame[get_peak_position(i, gaps)] = peak_value
        frame[gaps] = gap_value
        yield frame


def write_eiger_stack(
    path: str | os.PathLike[str],
    *,
    shape: tuple[int, int] = EIGER_4M,
    n_frames: int = 10,
    compression: str | None = "bslz4",
    module: tuple[int, int] = (514, 1030),
    gap: tuple[int, int] = (37, 10),
    n_hot: int = 20,
    peak_value: int = 50_000,
    seed: int = 0,
    wavelength: float = 0.9763,
) -> StackInfo:
    """Write an NXmx-like Eiger stack: NXroot -> NXentry -> NXdata, with a pixel mask.

    Parameters
    ----------
    path : str or PathLike
        File to create (overwritten).
    shape : (int, int)
        Frame shape; :data:`EIGER_4M` and :data:`EIGER_16M` are the real ones.
    n_frames : int
        Number of frames, one HDF5 chunk each.
    compression : {"bslz4", None}
        Bitshuffle-LZ4 through hdf5plugin (as Dectris writes), or no compression.
    module, gap : (int, int)
        Module and gap sizes; shrink them for small test frames.
    n_hot : int
        Hot pixels, with values between 1e5 and 1e6, flagged in the pixel mask.
    peak_value : int
        Value of the single-pixel marker peak written in every frame.
    seed : int
        Seed of the noise and of the hot pixel positions.
    wavelength : float
        The beam's wavelength (angstrom), in the NXbeam.

    Returns
    -------
    StackInfo
        Paths and ground truth.
    """
    path = os.fspath(path)
    rng = np.random.default_rng(seed + 1)
    gaps = make_gap_mask(shape, module, gap)
    hot_list: list[tuple[int, int]] = []
    while len(hot_list) < n_hot:
        y, x = int(rng.integers(0, shape[0])), int(rng.integers(0, shape[1]))
        if not gaps[y, x] and (y, x) not in hot_list:
            hot_list.append((y, x))
    hot = tuple(hot_list)
    mask = gaps.astype(np.uint32) * MASK_GAP
    for y, x in hot:
        mask[y, x] = MASK_HOT
    filters: dict[str, Any] = dict(hdf5plugin.Bitshuffle(cname="lz4")) if compression else {}
    if compression not in ("bslz4", None):
        raise ValueError(f"unknown compression {compression!r}")
    with h5py.File(path, "w") as f:
        nxwrite.root(f, creator="panhub_nexus.synthetic", default="entry")
        entry = nxwrite.group(f, "entry", "NXentry", default="data")
        nxwrite.field(entry, "definition", "NXmx")
        nxwrite.field(entry, "title", f"synthetic Eiger {shape[0]}x{shape[1]} powder scan")
        instrument = nxwrite.group(entry, "instrument", "NXinstrument")
        detector = nxwrite.group(instrument, "detector", "NXdetector")
        nxwrite.field(detector, "description", "Dectris EIGER2 (synthetic)")
        detector.create_dataset("pixel_mask", data=mask, chunks=shape, **filters)
        data = nxwrite.data(entry, "data", signal="data", axes=["omega", "y", "x"])
        dset = data.create_dataset(
            "data", shape=(n_frames, *shape), dtype=np.uint32, chunks=(1, *shape), **filters
        )
        dset.attrs["interpretation"] = "image"
        dset.attrs["long_name"] = "counts"
        frames = iter_eiger_frames(
            shape, n_frames, gaps=gaps, hot=hot, peak_value=peak_value, seed=seed
        )
        for i, frame in enumerate(frames):
            dset.write_direct(frame, dest_sel=np.s_[i])
        omega = np.linspace(0.0, 0.1 * n_frames, n_frames)
        nxwrite.field(data, "omega", omega, "deg")
        nxwrite.field(data, "y", np.arange(shape[0]) * PIXEL_MM, "mm")
        nxwrite.field(data, "x", np.arange(shape[1]) * PIXEL_MM, "mm")
        nxwrite.link(detector, "data", dset)
        write_nxmx_geometry(
            entry,
            shape=shape,
            pixel_size=PIXEL_MM,
            distance=120.0,
            beam_centre=(shape[1] / 2, shape[0] / 2),
            wavelength=wavelength,
            omega=omega,
        )
    return StackInfo(
        path=path,
        signal_path="/entry/data/data",
        mask_path="/entry/instrument/detector/pixel_mask",
        shape=(n_frames, *shape),
        gap_value=int(np.iinfo(np.uint32).max),
        hot_pixels=hot,
        peaks=tuple(get_peak_position(i, gaps) for i in range(n_frames)),
        peak_value=peak_value,
    )


def make_spectrum(n_points: int) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Return ``(q, intensity)`` of an integrated powder pattern with two Bragg peaks."""
    q = np.linspace(0.1, 40.0, n_points)
    intensity = (
        100.0
        + 1e4 * np.exp(-0.5 * ((q - 12.0) / 0.1) ** 2)
        + 5e3 * np.exp(-0.5 * ((q - 19.0) / 0.12) ** 2)
    )
    return q, intensity


def write_spectrum(
    path: str | os.PathLike[str],
    *,
    n_points: int = 3000,
    log_scale: bool = False,
    mode: str = "w",
) -> str:
    """Write a reduced 1D pattern as NXcanSAS: ``I(Q)`` with errors and a background.

    The NXdata holds ``I`` against ``Q`` (NXcanSAS's names, ``@I_axes``), its errors as
    both ``Idev`` (NXcanSAS's ``@uncertainties``) and ``I_errors`` (NeXus's
    ``<signal>_errors``), and an auxiliary signal ``I_background``.

    Parameters
    ----------
    path : str or PathLike
        File to write.
    n_points : int
        Number of points.
    log_scale : bool
        Add a ``SILX_style`` hint asking for a logarithmic signal axis.
    mode : str
        h5py file mode; ``"a"`` adds the entry ``/spectrum`` to an existing file.

    Returns
    -------
    str
        HDF5 path of the NXdata group.
    """
    q, intensity = make_spectrum(n_points)
    with h5py.File(os.fspath(path), mode) as f:
        name = "entry" if mode == "w" else "spectrum"
        if mode == "w":
            nxwrite.root(f, creator="panhub_nexus.synthetic", default=name)
        entry = nxwrite.group(f, name, "NXentry", default="integrated", version="1.1")
        nxwrite.set_attrs(entry, canSAS_class="SASentry")
        nxwrite.field(entry, "definition", "NXcanSAS")
        nxwrite.field(entry, "title", "azimuthal integration")
        nxwrite.field(entry, "run", "synthetic-0001")
        spec = nxwrite.data(
            entry,
            "integrated",
            signal="I",
            axes=["Q"],
            I_axes="Q",
            auxiliary_signals=["I_background"],
            canSAS_class="SASdata",
        )
        if log_scale:
            spec.attrs["SILX_style"] = '{"signal_scale_type": "log"}'
        nxwrite.field(spec, "Q", q, "1/nm")
        signal = nxwrite.field(spec, "I", intensity, "counts", attrs={"uncertainties": "Idev"})
        nxwrite.field(spec, "Idev", np.sqrt(intensity), "counts")
        nxwrite.field(spec, "I_errors", np.sqrt(intensity), "counts")
        nxwrite.field(spec, "I_background", np.full_like(intensity, 100.0), "counts")
        return signal.parent.name or ""
