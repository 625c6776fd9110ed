"""The state of one viewer: an open file, the node shown, and the last frame read.

:class:`ViewerSession` is what the widget drives; it holds no UI code, so every
behaviour of the widget can be tested here with plain calls.
"""

from __future__ import annotations

import dataclasses
import os
from typing import Any

import h5py
import numpy as np
import numpy.typing as npt

from panhub_nexus.core.analysis import RoiStats, get_line_profile, get_pixel, get_roi_stats
from panhub_nexus.core.axes import read_axis_values
from panhub_nexus.core.curves import CurveData, read_curve
from panhub_nexus.core.files import ViewerError, describe_read_error, open_file
from panhub_nexus.core.frames import FrameReader, read_image
from panhub_nexus.core.links import get_link
from panhub_nexus.core.locate import PlotSpec, find_pixel_mask, find_plot
from panhub_nexus.core.render import DisplaySettings, Region, RenderedImage, render
from panhub_nexus.core.tree import NodeInfo, get_attributes, list_children

MAX_TEXT = 2000
"""Characters of a string or raw dataset shown as text."""


def get_linear_range(axis: h5py.Dataset, n: int) -> tuple[float, float] | None:
    """Values of an evenly spaced axis at the first and last of `n` pixel centres."""
    values = read_axis_values(axis, n)
    if values is None:
        return None
    if values.shape[0] == n + 1:
        values = (values[:-1] + values[1:]) / 2
    if n < 2 or not np.isfinite(values).all():
        return None
    first, last = float(values[0]), float(values[-1])
    tolerance = 1e-6 * max(abs(last - first), abs(first), 1e-300)
    if np.abs(values - np.linspace(first, last, n)).max() > tolerance:
        return None
    return first, last


@dataclasses.dataclass(frozen=True)
class Profile:
    """A line profile: endpoints ``(y, x)``, distance along the line and values."""

    start: tuple[float, float]
    end: tuple[float, float]
    distance: npt.NDArray[np.float64]
    values: npt.NDArray[np.float64]


