"""Spot finding on rotation images with scipy.ndimage, and what the spots tell.

The steps of the MX template (``notebooks/mx/01-find-spots.ipynb``), as pure functions:
read the detector geometry an NXmx entry gives (:func:`read_geometry`), find the
pixels that stand out from their local background (:func:`find_strong_pixels`), group
them into spots over neighbouring pixels and frames and measure each spot's centroid
and summed intensity (:func:`find_spots`), turn positions into resolutions
(:meth:`DetectorGeometry.resolution`) and estimate the resolution limit from the
strong spots (:func:`estimate_resolution`). This is what a spot finder such as DIALS'
``dials.find_spots`` does first; it does not index the spots, refine the geometry or
integrate reflections.

Conventions: pixel ``(row, column)`` has its centre at ``(y, x) = (row, column)``
(scipy's centre of mass); a spot's frame is the intensity-weighted mean frame index.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import h5py
import numpy as np
import numpy.typing as npt
from scipy import ndimage  # type: ignore[import-untyped]

from panhub_nexus import nxwrite
from panhub_nexus.inputs import InputError, require

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
PIXEL_UNITS = ("pixel", "pixels", "px")


@dataclasses.dataclass(frozen=True)
class DetectorGeometry:
    """A flat detector normal to the beam.

    Attributes
    ----------
    shape : (int, int)
        Frame shape (rows, columns).
    pixel_size, distance : float
        mm.
    beam_centre : (float, float)
        (x, y) = (column, row) where the direct beam hits, pixels.
    wavelength : float
        Å.
    """

    shape: tuple[int, int]
    pixel_size: float
    distance: float
    beam_centre: tuple[float, float]
    wavelength: float

    def resolution(self, x: npt.ArrayLike, y: npt.ArrayLike) -> FloatArray:
        """Resolution d = λ / (2 sin θ) (Å) at detector positions (column x, row y)."""
        radius = self.pixel_size * np.hypot(
            np.asarray(x, dtype=float) - self.beam_centre[0],
            np.asarray(y, dtype=float) - self.beam_centre[1],
        )
        theta = 0.5 * np.arctan2(radius, self.distance)
        with np.errstate(divide="ignore"):
            return np.asarray(self.wavelength / (2.0 * np.sin(theta)), dtype=float)

    def corner_resolution(self) -> float:
        """The highest resolution the detector reaches (its farthest corner), Å."""
        rows, cols = self.shape
        corners = np.array([[0, 0], [0, rows - 1], [cols - 1, 0], [cols - 1, rows - 1]])
        return float(self.resolution(corners[:, 0], corners[:, 1]).min())


def _find_class(group: h5py.Group, nx_class: str) -> h5py.Group | None:
    for node in group.values():
        if isinstance(node, h5py.Group) and node.attrs.get("NX_class") in (
            nx_class,
            nx_class.encode(),
        ):
            return node
    return None


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def read_beam_centre(detector: h5py.Group, pixel_size: float) -> tuple[float, float]:
    """``beam_center_x/y`` in pixels, whether written in pixels or in a length unit."""
    centre = []
    for axis in ("x", "y"):
        name = f"beam_center_{axis}"
        node = detector.get(name)
        if isinstance(node, h5py.Dataset) and _text(node.attrs.get("units", "")) in PIXEL_UNITS:
            centre.append(float(node[()]))
        else:
            value = require(detector, name, "mm", what="where the direct beam hits the detector")
            centre.append(float(value) / pixel_size)
    return centre[0], centre[1]


def read_geometry(entry: h5py.Group, detector: str = "instrument/detector") -> DetectorGeometry:
    """The geometry spot positions need, from an NXmx entry, or an InputError.

    Reads the frame shape (``data``), the pixel size (the NXdetector_module's
    ``fast_pixel_direction`` and ``slow_pixel_direction``, which must be equal), the
    ``distance``, ``beam_center_x/y`` and the beam's ``incident_wavelength``, and checks
    that the pixel directions are normal to the beam (the only case handled here).
    """
    det = entry.get(detector)
    if not isinstance(det, h5py.Group):
        raise InputError(f"{entry.name}/{detector} is missing: this template needs the detector")
    data = det.get("data")
    if not isinstance(data, h5py.Dataset) or data.ndim != 3:
        raise InputError(
            f"{det.name}/data must be a stack of images (frames, rows, columns): "
            "give an NXmx rotation series"
        )
    module = _find_class(det, "NXdetector_module")
    if module is None:
        raise InputError(f"{det.name} has no NXdetector_module: the pixel size is unknown")
    sizes = []
    for name in ("fast_pixel_direction", "slow_pixel_direction"):
        size = float(require(module, name, "mm", what="the pixel size"))
        vector = np.asarray(module[name].attrs.get("vector", [0.0, 0.0, 0.0]), dtype=float)
        if abs(vector[2]) > 1e-6 * max(float(np.linalg.norm(vector)), 1.0):
            raise InputError(
                f"{module.name}/{name} is not normal to the beam: this template handles "
                "only a detector normal to the beam (no two-theta offset)"
            )
        sizes.append(size)
    if not np.isclose(sizes[0], sizes[1], rtol=1e-6):
        raise InputError(f"{module.name}: pixels are not square ({sizes}): not handled here")
    distance = float(require(det, "distance", "mm", what="the sample-detector distance"))
    beam = _find_class(entry["instrument"], "NXbeam") if "instrument" in entry else None
    if beam is None:
        raise InputError(f"{entry.name}/instrument has no NXbeam: the wavelength is unknown")
    wavelength = float(require(beam, "incident_wavelength", "angstrom", what="the wavelength"))
    shape = (int(data.shape[1]), int(data.shape[2]))
    return DetectorGeometry(shape, sizes[0], distance, read_beam_centre(det, sizes[0]), wavelength)


def find_strong_pixels(
    image: npt.NDArray[Any], bad: BoolArray, *, window: int = 15, n_sigma: float = 5.0
) -> tuple[BoolArray, npt.NDArray[np.float32]]:
    """Pixels more than ``n_sigma`` Poisson sigmas above their local background.

    The background is the mean of the good pixels in a ``window`` x ``window`` box,
    computed twice: the second time without the pixels (and their neighbours) that
    stood out the first time, so that bright spots do not raise their own background.

    Returns
    -------
    strong, background
        A boolean image and the background image (counts per pixel).
    """
    values = np.where(bad, 0.0, image).astype(np.float32)
    use = (~bad).astype(np.float32)
    strong = np.zeros(image.shape, dtype=bool)
    background = np.zeros(image.shape, dtype=np.float32)
    for _ in range(2):
        keep = use * ~ndimage.binary_dilation(strong, iterations=2)
        total = ndimage.uniform_filter(values * keep, window, mode="constant")
        count = ndimage.uniform_filter(keep, window, mode="constant")
        background = total / np.maximum(count, 1e-6)
        noise = np.sqrt(np.maximum(background, 1.0))
        strong = ~bad & (values > background + n_sigma * noise)
    return strong, background


@dataclasses.dataclass(frozen=True, eq=False)
class SpotList:
    """Spots found, one row each: centroid, frame, summed intensity and its variance.

    ``bbox`` is NXreflections' ``bounding_box`` (x0, x1, y0, y1, frame0, frame1, with
    exclusive upper bounds); ``near_mask`` is True when the box (grown by one pixel)
    touches a masked pixel or the detector's edge.
    """

    x: FloatArray
    y: FloatArray
    frame: FloatArray
    intensity: FloatArray
    variance: FloatArray
    background: FloatArray
    n_pixels: npt.NDArray[np.int64]
    bbox: npt.NDArray[np.int64]
    near_mask: BoolArray

    def __len__(self) -> int:
        return len(self.x)

    @property
    def i_over_sigma(self) -> FloatArray:
        """Summed intensity over its standard deviation."""
        return np.asarray(self.intensity / np.sqrt(np.maximum(self.variance, 1e-12)))

    def shift_frames(self, first: int) -> SpotList:
        """The same spots, their frames counted from ``first`` (a wedge's first frame)."""
        bbox = self.bbox + np.array([0, 0, 0, 0, first, first])
        return dataclasses.replace(self, frame=self.frame + first, bbox=bbox)

    def select(self, keep: BoolArray) -> SpotList:
        """The spots where ``keep`` is True."""
        return SpotList(**{f.name: getattr(self, f.name)[keep] for f in dataclasses.fields(self)})


CONNECTIVITY = np.zeros((3, 3, 3), dtype=bool)
CONNECTIVITY[1] = True  # 8 neighbours in a frame
CONNECTIVITY[0, 1, 1] = CONNECTIVITY[2, 1, 1] = True  # the same pixel on the next frames


def find_spots(
    images: npt.NDArray[Any],
    bad: BoolArray,
    *,
    window: int = 15,
    n_sigma: float = 5.0,
    min_pixels: int = 3,
) -> SpotList:
    """Find spots in a stack of frames: strong pixels, grouped, measured.

    Strong pixels (:func:`find_strong_pixels`, frame by frame) are grouped with
    :func:`scipy.ndimage.label` over neighbouring pixels and frames; groups of fewer
    than ``min_pixels`` pixels (hot pixels that escaped the mask, cosmic rays) are
    dropped. Each spot is measured on its pixels plus a one-pixel rim in its frames:
    centroid (:func:`scipy.ndimage.center_of_mass` of the background-subtracted counts),
    summed intensity, and its Poisson variance (the sum of the raw counts).
    """
    strong = np.zeros(images.shape, dtype=bool)
    background = np.zeros(images.shape, dtype=np.float32)
    for k, image in enumerate(images):
        strong[k], background[k] = find_strong_pixels(image, bad, window=window, n_sigma=n_sigma)
    labels, n = ndimage.label(strong, structure=CONNECTIVITY)
    index = np.arange(1, n + 1)
    sizes = np.asarray(ndimage.sum_labels(strong, labels, index), dtype=np.int64)
    keep = index[sizes >= min_pixels]
    lookup = np.zeros(n + 1, dtype=np.int32)
    lookup[keep] = np.arange(1, len(keep) + 1)
    labels = lookup[labels]
    rim = np.zeros((1, 3, 3), dtype=bool)
    rim[0] = True
    grown = ndimage.grey_dilation(labels, footprint=rim)
    grown = np.where((labels == 0) & ~bad[None], grown, labels)
    counts = np.where(bad[None], np.float32(0), images.astype(np.float32))
    signal = counts - background
    index = np.arange(1, len(keep) + 1)
    centres = np.array(ndimage.center_of_mass(signal, grown, index)).reshape(-1, 3)
    boxes = ndimage.find_objects(labels)
    bbox = np.array(
        [[b[2].start, b[2].stop, b[1].start, b[1].stop, b[0].start, b[0].stop] for b in boxes],
        dtype=np.int64,
    ).reshape(-1, 6)
    edge = ndimage.binary_dilation(bad, iterations=2)
    edge[[0, -1], :] = edge[:, [0, -1]] = True
    near = np.asarray(ndimage.maximum(np.broadcast_to(edge, labels.shape), grown, index), bool)
    return SpotList(
        x=centres[:, 2],
        y=centres[:, 1],
        frame=centres[:, 0],
        intensity=np.asarray(ndimage.sum_labels(signal, grown, index), dtype=float),
        variance=np.asarray(ndimage.sum_labels(counts, grown, index), dtype=float),
        background=np.asarray(ndimage.mean(background, grown, index), dtype=float),
        n_pixels=sizes[sizes >= min_pixels],
        bbox=bbox,
        near_mask=near.reshape(-1),
    )


def estimate_resolution(
    d: npt.ArrayLike, i_over_sigma: npt.ArrayLike, *, min_i_over_sigma: float = 5.0, rank: int = 5
) -> float:
    """The resolution limit (Å) the strong spots reach.

    The ``rank``-th highest resolution among spots with ``I/sigma >= min_i_over_sigma``,
    so that one or two stray spots (ice, a missed hot pixel) do not set it.
    """
    d = np.asarray(d, dtype=float)[np.asarray(i_over_sigma) >= min_i_over_sigma]
    if len(d) < rank:
        raise ValueError(f"only {len(d)} spots with I/sigma >= {min_i_over_sigma}: too few")
    return float(np.sort(d)[rank - 1])


def match_spots(
    found: npt.ArrayLike, truth: npt.ArrayLike, radius: float = 1.0
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], FloatArray]:
    """Pair found and true positions (rows of x, y[, frame]) closer than ``radius``.

    Each true spot is paired with its nearest found spot and vice versa (mutual
    nearest neighbours), so a merged blob matches one spot at most.

    Returns
    -------
    i_found, i_truth, distance
        Indices of the pairs and their distance.
    """
    a, b = np.atleast_2d(np.asarray(found, float)), np.atleast_2d(np.asarray(truth, float))
    if len(a) == 0 or len(b) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0)
    from scipy.spatial import cKDTree  # type: ignore[import-untyped]

    dist_ab, nearest_b = cKDTree(b).query(a)
    _, nearest_a = cKDTree(a).query(b)
    i = np.flatnonzero((dist_ab <= radius) & (nearest_a[nearest_b] == np.arange(len(a))))
    return i.astype(np.int64), nearest_b[i].astype(np.int64), np.asarray(dist_ab[i], float)


