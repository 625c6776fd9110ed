"""Crystals for the MX generator: cells, space groups, reflections, and an MTZ writer.

Enough crystallography, in numpy, to predict where a known crystal's reflections go and
to write the merged MTZ a beamline pipeline would produce, without a crystallographic
library (the test environment has none; gemmi, in the MX kernel, reads the result).
"""

from __future__ import annotations

import dataclasses
import os
import struct
from collections.abc import Callable, Sequence
from fractions import Fraction

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclasses.dataclass(frozen=True)
class SpaceGroup:
    """A space group as the MTZ format names it, with its symmetry operations.

    Attributes
    ----------
    name, number : str, int
        Hermann-Mauguin name (``"P 43 21 2"``) and International Tables number.
    point_group : str
        CCP4 point group (``"PG422"``), which fixes the reciprocal asymmetric unit.
    ops : tuple of str
        Symmetry operations as coordinate triplets (``"-y+1/2,x+1/2,z+3/4"``).
    """

    name: str
    number: int
    point_group: str
    ops: tuple[str, ...]

    @property
    def lattice(self) -> str:
        """Lattice centring letter (``"P"``)."""
        return self.name[0]


P43212 = SpaceGroup(
    "P 43 21 2",
    96,
    "PG422",
    (
        "x,y,z", "-y+1/2,x+1/2,z+3/4", "-x,-y,z+1/2", "y+1/2,-x+1/2,z+1/4",
        "x+1/2,-y+1/2,-z+1/4", "-y,-x,-z+1/2", "-x+1/2,y+1/2,-z+3/4", "y,x,-z",
    ),
)  # fmt: skip
"""Space group of tetragonal hen egg-white lysozyme."""


def _in_asu_422(h: IntArray, k: IntArray, l: IntArray) -> npt.NDArray[np.bool_]:  # noqa: E741
    return np.asarray((h >= k) & (k >= 0) & (l >= 0))


ASU: dict[str, Callable[[IntArray, IntArray, IntArray], npt.NDArray[np.bool_]]] = {
    "PG422": _in_asu_422
}
"""CCP4's reciprocal asymmetric unit of each supported point group."""


@dataclasses.dataclass(frozen=True)
class Crystal:
    """A crystal: unit cell (Å, degrees), space group, Wilson B factor (Å²), name."""

    cell: tuple[float, float, float, float, float, float]
    space_group: SpaceGroup
    b_factor: float = 20.0
    mosaicity: float = 0.08
    """Rocking width (standard deviation, degrees) of a reflection through the Ewald sphere."""
    name: str = "crystal"


LYSOZYME = Crystal((79.1, 79.1, 37.9, 90.0, 90.0, 90.0), P43212, b_factor=20.0, name="lysozyme")


# -- crystallography ---------------------------------------------------------------------


def parse_op(triplet: str) -> tuple[IntArray, FloatArray]:
    """Rotation matrix and translation of a symmetry operation (``"-y+1/2,x,z+3/4"``)."""
    rotation = np.zeros((3, 3), dtype=np.int64)
    translation = np.zeros(3)
    for row, term in enumerate(triplet.lower().replace(" ", "").split(",")):
        for part in term.replace("-", "+-").split("+"):
            if not part:
                continue
            sign = -1 if part.startswith("-") else 1
            symbol = part.lstrip("-")
            if symbol in "xyz":
                rotation[row, "xyz".index(symbol)] = sign
            else:
                translation[row] = sign * float(Fraction(symbol))
    return rotation, translation


def make_reciprocal_basis(cell: Sequence[float]) -> FloatArray:
    """Rows a*, b*, c* (1/Å) in the Cartesian frame with a along x, b in the xy plane."""
    a, b, c = cell[:3]
    alpha, beta, gamma = np.radians(cell[3:])
    cx = c * np.cos(beta)
    cy = c * (np.cos(alpha) - np.cos(beta) * np.cos(gamma)) / np.sin(gamma)
    real = np.array(
        [
            [a, 0.0, 0.0],
            [b * np.cos(gamma), b * np.sin(gamma), 0.0],
            [cx, cy, np.sqrt(c * c - cx * cx - cy * cy)],
        ]
    )
    return np.asarray(np.linalg.inv(real).T)


def is_absent(hkl: IntArray, space_group: SpaceGroup) -> npt.NDArray[np.bool_]:
    """True for systematically absent reflections (an op keeps hkl, with a phase shift)."""
    absent = np.zeros(len(hkl), dtype=bool)
    for op in space_group.ops:
        rotation, translation = parse_op(op)
        fixed = np.all(hkl @ rotation == hkl, axis=1)
        phase = hkl @ translation
        absent |= fixed & (np.abs(phase - np.round(phase)) > 1e-6)
    return absent


def to_asu(hkl: IntArray, space_group: SpaceGroup) -> IntArray:
    """The symmetry-equivalent (or Friedel mate) of each reflection in CCP4's ASU."""
    inside = ASU[space_group.point_group]
    out = np.zeros_like(hkl)
    found = np.zeros(len(hkl), dtype=bool)
    for op in space_group.ops:
        rotation, _ = parse_op(op)
        for sign in (1, -1):
            mate = sign * (hkl @ rotation)
            take = ~found & inside(mate[:, 0], mate[:, 1], mate[:, 2])
            out[take] = mate[take]
            found |= take
    if not found.all():
        raise ValueError("some reflections have no equivalent in the asymmetric unit")
    return out


