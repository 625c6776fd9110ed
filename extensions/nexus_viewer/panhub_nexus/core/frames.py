"""Read one frame at a time into a reused buffer, with invalid pixels marked.

A *prepared* frame marks every invalid pixel (detector gap values and the
NXdetector pixel mask) in a way that survives max-pooling:

* unsigned integers are viewed as (or widened to) signed integers, so that the
  gap value ``2**N - 1`` becomes ``-1``: validity is ``value >= 0`` (``nonneg``);
* signed integers use ``iinfo.min`` as the marker (``not_min``);
* floats (and ``|z|`` of complex data) use NaN; validity is ``isfinite`` (``finite``).
"""

from __future__ import annotations

import contextlib
import dataclasses
from typing import Any, Literal

import h5py
import numpy as np
import numpy.typing as npt

from panhub_nexus.core.decode import ChunkDecoder, is_bitshuffle_frames
from panhub_nexus.core.files import ViewerError, describe_read_error

Validity = Literal["nonneg", "not_min", "finite"]
Array = npt.NDArray[Any]


@dataclasses.dataclass(frozen=True)
class MaskPlan:
    """A pixel mask split into full rows, full columns and scattered pixels.

    Detector gaps are whole rows and columns: writing them as slices is a memset,
    much faster than fancy indexing a million pixels.
    """

    rows: tuple[tuple[int, int], ...]
    columns: tuple[tuple[int, int], ...]
    pixels: npt.NDArray[np.intp]

    @property
    def is_empty(self) -> bool:
        """True when the mask masks nothing."""
        return not self.rows and not self.columns and self.pixels.size == 0


def _runs(flags: npt.NDArray[np.bool_]) -> tuple[tuple[int, int], ...]:
    padded = np.concatenate(([False], flags, [False])).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    return tuple((int(a), int(b)) for a, b in zip(edges[::2], edges[1::2], strict=True))


def make_mask_plan(mask: npt.NDArray[Any]) -> MaskPlan:
    """Build a :class:`MaskPlan` from a 2D mask (non-zero = masked)."""
    mask = np.asarray(mask)
    full_rows = mask.min(axis=1) != 0 if mask.dtype.kind in "ub" else (mask != 0).all(axis=1)
    full_cols = mask.min(axis=0) != 0 if mask.dtype.kind in "ub" else (mask != 0).all(axis=0)
    rest = mask != 0
    rest[full_rows] = False
    rest[:, full_cols] = False
    return MaskPlan(_runs(full_rows), _runs(full_cols), np.flatnonzero(rest))


def apply_mask_plan(frame: Array, plan: MaskPlan, marker: float | int) -> None:
    """Write `marker` on the masked pixels of `frame` in place."""
    for start, stop in plan.rows:
        frame[start:stop] = marker
    for start, stop in plan.columns:
        frame[:, start:stop] = marker
    if plan.pixels.size:
        frame.reshape(-1)[plan.pixels] = marker


def get_validity(dtype: np.dtype[Any]) -> Validity:
    """Validity rule of prepared frames read from a dataset of `dtype`."""
    if dtype.kind in "ub":
        return "nonneg"
    if dtype.kind == "i":
        return "not_min"
    return "finite"


def get_marker(validity: Validity, dtype: np.dtype[Any]) -> float | int:
    """Value that marks an invalid pixel in a prepared frame of `dtype`."""
    if validity == "nonneg":
        return -1
    if validity == "not_min":
        return int(np.iinfo(dtype).min)
    return float("nan")


def get_valid(a: Array, validity: Validity) -> npt.NDArray[np.bool_]:
    """Boolean array, True where `a` (a prepared frame or a pooled one) is valid."""
    if validity == "nonneg":
        return np.greater_equal(a, 0)
    if validity == "not_min":
        return np.not_equal(a, np.iinfo(a.dtype).min)
    return np.isfinite(a)


def prepare(raw: Array, plan: MaskPlan | None) -> Array:
    """Turn a frame as read into a prepared frame (in place when possible)."""
    kind, size = raw.dtype.kind, raw.dtype.itemsize
    if kind == "b":
        raw = raw.view(np.uint8)
        kind = "u"
    if kind == "u" and size >= 4:
        out = raw.view(np.dtype(f"i{size}"))  # 2**N - 1 -> -1, no copy
    elif kind == "u":
        out = raw.astype(np.int32)
        out[raw == np.iinfo(raw.dtype).max] = -1
    elif kind == "i":
        out = raw
        out[out == np.iinfo(out.dtype).max] = np.iinfo(out.dtype).min
    elif kind == "c":
        out = np.abs(raw)
    elif kind == "f" and size < 4:
        out = raw.astype(np.float32)
    elif kind == "f":
        out = raw
    else:
        raise ViewerError(f"cannot show {raw.dtype} data as an image")
    if plan is not None and not plan.is_empty:
        apply_mask_plan(out, plan, get_marker(get_validity(raw.dtype), out.dtype))
    return out