def read_mask(detector: h5py.Group, shape: tuple[int, int]) -> BoolArray:
    """True on pixels to ignore: any bit set in NXmx's ``pixel_mask`` (none if absent)."""
    node = detector.get("pixel_mask")
    if not isinstance(node, h5py.Dataset):
        return np.zeros(shape, dtype=bool)
    mask = np.asarray(node[()])
    if mask.shape != shape:
        raise InputError(f"{node.name} has shape {mask.shape}, the frames {shape}")
    return np.asarray(mask != 0)


def read_rotation(entry: h5py.Group, n_frames: int) -> npt.NDArray[np.float64]:
    """The rotation angle of each frame (degrees), from the sample's ``depends_on``."""
    where = f"{entry.name}/sample/depends_on"
    path = entry.get("sample/depends_on")
    if not isinstance(path, h5py.Dataset):
        raise InputError(f"{where} is missing: the rotation axis of the frames is unknown")
    target = entry.file.get(_text(path[()]))
    if not isinstance(target, h5py.Dataset):
        raise InputError(f"{where} names {_text(path[()])}, which is not in the file")
    if _text(target.attrs.get("transformation_type", "")) != "rotation":
        raise InputError(f"{target.name} is not a rotation: this template reads rotation series")
    angles = np.atleast_1d(require(target.parent, target.name.rsplit("/", 1)[-1], "deg"))
    if len(angles) != n_frames:
        raise InputError(f"{target.name} has {len(angles)} angles for {n_frames} frames")
    return np.asarray(angles, dtype=float)