def make_orientation(seed: int) -> FloatArray:
    """A random crystal orientation (rotation matrix), uniform over rotations."""
    q = np.random.default_rng(seed).normal(size=4)
    w, x, y, z = q / np.linalg.norm(q)
    return np.array(
        [
            [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
            [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
            [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
        ]
    )


def list_reflections(crystal: Crystal, d_min: float) -> IntArray:
    """Every allowed (not absent) hkl with d >= d_min, except 000."""
    basis = make_reciprocal_basis(crystal.cell)
    limits = [int(np.ceil(crystal.cell[i] / d_min)) + 1 for i in range(3)]
    grid = np.stack(
        np.meshgrid(*[np.arange(-n, n + 1) for n in limits], indexing="ij"), axis=-1
    ).reshape(-1, 3)
    inverse_d = np.linalg.norm(grid @ basis, axis=1)
    keep = (inverse_d > 0) & (inverse_d <= 1.0 / d_min)
    hkl = grid[keep]
    return np.asarray(hkl[~is_absent(hkl, crystal.space_group)])


def make_intensities(
    hkl: IntArray, crystal: Crystal, rng: np.random.Generator, scale: float
) -> FloatArray:
    """Full intensities (counts): a Wilson fall-off times a gamma-distributed factor.

    ``hkl`` are unique reflections; symmetry equivalents get theirs with
    :func:`lookup`.
    """
    inverse_d2 = np.sum((hkl @ make_reciprocal_basis(crystal.cell)) ** 2, axis=1)
    mean = scale * np.exp(-0.5 * crystal.b_factor * inverse_d2)
    return np.asarray(mean * rng.gamma(3.0, 1.0 / 3.0, size=len(hkl)), dtype=float)


def _keys(hkl: IntArray) -> IntArray:
    return np.asarray((hkl[:, 0] + 512) * 1024 * 1024 + (hkl[:, 1] + 512) * 1024 + hkl[:, 2] + 512)


def lookup(
    hkl: IntArray, unique: IntArray, values: FloatArray, space_group: SpaceGroup
) -> FloatArray:
    """``values`` of ``unique`` (ASU reflections, sorted by key) for any ``hkl``."""
    keys = _keys(unique)
    order = np.argsort(keys)
    found = np.searchsorted(keys[order], _keys(to_asu(hkl, space_group)))
    return np.asarray(values[order][found], dtype=float)


# -- MTZ -----------------------------------------------------------------------------------


def write_mtz(
    path: str | os.PathLike[str],
    crystal: Crystal,
    hkl: IntArray,
    intensity: FloatArray,
    sigma: FloatArray,
    *,
    wavelength: float,
    title: str = "",
    history: Sequence[str] = (),
) -> None:
    """Write a merged MTZ (columns H K L IMEAN SIGIMEAN), as CCP4 programs do.

    The layout is the MTZ format's: ``MTZ`` stamp, header position and machine stamp
    (little-endian), the reflections as float32 rows from word 21, then 80-character
    header records (cell, symmetry, columns, datasets, history). Written with numpy so
    that the generator needs no crystallographic library; gemmi reads it back.
    """
    sg = crystal.space_group
    order = np.lexsort((hkl[:, 2], hkl[:, 1], hkl[:, 0]))
    table = np.column_stack([hkl, intensity, sigma])[order].astype("<f4")
    inverse_d2 = np.sum((hkl @ make_reciprocal_basis(crystal.cell)) ** 2, axis=1)
    cell = " ".join(f"{v:9.4f}" for v in crystal.cell)
    records = [
        "VERS MTZ:V1.1",
        f"TITLE {title}",
        f"NCOL {table.shape[1]:8d} {table.shape[0]:12d} {0:8d}",
        f"CELL  {cell}",
        "SORT    1   2   3   0   0",
        f"SYMINF {len(sg.ops):3d} {len(sg.ops):2d} {sg.lattice} {sg.number:5d} "
        f"{chr(39)}{sg.name}{chr(39)} {sg.point_group}",
        *[f"SYMM {op.upper()}" for op in sg.ops],
        f"RESO {inverse_d2.min():.12f} {inverse_d2.max():.12f}",
        "VALM NAN",
    ]
    for column, (label, kind) in enumerate(
        [("H", "H"), ("K", "H"), ("L", "H"), ("IMEAN", "J"), ("SIGIMEAN", "Q")]
    ):
        values = table[:, column]
        records.append(
            f"COLUMN {label:<30} {kind} {values.min():17.9f} {values.max():17.9f} "
            f"{0 if kind == 'H' else 1:4d}"
        )
    records.append("NDIF        2")
    for number, name in [(0, "HKL_base"), (1, crystal.name)]:
        records += [
            f"PROJECT {number:7d} {'HKL_base' if number == 0 else 'panhub'}",
            f"CRYSTAL {number:7d} {name}",
            f"DATASET {number:7d} {'HKL_base' if number == 0 else 'native'}",
            f"DCELL   {number:7d} {cell}",
            f"DWAVEL  {number:7d} {0.0 if number == 0 else wavelength:10.5f}",
        ]
    records += ["END", f"MTZHIST {len(history):3d}", *history, "MTZENDOFHEADERS"]
    header_word = 21 + table.size
    with open(path, "wb") as stream:
        stream.write(b"MTZ " + struct.pack("<i", header_word) + b"DA\x00\x00")
        stream.write(bytes(80 - 12))
        stream.write(table.tobytes())
        for record in records:
            stream.write(record[:80].ljust(80).encode("ascii"))
