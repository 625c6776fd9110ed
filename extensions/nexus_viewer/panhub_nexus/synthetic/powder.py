"""Raw powder diffraction of Si mixed with a LaB6 standard: NXmx with a geometry that is off.

The sample is silicon powder (the "unknown" lattice parameter) mixed with the NIST
SRM 660c LaB6 line-position standard, as one does to calibrate a measurement
internally. Several Si and LaB6 rings overlap (Si 331 / LaB6 311, Si 422 / LaB6 321,
Si 511+333 / LaB6 400). The image is a still on a Pilatus 1M with module gaps and a
beam stop flagged in ``pixel_mask`` and seeded Poisson noise; the profile is averaged
over each pixel's area. The geometry written in the file is the *nominal* one, off
from the true one (distance by 1.5 %, beam centre by a few pixels), so a template must
refine it on the standard's rings before it can measure the sample's lattice.

Why NXmx: it is the NIAC definition for raw images of an area detector in X-ray
diffraction with their geometry (the detector axis chain, pixel directions, the
``pixel_mask`` bits), written by the detectors that powder beamlines use; a powder
still is one frame with the goniometer at rest. NXmonopd is for 1-D patterns, NXsas
for small-angle scattering, and NXxbase needs a single crystal's orientation matrix.

Examples
--------
>>> from panhub_nexus.synthetic import powder
>>> truth = powder.write_si_lab6("si.nxs", seed=1)  # doctest: +SKIP
>>> truth.lattice  # doctest: +SKIP
5.4309
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import os

import h5py
import numpy as np
import numpy.typing as npt

from panhub_nexus import nxwrite
from panhub_nexus.synthetic import _detector
from panhub_nexus.synthetic._detector import Geometry

DEFINITION = "NXmx"
SI_LATTICE = 5.4309
GEOMETRY = Geometry(
    shape=_detector.pilatus_shape((5, 2)),
    distance=150.0,
    beam_center_x=84.53,
    beam_center_y=88.87,
    wavelength=0.5,
)
"""The default (true) geometry: a Pilatus 1M at 150 mm, 0.5 Å."""
"""Silicon's lattice parameter (angstrom, 22.5 °C)."""
LAB6_LATTICE = 4.156826
"""LaB6 NIST SRM 660c certified lattice parameter (angstrom), as pyFAI's ``LaB6``."""

Atoms = tuple[tuple[float, tuple[float, float, float]], ...]
"""A cubic cell's atoms: (scattering factor at 0, fractional position) each."""

_FCC = ((0.0, 0.0, 0.0), (0.0, 0.5, 0.5), (0.5, 0.0, 0.5), (0.5, 0.5, 0.0))
SILICON: Atoms = tuple((14.0, (x + dx, y + dx, z + dx)) for dx in (0.0, 0.25) for x, y, z in _FCC)
"""Diamond structure: 8 Si atoms."""
_X = 0.1996
LAB6: Atoms = (
    (57.0, (0.0, 0.0, 0.0)),
    (5.0, (_X, 0.5, 0.5)),
    (5.0, (-_X, 0.5, 0.5)),
    (5.0, (0.5, _X, 0.5)),
    (5.0, (0.5, -_X, 0.5)),
    (5.0, (0.5, 0.5, _X)),
    (5.0, (0.5, 0.5, -_X)),
)
"""LaB6 (Pm-3m): La at 1a, B at 6f ``(x, 1/2, 1/2)``."""


@dataclasses.dataclass(frozen=True)
class Phase:
    """A cubic phase of the mixture.

    Attributes
    ----------
    name : str
        Phase name.
    lattice : float
        Cubic lattice parameter (angstrom).
    atoms : Atoms
        Atoms of the unit cell.
    scale : float
        Intensity scale (counts per pixel at the strongest peak's maximum, roughly).
    fwhm : float
        Full width at half maximum of its peaks in 2θ (degrees).
    """

    name: str
    lattice: float
    atoms: Atoms
    scale: float
    fwhm: float