def copy_experiment(source: h5py.Group, target: h5py.Group, max_size: int = 4096) -> None:
    """Copy what NXmx says of an experiment into ``target``, without the images.

    Copies the collection's ``start_time`` and ``end_time_estimated`` (from
    ``end_time`` if need be) and the sample, instrument and source groups. Datasets of
    more than ``max_size`` elements (the frames, the pixel mask) are left out;
    ``@target`` attributes (which mark links in the source) are dropped, and
    ``depends_on`` paths are rewritten from the source entry's name to the target's.
    """
    for name, fallback in [("start_time", "start_time"), ("end_time_estimated", "end_time")]:
        node = source.get(name, source.get(fallback))
        if isinstance(node, h5py.Dataset) and name not in target:
            nxwrite.field(target, name, _text(node[()]))
    kept = ("NXsample", "NXinstrument", "NXsource")
    for name, node in source.items():
        if isinstance(node, h5py.Group) and _text(node.attrs.get("NX_class", "")) in kept:
            _copy_small(node, target, name, max_size)
    old, new = f"{source.name}/", f"{target.name}/"
    nodes: list[h5py.Group | h5py.Dataset] = []
    target.visititems(lambda _, node: nodes.append(node))
    for node in nodes:  # changed after the visit: HDF5 forbids unlinking during one
        if "target" in node.attrs:
            del node.attrs["target"]
        value = node.attrs.get("depends_on")
        if old != new and value is not None and _text(value).startswith(old):
            node.attrs["depends_on"] = new + _text(value)[len(old) :]
        if old != new and isinstance(node, h5py.Dataset) and node.name.endswith("/depends_on"):
            text, parent = _text(node[()]), node.parent
            if text.startswith(old):
                del parent["depends_on"]
                nxwrite.field(parent, "depends_on", new + text[len(old) :])


