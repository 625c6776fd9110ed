"""The NXmx description of a rotation experiment: sample, instrument, beam and source.

:func:`write_nxmx_geometry` writes what the NXmx application definition requires of an
entry besides its images, for a flat detector normal to the beam and an omega axis, so
that any writer of detector image stacks can make its file valid NXmx.
"""

from __future__ import annotations

from typing import Any

import h5py
import numpy as np
import numpy.typing as npt

from panhub_nexus import nxwrite


def _write_if_absent(group: h5py.Group, name: str, value: Any, units: str | None = None) -> None:
    if name not in group:
        nxwrite.field(group, name, value, units)


def write_nxmx_geometry(
    entry: h5py.Group,
    *,
    shape: tuple[int, int],
    pixel_size: float,
    distance: float,
    beam_centre: tuple[float, float],
    wavelength: float,
    omega: npt.ArrayLike,
    start_time: str = "2026-12-01T10:00:00Z",
    end_time: str = "2026-12-01T10:00:10Z",
    instrument_name: str = "BL13-XALOC (synthetic)",
    detector_description: str = "Dectris EIGER2 X 1M (synthetic)",
    sensor_material: str = "Si",
    sensor_thickness: float = 0.45,
    sample_name: str = "sample",
) -> h5py.Group:
    """Write what NXmx requires of an entry besides its images, for a flat detector.

    Writes ``definition`` (NXmx), ``@version``, ``start_time`` and
    ``end_time_estimated`` (each only when absent, so a caller's values win); the
    sample on an omega rotation axis (+x) with one angle per frame; the instrument's
    name; a detector normal to the beam at ``distance``, with its transformations, one
    NXdetector_module (origin, size, fast and slow pixel directions), its sensor,
    pixel size, distance and beam centre; an NXbeam with the wavelength; and the
    NXsource. The caller adds the images (``instrument/detector/data``) and an NXdata.

    Parameters
    ----------
    entry : h5py.Group
        The NXentry (existing groups such as ``instrument/detector`` are completed).
    shape : (int, int)
        Frame shape (rows, columns).
    pixel_size, distance : float
        Pixel side and sample-detector distance, mm.
    beam_centre : (float, float)
        Direct beam position (x, y) = (column, row), pixels (pixel centres at integers).
    wavelength : float
        Å.
    omega : array_like
        Rotation angle of each frame, degrees.
    start_time, end_time : str
        ISO 8601 times of the collection (``end_time`` is written as
        ``end_time_estimated``).
    instrument_name, detector_description, sensor_material, sample_name : str
        Names written as they are.
    sensor_thickness : float
        mm.

    Returns
    -------
    h5py.Group
        The detector group (for the caller's ``data`` and ``pixel_mask``).
    """
    nxwrite.set_attrs(entry, NX_class="NXentry", version="1.0")
    _write_if_absent(entry, "definition", "NXmx")
    _write_if_absent(entry, "start_time", start_time)
    _write_if_absent(entry, "end_time_estimated", end_time)

    sample = nxwrite.group(entry, "sample", "NXsample")
    _write_if_absent(sample, "name", sample_name)
    moves = nxwrite.group(sample, "transformations", "NXtransformations")
    omega_values = np.asarray(omega, dtype=float)
    nxwrite.field(
        moves,
        "omega",
        omega_values,
        "deg",
        attrs={"transformation_type": "rotation", "vector": [1.0, 0.0, 0.0], "depends_on": "."},
    )
    if len(omega_values) > 1:
        nxwrite.field(moves, "omega_increment_set", float(np.diff(omega_values).mean()), "deg")
    nxwrite.field(sample, "depends_on", moves["omega"].name)

    instrument = nxwrite.group(entry, "instrument", "NXinstrument")
    _write_if_absent(instrument, "name", instrument_name)
    beam = nxwrite.group(instrument, "beam", "NXbeam")
    nxwrite.field(beam, "incident_wavelength", float(wavelength), "angstrom")
    nxwrite.field(beam, "incident_beam_size", [0.05, 0.05], "mm")
    nxwrite.field(beam, "profile", "Gaussian")

    detector = nxwrite.group(instrument, "detector", "NXdetector")
    _write_if_absent(detector, "description", detector_description)
    place = nxwrite.group(detector, "transformations", "NXtransformations")
    nxwrite.field(
        place,
        "translation",
        float(distance),
        "mm",
        attrs={"transformation_type": "translation", "vector": [0.0, 0.0, 1.0], "depends_on": "."},
    )
    nxwrite.field(detector, "depends_on", place["translation"].name)
    nxwrite.field(detector, "distance", float(distance), "mm")
    nxwrite.field(detector, "distance_derived", False)
    nxwrite.field(detector, "x_pixel_size", float(pixel_size), "mm")
    nxwrite.field(detector, "y_pixel_size", float(pixel_size), "mm")
    nxwrite.field(detector, "beam_center_x", float(beam_centre[0]), "pixel")
    nxwrite.field(detector, "beam_center_y", float(beam_centre[1]), "pixel")
    nxwrite.field(detector, "sensor_material", sensor_material)
    nxwrite.field(detector, "sensor_thickness", float(sensor_thickness), "mm")
    nxwrite.field(detector, "type", "pixel")
    module = nxwrite.group(detector, "module", "NXdetector_module")
    nxwrite.field(module, "data_origin", np.array([0, 0], dtype=np.int32))
    nxwrite.field(module, "data_size", np.array(shape, dtype=np.int32))
    offset = [beam_centre[0] * pixel_size, beam_centre[1] * pixel_size, 0.0]
    nxwrite.field(
        module,
        "module_offset",
        0.0,
        "mm",
        attrs={
            "transformation_type": "translation",
            "vector": [1.0, 0.0, 0.0],
            "offset": offset,
            "offset_units": "mm",
            "depends_on": place["translation"].name,
        },
    )
    for name, vector in [
        ("fast_pixel_direction", [-1.0, 0.0, 0.0]),
        ("slow_pixel_direction", [0.0, -1.0, 0.0]),
    ]:
        nxwrite.field(
            module,
            name,
            float(pixel_size),
            "mm",
            attrs={
                "transformation_type": "translation",
                "vector": vector,
                "offset": [0.0, 0.0, 0.0],
                "depends_on": module["module_offset"].name,
            },
        )

    source = nxwrite.group(entry, "source", "NXsource")
    _write_if_absent(source, "name", "ALBA (synthetic)")
    _write_if_absent(source, "type", "Synchrotron X-ray Source")
    _write_if_absent(source, "probe", "x-ray")
    return detector