@dataclasses.dataclass(frozen=True)
class Reflection:
    """A powder line: all ``hkl`` with ``h² + k² + l² = n`` of a cubic phase."""

    phase: str
    hkl: tuple[int, int, int]
    n: int
    d: float
    two_theta: float
    intensity: float


@dataclasses.dataclass(frozen=True)
class PowderTruth:
    """What :func:`write_si_lab6` wrote.

    Attributes
    ----------
    path : str
        File written.
    lattice : float
        The sample's (Si) lattice parameter (angstrom).
    standard_lattice : float
        The LaB6 standard's lattice parameter (angstrom).
    geometry : Geometry
        The true geometry the image was made with.
    nominal : Geometry
        The geometry written in the file (off from the true one).
    reflections : tuple of Reflection
        Lines of both phases on the detector, by increasing 2θ (degrees).
    """

    path: str
    lattice: float
    standard_lattice: float
    geometry: Geometry
    nominal: Geometry
    reflections: tuple[Reflection, ...]


def find_reflections(phase: Phase, wavelength: float, max_two_theta: float) -> list[Reflection]:
    """Lines of a cubic phase up to ``max_two_theta`` (degrees), with their intensities.

    The intensity of a line is the sum of ``|F(hkl)|²`` over its ``hkl`` (so it
    carries the multiplicity), times the Lorentz factor ``1 / (sin θ sin 2θ)`` and a
    Debye-Waller factor (B = 0.5 Å²). Lines whose structure factor vanishes are left out.
    """
    d_min = wavelength / (2.0 * math.sin(math.radians(max_two_theta) / 2.0))
    h_max = int(phase.lattice / d_min) + 1
    positions = np.array([xyz for _, xyz in phase.atoms])
    factors = np.array([f for f, _ in phase.atoms])
    by_n: dict[int, float] = {}
    first: dict[int, tuple[int, int, int]] = {}
    for hkl in itertools.product(range(-h_max, h_max + 1), repeat=3):
        n = hkl[0] ** 2 + hkl[1] ** 2 + hkl[2] ** 2
        if n == 0 or phase.lattice / math.sqrt(n) < d_min:
            continue
        structure = np.sum(factors * np.exp(2j * math.pi * (positions @ np.array(hkl))))
        by_n[n] = by_n.get(n, 0.0) + float(abs(structure) ** 2)
        a, b, c = sorted((abs(i) for i in hkl), reverse=True)
        first[n] = max(first.get(n, (a, b, c)), (a, b, c))  # 511 rather than 333
    reflections = []
    for n, f2 in sorted(by_n.items()):
        if f2 < 1e-6 * max(by_n.values()):
            continue
        d = phase.lattice / math.sqrt(n)
        theta = math.asin(wavelength / (2.0 * d))
        lorentz = 1.0 / (math.sin(theta) * math.sin(2.0 * theta))
        debye_waller = math.exp(-2.0 * 0.5 / (4.0 * d * d))
        reflections.append(
            Reflection(
                phase.name, first[n], n, d, math.degrees(2.0 * theta), f2 * lorentz * debye_waller
            )
        )
    top = max(r.intensity for r in reflections)
    return [dataclasses.replace(r, intensity=phase.scale * r.intensity / top) for r in reflections]


def pseudo_voigt(
    x: npt.NDArray[np.float64], center: float, fwhm: float, eta: float = 0.5
) -> npt.NDArray[np.float64]:
    """Pseudo-Voigt of height 1: ``eta`` Lorentzian, ``1 - eta`` Gaussian."""
    u = (x - center) / (fwhm / 2.0)
    return np.asarray(eta / (1.0 + u * u) + (1.0 - eta) * np.exp(-math.log(2.0) * u * u))