def _copy_small(group: h5py.Group, parent: h5py.Group, name: str, max_size: int) -> None:
    out = parent.require_group(name)
    for key, value in group.attrs.items():
        out.attrs[key] = value
    for key, node in group.items():
        if isinstance(node, h5py.Group):
            _copy_small(node, out, key, max_size)
        elif isinstance(node, h5py.Dataset) and node.size <= max_size:
            group.copy(node, out, key)


SHELLS = 20
"""Resolution shells of the spot histogram (equal steps in 1/d²)."""


def count_in_shells(
    d: npt.ArrayLike, d_min: float, n_shells: int = SHELLS
) -> tuple[FloatArray, npt.NDArray[np.int64], FloatArray]:
    """Count spots in ``n_shells`` shells of equal width in 1/d², out to ``d_min`` (Å).

    Returns
    -------
    edges, counts, centres
        Shell edges in 1/d² (1/Å²), spots per shell, and each shell's middle as d (Å).
    """
    edges = np.linspace(0.0, 1.0 / d_min**2, n_shells + 1)
    counts, _ = np.histogram(1.0 / np.asarray(d, dtype=float) ** 2, bins=edges)
    centres = 1.0 / np.sqrt(0.5 * (edges[1:] + edges[:-1]))
    return edges, counts.astype(np.int64), centres