def read_image(dataset: h5py.Dataset) -> Array:
    """Read a whole 2D dataset, such as a pixel mask.

    A mask stored as one bitshuffle-LZ4 chunk (as Dectris writes it) is decoded from
    the chunk on two threads, like the frames: 3 to 5 times faster than HDF5's
    filter pipeline (a 16M mask: about 15 ms instead of 50 to 90 ms).

    Raises
    ------
    OSError, ValueError, RuntimeError
        As ``dataset[()]`` when the chunk cannot be decoded directly.
    """
    if dataset.ndim == 2 and is_bitshuffle_frames(dataset):
        out = np.empty(dataset.shape, dtype=dataset.dtype)
        if ChunkDecoder(dataset).decode((), out):
            return out
    return np.asarray(dataset[()])


class FrameReader:
    """Read frames of an N-D dataset (N >= 2) one at a time, reusing one buffer.

    Parameters
    ----------
    dataset : h5py.Dataset
        The signal; its last two dims are the frame.
    mask : array, optional
        Pixel mask with the frame's shape (non-zero = masked).

    Notes
    -----
    Memory stays at one raw frame plus, for narrow or complex types, one converted
    frame, whatever the number of frames. Bitshuffle-LZ4 frames stored one per chunk
    (as Dectris writes them) are decoded from the chunk on two threads
    (:mod:`panhub_nexus.core.decode`); other layouts use ``read_direct`` on whole
    frames: strided HDF5 selections are 10 to 500 times slower.
    """

    def __init__(self, dataset: h5py.Dataset, mask: Array | None = None) -> None:
        if dataset.ndim < 2:
            raise ViewerError(f"{dataset.name} has {dataset.ndim} dims, not an image")
        self.dataset = dataset
        self.validity: Validity = get_validity(dataset.dtype)
        self.frame_shape: tuple[int, int] = (int(dataset.shape[-2]), int(dataset.shape[-1]))
        self.plan = make_mask_plan(mask) if mask is not None else None
        self.decoder = ChunkDecoder(dataset) if is_bitshuffle_frames(dataset) else None
        self._buffer = np.empty(self.frame_shape, dtype=dataset.dtype)
        self.index = -1
        self.frame: Array | None = None

    @property
    def lead_shape(self) -> tuple[int, ...]:
        """Shape of the dims indexed by the frame number."""
        return tuple(int(n) for n in self.dataset.shape[:-2])

    @property
    def n_frames(self) -> int:
        """Number of frames (1 for a 2D dataset)."""
        return int(np.prod(self.lead_shape)) if self.lead_shape else 1

    def refresh(self) -> None:
        """Re-read the dataset shape (the file may still be written) and drop the cache."""
        # A file not opened in SWMR mode cannot refresh: its shape was read at open.
        with contextlib.suppress(ValueError, OSError, RuntimeError):
            self.dataset.refresh()
        self.index = -1
        self.frame = None

    def set_mask(self, mask: Array | None) -> None:
        """Apply `mask` (non-zero = masked) to the frames read from now on."""
        self.plan = make_mask_plan(mask) if mask is not None else None
        self.index, self.frame = -1, None

    def make_buffer(self) -> Array:
        """A new raw-frame buffer for :meth:`read_into`."""
        return np.empty(self.frame_shape, dtype=self.dataset.dtype)

    def read_into(self, index: int, buffer: Array) -> Array:
        """Read frame `index` into `buffer` and return it prepared (may share memory).

        Raises
        ------
        ViewerError
            If the index is out of range or the data cannot be decoded.
        """
        if not 0 <= index < self.n_frames:
            raise ViewerError(f"frame {index} out of range 0..{self.n_frames - 1}")
        lead = np.unravel_index(index, self.lead_shape) if self.lead_shape else ()
        selection = tuple(int(i) for i in lead)
        if self.decoder is not None and self.decoder.decode(selection, buffer):
            return prepare(buffer, self.plan)
        try:
            self.dataset.read_direct(buffer, source_sel=selection)
        except (OSError, ValueError, RuntimeError, TypeError) as exc:
            raise ViewerError(describe_read_error(self.dataset, exc)) from exc
        return prepare(buffer, self.plan)

    def read(self, index: int) -> Array:
        """Return prepared frame `index`, cached until another frame is read.

        Raises
        ------
        ViewerError
            If the index is out of range or the data cannot be decoded.
        """
        if index == self.index and self.frame is not None:
            return self.frame
        self.index, self.frame = -1, None
        self.frame = self.read_into(index, self._buffer)
        self.index = index
        return self.frame