class ViewerSession:
    """One file (or h5py object) and what is shown of it.

    Parameters
    ----------
    source : str, PathLike, h5py.File, h5py.Group or h5py.Dataset
        A path is opened read-only without locking and owned by the session; an
        h5py object is used as is (and not closed by the session).
    """

    def __init__(self, source: str | os.PathLike[str] | h5py.HLObject) -> None:
        if isinstance(source, h5py.HLObject):
            self._owns_file = False
            self.path = str(source.file.filename)
            self.start = str(source.name)
            self.file: h5py.File = source.file
        else:
            self._owns_file = True
            self.path = os.fspath(source)
            self.start = "/"
            self.file = open_file(self.path)
        self.node = ""
        self.spec = PlotSpec(kind="none")
        self.reader: FrameReader | None = None
        self.mask_path = ""

    def close(self) -> None:
        """Close the file if the session opened it."""
        self.reader = None
        if self._owns_file and self.file.id.valid:
            self.file.close()

    def refresh(self) -> PlotSpec:
        """Reopen the file (it may still be written) and show the same node again."""
        if self._owns_file:
            self.close()
            self.file = open_file(self.path)
        elif self.reader is not None:
            self.reader.refresh()
        return self.select(self.node or self.start)

    def children(self, path: str = "/", offset: int = 0) -> tuple[list[NodeInfo], int]:
        """One level of the tree (see :func:`panhub_nexus.core.tree.list_children`)."""
        return list_children(self.file, path, offset=offset)

    def attributes(self, path: str) -> dict[str, str]:
        """Attributes of node `path` as short texts."""
        obj = self.file[path]
        return get_attributes(obj) if isinstance(obj, h5py.Group | h5py.Dataset) else {}

    def select(self, path: str, *, load_mask: bool = True) -> PlotSpec:
        """Show node `path`: find the plot, open a frame reader for images.

        Parameters
        ----------
        path : str
            Node to show.
        load_mask : bool
            Read the NXdetector pixel mask now. False defers it to :meth:`load_mask`
            (a 16M mask is another 72 MB to decompress): the first image then hides
            gap values only, and the widget re-renders once the mask is applied.
        """
        if get_link(self.file, path) is None and path != "/":
            raise ViewerError(f"cannot open {path}: no such node in {os.path.basename(self.path)}")
        spec = find_plot(self.file, path)
        self.node, self.spec, self.reader, self.mask_path = path, spec, None, ""
        if spec.kind == "image":
            signal = self.file[spec.signal]
            self.reader = FrameReader(signal)
            self.mask_path = find_pixel_mask(self.file, spec.signal, signal.shape[-2:])
            if load_mask:
                self.load_mask()
        return spec

    def load_mask(self) -> bool:
        """Read the pixel mask found by :meth:`select` and apply it to later frames.

        Returns
        -------
        bool
            True if a mask was applied.
        """
        reader = self.reader
        if reader is None or not self.mask_path:
            return False
        mask = self._read_mask(self.mask_path)
        if mask is None:
            return False
        reader.set_mask(mask)
        return True

    def _read_mask(self, path: str) -> npt.NDArray[Any] | None:
        try:
            return read_image(self.file[path])
        except (OSError, ValueError, RuntimeError):
            return None  # an unreadable mask must not hide the data

    @property
    def n_frames(self) -> int:
        """Frames of the current node (1 if it has no frame index)."""
        if self.reader is not None:
            return self.reader.n_frames
        return self.spec.n_frames

    def get_frame(self, index: int) -> npt.NDArray[Any]:
        """Prepared full-resolution frame `index` of the current image node."""
        if self.reader is None:
            raise ViewerError(f"{self.node or 'this node'} is not an image")
        return self.reader.read(index)

    def render(
        self,
        index: int,
        settings: DisplaySettings,
        display_shape: tuple[int, int],
        region: Region | None = None,
    ) -> RenderedImage:
        """Image update for frame `index` (see :func:`panhub_nexus.core.render.render`)."""
        frame = self.get_frame(index)
        assert self.reader is not None
        return render(frame, self.reader.validity, settings, display_shape, region)

    def image_axes(self) -> list[tuple[float, float] | None]:
        """``(first, last)`` values of each image axis ``(y, x)`` at pixel centres.

        None for an axis that is absent, unreadable or not evenly spaced (the front
        end then labels pixel indices). Histogram edges (N+1 values) give centres.
        """
        if self.spec.kind != "image" or self.reader is None:
            return []
        out: list[tuple[float, float] | None] = []
        for path, n in zip(self.spec.axes, self.reader.frame_shape, strict=False):
            out.append(get_linear_range(self.file[path], n) if path else None)
        return out + [None] * (2 - len(out))

    def frame_axes(self, max_values: int = 10_000) -> list[dict[str, Any]]:
        """Label and values of the axis of each leading dim (the frame selectors).

        ``values`` is empty where the dim has no axis, or more than `max_values` points
        (a selector then shows the index).
        """
        spec = self.spec
        out: list[dict[str, Any]] = []
        for path, label, n in zip(spec.frame_axes, spec.frame_labels, spec.frame_shape,
                                  strict=True):  # fmt: skip
            values = read_axis_values(self.file[path], n) if path and n <= max_values else None
            out.append({"label": label, "values": [] if values is None else values.tolist()})
        return out

    def curve(
        self, index: int = 0, window: tuple[int, int] | None = None, n_bins: int = 2048
    ) -> CurveData:
        """Curve update for row `index` of the current curve node."""
        spec = self.spec
        if spec.kind != "curve":
            raise ViewerError(f"{self.node or 'this node'} is not a curve")
        signal = self.file[spec.signal]
        lead = tuple(int(i) for i in np.unravel_index(index, spec.frame_shape)) if (
            spec.frame_shape) else ()  # fmt: skip
        axis: h5py.Dataset | npt.NDArray[np.float64] | None = None
        if spec.axes and spec.axes[0]:
            axis = self.file[spec.axes[0]]
            if axis.shape == signal.shape and axis.ndim > 1:  # coordinates of each point
                axis = np.asarray(axis[lead], dtype=np.float64)
            elif axis.ndim > 1:  # a grid: its line along the curve
                axis = read_axis_values(axis, int(signal.shape[-1]))
        return read_curve(
            signal,
            axis=axis,
            errors=self.file[spec.errors] if spec.errors else None,
            x_errors=self.file[spec.axis_errors] if spec.axis_errors else None,
            auxiliary=tuple(self.file[a] for a in spec.auxiliary),
            frame=lead,
            window=window,
            n_bins=n_bins,
        )

    def text(self) -> str:
        """The value of a scalar or string node, as text (truncated)."""
        dset = self.file[self.spec.signal]
        try:
            if dset.dtype.kind == "O" or h5py.check_string_dtype(dset.dtype):
                value: Any = dset.asstr()[()] if dset.shape is not None else ""
            elif dset.size > 1000:
                value = dset[tuple(slice(0, 10) for _ in dset.shape)]
            else:
                value = dset[()]
        except (OSError, ValueError, RuntimeError, TypeError) as exc:
            raise ViewerError(describe_read_error(dset, exc)) from exc
        if isinstance(value, np.ndarray):
            text = np.array2string(value, threshold=200)
        elif isinstance(value, bytes):
            text = value.decode("utf-8", "replace")
        else:
            text = str(value)
        return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"

    def pixel(self, index: int, y: int, x: int) -> float | None:
        """Value of pixel ``(y, x)`` of frame `index`; None if invalid or outside."""
        frame = self.get_frame(index)
        assert self.reader is not None
        return get_pixel(frame, self.reader.validity, y, x)

    def roi(self, index: int, region: Region) -> RoiStats:
        """Statistics of a rectangle of frame `index` (valid pixels only)."""
        frame = self.get_frame(index)
        assert self.reader is not None
        return get_roi_stats(frame, self.reader.validity, region)

    def profile(self, index: int, start: tuple[float, float], end: tuple[float, float]) -> Profile:
        """Line profile of frame `index` from `start` to `end` (``(y, x)``)."""
        frame = self.get_frame(index)
        assert self.reader is not None
        distance, values = get_line_profile(frame, self.reader.validity, start, end)
        return Profile(start, end, distance, values)