STRONG = (1 << 1) | (1 << 4)
"""NXreflections ``flags``: bit 1 ``observed`` and bit 4 ``strong`` (DIALS' convention)."""


def write_reflections(
    entry: h5py.Group,
    spots: SpotList,
    d: npt.ArrayLike,
    geometry: DetectorGeometry,
    omega: npt.ArrayLike,
    *,
    experiment: str,
    name: str = "reflections",
) -> h5py.Group:
    """Write a spot list as an ``NXreflections`` group (the columns DIALS writes).

    Written: the observed centroids in pixels (``observed_px_x/y``, pixel centres at
    integers; DIALS' pixel coordinates are these + 0.5), in mm on the detector and in
    frames and degrees (``observed_phi``), the resolution ``d``, the summed intensity
    and its variance, the mean background, the bounding box, the flags (observed,
    strong), the detector module and the experiment's id. Not written: Miller indices,
    predictions, partiality and the Lorentz-polarisation factor, which need an indexed
    and refined crystal model that spot finding does not give.
    """
    n = len(spots)
    angles = np.asarray(omega, dtype=float)
    step = float(np.diff(angles).mean()) if len(angles) > 1 else 0.0
    group = nxwrite.group(entry, name, "NXreflections")
    nxwrite.field(group, "experiments", [experiment])
    columns: list[tuple[str, Any, str | None, str]] = [
        ("id", np.zeros(n, np.int64), None, "The experiment id"),
        ("reflection_id", np.arange(n, dtype=np.int64), None, "The reflection id"),
        ("det_module", np.zeros(n, np.int64), None, "The detector module"),
        ("flags", np.full(n, STRONG, np.int64), None, "observed | strong"),
        ("d", np.asarray(d, float), "angstrom", "The resolution of the spot centroid"),
        ("observed_px_x", spots.x, "", "Centroid, fast pixel (pixel centres at integers)"),
        ("observed_px_y", spots.y, "", "Centroid, slow pixel (pixel centres at integers)"),
        ("observed_frame", spots.frame, "", "Centroid, frame index"),
        ("observed_x", spots.x * geometry.pixel_size, "mm", "observed_px_x x pixel size"),
        ("observed_y", spots.y * geometry.pixel_size, "mm", "observed_px_y x pixel size"),
        ("observed_phi", angles[0] + (spots.frame + 0.5) * step, "deg", "Centroid, angle"),
        ("int_sum", spots.intensity, None, "Summed background-subtracted counts"),
        ("int_sum_var", spots.variance, None, "Variance of the summed intensity"),
        ("background_mean", spots.background, None, "Mean background per pixel"),
        ("bounding_box", spots.bbox, "", "x0, x1, y0, y1, frame0, frame1 (ends excluded)"),
    ]
    for key, values, units, text in columns:
        nxwrite.field(group, key, values, units, attrs={"description": text})
    return group