def make_pattern(
    two_theta: npt.NDArray[np.float64], phases: list[Phase], reflections: list[Reflection]
) -> npt.NDArray[np.float64]:
    """Expected counts per pixel against 2θ (degrees): the lines on a smooth background."""
    fwhm = {p.name: p.fwhm for p in phases}
    counts = 40.0 + 60.0 * np.exp(-two_theta / 12.0)
    for r in reflections:
        counts += r.intensity * pseudo_voigt(two_theta, r.two_theta, fwhm[r.phase])
    return np.asarray(counts)


def write_si_lab6(
    path: str | os.PathLike[str],
    *,
    seed: int = 0,
    lattice: float = SI_LATTICE,
    standard_lattice: float = LAB6_LATTICE,
    geometry: Geometry | None = None,
    distance_error: float = 0.015,
    center_error: tuple[float, float] = (3.2, -2.4),
    oversample: int = 3,
) -> PowderTruth:
    """Write a raw NXmx still of Si + LaB6 powder with a nominal geometry that is off.

    Parameters
    ----------
    path : str or PathLike
        File to create (overwritten).
    seed : int
        Seed of the Poisson noise.
    lattice : float
        The sample's cubic (diamond) lattice parameter (angstrom).
    standard_lattice : float
        The LaB6 standard's lattice parameter (angstrom).
    geometry : Geometry, optional
        The true geometry; default a Pilatus 1M at 150 mm, 0.5 Å (24.8 keV).
    distance_error : float
        Relative error of the distance written in the file.
    center_error : (float, float)
        Error of the beam centre written in the file (x, y in pixels).
    oversample : int
        The pattern is averaged over ``oversample²`` points of each pixel.

    Returns
    -------
    PowderTruth
        The known answer, the true and nominal geometries, and the lines.
    """
    path = os.fspath(path)
    geometry = geometry or GEOMETRY
    nominal = geometry.moved(distance=distance_error, dx_px=center_error[0], dy_px=center_error[1])
    phases = [
        Phase("Si", lattice, SILICON, scale=1500.0, fwhm=0.12),
        Phase("LaB6", standard_lattice, LAB6, scale=2500.0, fwhm=0.08),
    ]
    max_two_theta = math.degrees(float(_detector.make_two_theta(geometry).max())) + 1.0
    reflections = sorted(
        (r for p in phases for r in find_reflections(p, geometry.wavelength, max_two_theta)),
        key=lambda r: r.two_theta,
    )
    # the pattern on a fine 2θ grid (0.001°, a fiftieth of a pixel), then interpolated
    grid = np.arange(0.0, max_two_theta + 0.01, 0.001)
    pattern = make_pattern(grid, phases, reflections)
    expected = np.zeros(geometry.shape)
    for at in _detector.make_subpixels(oversample):
        two_theta = _detector.make_two_theta(geometry, at)
        expected += np.interp(np.degrees(two_theta), grid, pattern)
    expected *= _detector.solid_angle_factor(_detector.make_two_theta(geometry)) / oversample**2
    counts, mask = _detector.expose(
        geometry,
        expected,
        np.random.default_rng(seed),
        beamstop_radius=1.5,
        arm_width=2.0,
        arm_angle=-90.0,
        transmission=0.02,
    )
    with h5py.File(path, "w") as f:
        _write_nxmx(f, nominal, counts[np.newaxis], mask)
    return PowderTruth(
        path=path,
        lattice=lattice,
        standard_lattice=standard_lattice,
        geometry=geometry,
        nominal=nominal,
        reflections=tuple(reflections),
    )


def _write_nxmx(
    f: h5py.File, nominal: Geometry, frames: npt.NDArray[np.int32], mask: npt.NDArray[np.uint32]
) -> None:
    nxwrite.root(f, creator="panhub_nexus.synthetic.powder")
    entry = nxwrite.group(f, "entry", "NXentry", default="data")
    nxwrite.field(entry, "definition", DEFINITION)
    nxwrite.field(entry, "title", "Si powder + LaB6 SRM 660c internal standard (synthetic)")
    now = nxwrite.now()
    for name in ("start_time", "end_time", "end_time_estimated"):
        nxwrite.field(entry, name, now)
    instrument = nxwrite.group(entry, "instrument", "NXinstrument")
    nxwrite.field(instrument, "name", "BL04-MSPD (synthetic)")
    detector = _detector.write_detector(
        instrument,
        nominal,
        frames,
        mask,
        description=_detector.PILATUS_1M_DESCRIPTION,
        count_time=1.0,
    )
    _write_axis_chain(detector, nominal)
    nxwrite.field(detector, "bit_depth_readout", np.int32(20))
    beam = nxwrite.group(instrument, "beam", "NXbeam")
    nxwrite.field(beam, "incident_wavelength", nominal.wavelength, units="angstrom")
    nxwrite.field(beam, "incident_beam_size", [0.1, 0.1], units="mm")
    nxwrite.field(beam, "profile", "Gaussian")
    nxwrite.field(beam, "incident_polarization_stokes", [[1.0, 0.98, 0.0, 0.0]])
    source = nxwrite.group(entry, "source", "NXsource")
    nxwrite.field(source, "name", "Example Light Source")
    nxwrite.field(source, "type", "Synchrotron X-ray Source")
    nxwrite.field(source, "probe", "x-ray")
    sample = nxwrite.group(entry, "sample", "NXsample")
    nxwrite.field(sample, "name", "Si + LaB6 (SRM 660c)")
    nxwrite.field(sample, "depends_on", "/entry/sample/transformations/omega")
    axes = nxwrite.group(sample, "transformations", "NXtransformations")
    nxwrite.field(
        axes,
        "omega",
        [0.0],
        units="deg",
        attrs={"transformation_type": "rotation", "vector": [-1.0, 0.0, 0.0], "depends_on": "."},
    )
    _detector.write_image_data(entry, detector, nominal, frames=True)


def _write_axis_chain(detector: h5py.Group, geometry: Geometry) -> None:
    """The NXmx axis chain of a detector square to the beam, as the fields say.

    McStas frame: z along the beam, y up, x to the left seen from the source. Seen
    from the sample the image's columns run to the right (-x), its rows down (-y),
    and the centre of pixel (0, 0) is up and left of the beam.
    """
    d = "/entry/instrument/detector"
    axes = nxwrite.group(detector, "transformations", "NXtransformations")
    nxwrite.field(
        axes,
        "translation",
        geometry.distance,
        units="mm",
        attrs={"transformation_type": "translation", "vector": [0.0, 0.0, 1.0], "depends_on": "."},
    )
    nxwrite.field(detector, "depends_on", f"{d}/transformations/translation")
    nxwrite.field(detector, "distance_derived", False)
    nxwrite.field(detector, "beam_center_derived", False)
    module = nxwrite.group(detector, "module", "NXdetector_module")
    nxwrite.field(module, "data_origin", np.array([0, 0], dtype=np.int32))
    nxwrite.field(module, "data_size", np.array(geometry.shape, dtype=np.int32))
    p = geometry.pixel_size
    corner = np.array([geometry.beam_center_x - p / 2, geometry.beam_center_y - p / 2, 0.0])
    length = float(np.linalg.norm(corner))
    nxwrite.field(
        module,
        "module_offset",
        length,
        units="mm",
        attrs={
            "transformation_type": "translation",
            "vector": (corner / length).tolist(),
            "offset": [0.0, 0.0, 0.0],
            "depends_on": f"{d}/transformations/translation",
        },
    )
    directions = {
        "fast_pixel_direction": [-1.0, 0.0, 0.0],
        "slow_pixel_direction": [0.0, -1.0, 0.0],
    }
    for name, vector in directions.items():
        nxwrite.field(
            module,
            name,
            p,
            units="mm",
            attrs={
                "transformation_type": "translation",
                "vector": vector,
                "offset": [0.0, 0.0, 0.0],
                "depends_on": f"{d}/module/module_offset",
            },
        )
