"""Real NeXus/HDF5 files written by other software, and what their authors mean to plot.

The files live in ``tests/data/nexus_real/<source>/`` under their original names; where
each one comes from, its licence and its writer are in ``tests/data/nexus_real/SOURCES.md``.
They were written by instrument control systems (GDA, SOLEIL's DataRecorder, EPICS
areaDetector, SPEC through spec2nexus, Bluesky, PandA), by reduction and analysis
packages (Mantid, Irena/Nika in Igor Pro, nexusformat), by the NeXus C API (NAPI) in
2006-2010, and by the NeXus and canSAS example writers.

What the authors mean to plot is, in this order: the file's ``@default`` chain; else
what nexusformat (NeXpy's ``plottable_data``) and silx (``silx.io.nxdata``) pick; where
they disagree or both fail, the writer's documentation or the NeXus rules decide. Each
entry's ``how`` says which, and why.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "data" / "nexus_real"
"""Folder of the real files: one subfolder per source package."""


@dataclasses.dataclass(frozen=True)
class RealFile:
    """One real file and the plot its authors mean.

    Attributes
    ----------
    path : Path
        The file, under ``tests/data/nexus_real/<source>/``.
    source : str
        Package or repository, its version, and the file's path in it.
    licence : str
        SPDX id of the licence that allows us to redistribute it.
    writer : str
        The program that wrote it (from the file's attributes or its source's docs).
    signal : str
        HDF5 path of what its authors mean to plot; ``""`` when the file names nothing
        plottable (then a viewer may show a guess, and must say it is one).
    axes : tuple of str
        HDF5 paths of the axes, one per dimension of the signal, slowest first; ``""``
        for a dimension without an axis.
    errors : str
        HDF5 path of the signal's uncertainties, ``""`` if none.
    how : str
        How signal, axes and errors were determined.
    """

    path: Path
    source: str
    licence: str
    writer: str
    signal: str
    axes: tuple[str, ...]
    errors: str
    how: str


def _file(source: str, name: str) -> Path:
    return DATA / source / name


PUNX = "punx 0.3.5 (PyPI sdist), punx/data/"
SASDATA = "sasdata 0.11.0 (PyPI wheel), sasdata/example_data/"
NEXGEN = "nexgen 0.11.2 (PyPI sdist), tests/test_data/"
NEXUS_CODE = "NeXus code 4.4.3 (Debian source package nexus_4.4.3.orig.tar.gz), code-4.4.3/"

NO_DEFAULT = "no @default anywhere, so silx's get_default finds nothing"
CANSAS_AXES = (
    "NXcanSAS names I's axis with @I_axes and its uncertainties with @uncertainties "
    "(on I) or the group's @I_uncertainties, not with @axes/I_errors: silx reads neither "
    "(axis None, no errors)"
)

REAL_FILES: tuple[RealFile, ...] = (
    RealFile(
        path=_file("punx", "writer_1_3.hdf5"),
        source=PUNX + "writer_1_3.hdf5",
        licence="CC-BY-4.0",
        writer="writer_1_3.py, the h5py example of the NeXus manual (NeXus 2014 rules)",
        signal="/Scan/data/counts",
        axes=("/Scan/data/two_theta",),
        errors="",
        how=f"{NO_DEFAULT}; the file's only NXdata names @signal=counts, @axes=two_theta; "
        "nexusformat's plottable_data agrees",
    ),
    RealFile(
        path=_file("punx", "writer_2_1.hdf5"),
        source=PUNX + "writer_2_1.hdf5",
        licence="CC-BY-4.0",
        writer="writer_2_1.py, the h5py example of the NeXus manual (hard links with @target)",
        signal="/entry/data/counts",
        axes=("/entry/data/two_theta",),
        errors="",
        how=f"{NO_DEFAULT}; the only NXdata (its datasets hard links to the NXdetector) "
        "names @signal=counts, @axes=two_theta; nexusformat agrees",
    ),
    RealFile(
        path=_file("punx", "prj_test.nexus.hdf5"),
        source=PUNX + "prj_test.nexus.hdf5",
        licence="CC-BY-4.0",
        writer="BasicWriter.py (NeXus manual example, h5py 2.5.0) on APS USAXS 32ID-B data",
        signal="/entry/mr_scan/I00",
        axes=("/entry/mr_scan/mr",),
        errors="",
        how="the file's @default chain (/entry/mr_scan); silx and nexusformat agree",
    ),
    RealFile(
        path=_file("punx", "gov_5.h5"),
        source=PUNX + "gov_5.h5",
        licence="CC-BY-4.0",
        writer="NSLS-II suitcase nexus.py (Bluesky documents to NeXus), 2017",
        signal="/gov_5/primary_data/noisy",
        axes=("/gov_5/primary_data/noisy_timestamps",),
        errors="",
        how="the @default chain (/gov_5/primary_data); the axis is the old-style @axes on "
        "the signal dataset; silx and nexusformat agree (a one-point scan)",
    ),
    RealFile(
        path=_file("punx", "example_01_1D_I_Q.h5"),
        source=PUNX + "example_01_1D_I_Q.h5",
        licence="CC-BY-4.0",
        writer="canSAS NXcanSAS_examples create_examples.py (h5py 2.6.0), 2016",
        signal="/sasentry/sasdata/I",
        axes=("/sasentry/sasdata/Q",),
        errors="",
        how="the @default chain (/sasentry/sasdata); @axes=Q; silx and nexusformat agree",
    ),
    RealFile(
        path=_file("punx", "02_03_setup.h5"),
        source=PUNX + "02_03_setup.h5",
        licence="CC-BY-4.0",
        writer="spec2nexus 2016.0204.0 (a SPEC data file of APS USAXS converted to NeXus)",
        signal="/scan_1/data/I0",
        axes=("/scan_1/data/mr",),
        errors="",
        how=f"{NO_DEFAULT}; the only NXdata names @signal=I0, @axes=mr; nexusformat agrees",
    ),
    RealFile(
        path=_file("punx", "33id_spec_22_2D.hdf5"),
        source=PUNX + "33id_spec_22_2D.hdf5",
        licence="CC-BY-4.0",
        writer="spec2nexus 2016.0615.1 (SPEC mesh scan of APS 33-ID, 2003)",
        signal="/S22/data/I0",
        axes=("/S22/data/eta", "/S22/data/chi"),
        errors="",
        how="the @default chain (/S22/data); @axes=[eta, chi] in dimension order, as silx "
        "and nexusformat read it (the file's @chi_indices=0 contradicts @axes: a "
        "spec2nexus slip, ignored by both)",
    ),
    RealFile(
        path=_file("punx", "cs_af1410.h5"),
        source=PUNX + "cs_af1410.h5",
        licence="CC-BY-4.0",
        writer="xml2hdf5.py (canSAS 1-D XML to NXcanSAS converter), 10 entries",
        signal="/AF1410_10/AF1410_a10/I",
        axes=("/AF1410_10/AF1410_a10/Q",),
        errors="/AF1410_10/AF1410_a10/Idev",
        how="the @default chain (root to /AF1410_10, then AF1410_a10); axis and errors from "
        f"NXcanSAS's @I_axes=Q and I@uncertainties=Idev. {CANSAS_AXES}; nexusformat "
        "finds Idev but not Q",
    ),
    RealFile(
        path=_file("punx", "DLS_i03_i04_NXmx_Therm_6_2.nxs"),
        source=PUNX + "DLS_i03_i04_NXmx_Therm_6_2.nxs",
        licence="CC-BY-4.0",
        writer="Diamond I04 acquisition (GDA), Eiger2 X 16M NXmx master file, 2019 (the raw "
        "frames are on Zenodo, 10.5281/zenodo.2616447)",
        signal="/entry/data/data",
        axes=("/entry/data/omega", "", ""),
        errors="",
        how=f"{NO_DEFAULT}; the only NXdata names @signal=data, @axes=omega (one name for "
        "3 dimensions: NXmx's rotation axis is dimension 0); nexusformat agrees, silx "
        "rejects the NXdata (not enough @axes). The signal is a virtual dataset whose "
        "frames are in Therm_6_2_000001.h5, which is NOT shipped: the viewer must say "
        "that file is missing, not show HDF5's fill value (zeros)",
    ),
    RealFile(
        path=_file("punx", "Data_Q.h5"),
        source=PUNX + "Data_Q.h5",
        licence="CC-BY-4.0",
        writer="Igor Pro (IGORWaveType attributes), canSAS NXcanSAS draft 0.1, 2014",
        signal="/sasentry01/sasdata01/I",
        axes=("", ""),
        errors="",
        how="no @default; NX_class, @signal and @I_axes are 1-element string ARRAYS (Igor "
        "Pro's way), which nexusformat reads (I, axis Q) and silx does not ('no "
        "@NX_class=NXdata'). @I_axes='Q,Q' names Q for both dimensions, but Q is a 2-D "
        "map of |Q| per pixel: it cannot label either image axis, so the image has "
        "none; I@uncertainty is empty",
    ),
    RealFile(
        path=_file("punx", "Qx_rank4_test_data.h5"),
        source=PUNX + "Qx_rank4_test_data.h5",
        licence="CC-BY-4.0",
        writer="canSAS NXcanSAS_examples (example_14_varied_parameters_all_time.h5, "
        "h5py 2.6.0), 2016",
        signal="/sasentry/sasdata/I",
        axes=(
            "/sasentry/sasdata/Time",
            "/sasentry/sasdata/Temperature",
            "/sasentry/sasdata/Pressure",
            "/sasentry/sasdata/Qx",
        ),
        errors="",
        how="the @default chain (/sasentry/sasdata); I is 4-D (5, 7, 3, 500): I(t, T, P, "
        "Q(t, T, P)) in the NXcanSAS manual's example 14. The file's @axes and _indices "
        "put Temperature (7 values) on dimension 0 (5 long) and Time (5) on dimension 1 "
        "(7): swapped; the lengths and the manual decide Time, Temperature. Qx has I's "
        "shape (one Q axis per curve). silx rejects the NXdata (Qx not 1-D); nexusformat "
        "takes @axes as written",
    ),
    RealFile(
        path=_file("punx", "S2p5min_00070_00001.h5"),
        source=PUNX + "S2p5min_00070_00001.h5",
        licence="CC-BY-4.0",
        writer="EPICS areaDetector NDFileHDF5 (APS 12-ID-B SAXS, Eiger2), bitshuffle-LZ4",
        signal="/entry/data/data",
        axes=("", ""),
        errors="",
        how=f"{NO_DEFAULT}; the only NXdata names @signal=data and no axes; nexusformat "
        "agrees (index axes). The detector image is compressed with bitshuffle/LZ4 "
        "(filter 32008)",
    ),
    RealFile(
        path=_file("punx", "USAXS_flyScan_GC_M4_NewD_15.h5"),
        source=PUNX + "USAXS_flyScan_GC_M4_NewD_15.h5",
        licence="CC-BY-4.0",
        writer="APS USAXS saveFlyData.py (h5py), 2016",
        signal="/entry/flyScan/mca3",
        axes=("",),
        errors="",
        how="the @default chain (/entry/flyScan, the raw fly scan, not the reduced "
        "flyScan_reduced_* NXdata); @signal=mca3 on the group and the old @signal='1' "
        "on mca3 agree; no axes; silx and nexusformat agree",
    ),
    RealFile(
        path=_file("punx", "chopper.nxs"),
        source=PUNX + "chopper.nxs",
        licence="CC-BY-4.0",
        writer="NeXus C API (NAPI) 4.2.1, HDF5 1.8.2, 2010: IPNS LRMECS chopper "
        "spectrometer run (2001)",
        signal="/entry/data/data",
        axes=("/entry/data/polar_angle", "/entry/data/time_of_flight"),
        errors="",
        how=f"{NO_DEFAULT}; the only NXdata names @axes=[polar_angle, time_of_flight]; "
        "time_of_flight has 751 values for 750 bins: a histogram's bin edges, which "
        "nexusformat (and NeXpy's plot) accept and silx rejects ('does not correspond to "
        "the length of any signal dimension'). Bin edges are NeXus-legal: nexusformat "
        "decides",
    ),
    RealFile(
        path=_file("punx", "example_mapping.nxs"),
        source=PUNX + "example_mapping.nxs",
        licence="CC-BY-4.0",
        writer="GDA 9.0.0 (Diamond), the mapping-scan example of the NeXus manual",
        signal="/entry1/data/data",
        axes=(
            "/entry1/data/x_stage_set",
            "/entry1/data/y_stage_set",
            "/entry1/data/t_stage_set",
            "/entry1/data/energy",
        ),
        errors="",
        how="no @default; two NXentry, entry1 is the first; NX_class and @signal are "
        "1-element byte-string ARRAYS, which nexusformat reads and silx does not. The "
        "4-D data (10, 12, 5, 24) has @axes=[x_stage_set, y_stage_set, t_stage_set, "
        "energy], matching the lengths; its x/y_stage_set_indices are swapped (1 and 0): "
        "the lengths and nexusformat decide",
    ),
    RealFile(
        path=_file("punx", "scan101.nxs"),
        source=PUNX + "scan101.nxs",
        licence="CC-BY-4.0",
        writer="Synchrotron SOLEIL DataRecorder (Tango, NeXus API, HDF5 1.8.3), SIXS "
        "beamline XPAD image scan",
        signal="/com_05551/scan_data/data_01",
        axes=("/com_05551/scan_data/sensors_rel_timestamps", "", ""),
        errors="",
        how="no @default; NXdata scan_data has no group @signal: old NeXus, @signal=1 on "
        "data_01 (1, 960, 560); the scan dimension's axis is given by SOLEIL's 0-based "
        "@axis=0 on two timestamp datasets, silx takes the first, sensors_rel_timestamps; "
        "nexusformat 2.1.0 raises IndexError on this file. The image dimensions have no "
        "axes",
    ),
    RealFile(
        path=_file("sasdata", "FK403_0006_Nika.hdf"),
        source=SASDATA + "1d_data/FK403_0006_Nika.hdf",
        licence="BSD-3-Clause",
        writer="Nika (Igor Pro SAXS reduction package, APS), NXcanSAS 1.0",
        signal="/FK403_0006_270_30/_1D_270_30/I",
        axes=("/FK403_0006_270_30/_1D_270_30/Q",),
        errors="/FK403_0006_270_30/_1D_270_30/Idev",
        how="the @default chain (/FK403_0006_270_30/_1D_270_30); NXcanSAS @I_axes=Q, "
        f"I@uncertainties=Idev (and Q@resolutions=Qdev). {CANSAS_AXES}; nexusformat "
        "finds Idev but not Q",
    ),
    RealFile(
        path=_file("sasdata", "33837rear_1D_1.75_16.5_NXcanSAS_v3.h5"),
        source=SASDATA + "1d_data/33837rear_1D_1.75_16.5_NXcanSAS_v3.h5",
        licence="BSD-3-Clause",
        writer="Mantid 3.7 SaveNXcanSAS (ISIS SANS2D run 33837), 2016",
        signal="/sasentry01/sasdata/I",
        axes=("/sasentry01/sasdata/Q",),
        errors="/sasentry01/sasdata/Idev",
        how="no @default; two NXdata, sasdata (the SASdata) and the transmission "
        "spectrum: sasdata is the first and the one NXcanSAS plots; @I_axes=Q, "
        f"@I_uncertainty=Idev (Mantid's singular). {CANSAS_AXES}; nexusformat finds "
        "neither",
    ),
    RealFile(
        path=_file("sasdata", "33837rear_1D_1.75_16.5_NXcanSAS.h5"),
        source=SASDATA + "1d_data/33837rear_1D_1.75_16.5_NXcanSAS.h5",
        licence="BSD-3-Clause",
        writer="Mantid 3.6 SaveNXcanSAS draft (ISIS SANS2D run 33837), 2016",
        signal="",
        axes=(),
        errors="",
        how="not NeXus: this pre-release writer put canSAS class names in NX_class "
        "(SASentry, SASdata), so no NXentry or NXdata exists and silx and nexusformat "
        "find nothing; a viewer may fall back to a dataset and must say so (the groups' "
        "@signal=I, @I_axes=Q would give I(Q) to a canSAS-aware reader)",
    ),
    RealFile(
        path=_file("sasdata", "14250_2D_NoDetInfo_NXcanSAS_v3.h5"),
        source=SASDATA + "2d_data/14250_2D_NoDetInfo_NXcanSAS_v3.h5",
        licence="BSD-3-Clause",
        writer="Mantid 3.8 SaveNXcanSAS, 2-D (ISIS LARMOR run 14250), 2016",
        signal="/sasentry01/sasdata/I",
        axes=("/sasentry01/sasdata/Qy", "/sasentry01/sasdata/Qx"),
        errors="/sasentry01/sasdata/Idev",
        how="no @default; the only NXdata; @I_axes='Q,Q' with Mantid's Qx, Qy datasets "
        "(2-D, on a regular grid: Qx varies along dimension 1 only, Qy along dimension 0 "
        "only, checked on the values); @I_uncertainty=Idev. silx and nexusformat find no "
        "axis and no errors",
    ),
    RealFile(
        path=_file("nexpy", "example.nxs"),
        source="nexpy 2.1.0 (PyPI sdist), src/nexpy/examples/example.nxs",
        licence="BSD-3-Clause",
        writer="nexusformat 0.4.5 (h5py 2.7.0), 2017",
        signal="/entry/data/signal",
        axes=("/entry/data/y", "/entry/data/x"),
        errors="",
        how="the @default chain (/entry/data); silx and nexusformat agree",
    ),
    RealFile(
        path=_file("pynxtools", "201805_WSe2_arpes.nxs"),
        source="pynxtools 0.16.0 (PyPI sdist), src/pynxtools/data/201805_WSe2_arpes.nxs",
        licence="Apache-2.0",
        writer="nexusformat 0.5.2 (h5py 2.10.0), 2020: time-resolved ARPES of WSe2 (FHI Berlin)",
        signal="/entry/data/data",
        axes=("/entry/data/angles", "/entry/data/energies", "/entry/data/delays"),
        errors="",
        how=f"{NO_DEFAULT}; the only NXdata names @axes=[angles, energies, delays] for "
        "the 3-D (80, 146, 195) signal; nexusformat agrees, and silx's NXdata on the "
        "group too",
    ),
    RealFile(
        path=_file("nexgen", "xrc_209_master.h5"),
        source=NEXGEN + "xrc_209_master.h5",
        licence="BSD-3-Clause",
        writer="nexgen (Diamond's NeXus generator, as run at i03 for an Eiger 16M), NXmx master "
        "file, 2024 (its end_time_estimated field is nexgen's)",
        signal="/entry/data/data",
        axes=("/entry/data/omega", "", ""),
        errors="",
        how="the @default chain (/entry/data); @axes=omega with @omega_indices=0 for a "
        "3-D signal; nexusformat agrees, silx rejects the NXdata (not enough @axes). The "
        "signal is a virtual dataset whose frames are in xrc_209_000001.h5, which is NOT "
        "shipped: the viewer must say that file is missing, not show zeros",
    ),
    RealFile(
        path=_file("nexgen", "00001.h5"),
        source=NEXGEN + "00001.h5",
        licence="BSD-3-Clause",
        writer="PandABlocks HDF writer (PandA position capture), 2024",
        signal="",
        axes=(),
        errors="",
        how="not NeXus: no NX_class anywhere, only datasets named like PCAP.TS_START.Value "
        "(dots in names); silx and nexusformat find nothing; a viewer may show a dataset "
        "and must say it guessed",
    ),
    RealFile(
        path=_file("nexus-code", "dmc01.h5"),
        source=NEXUS_CODE + "test/data/dmc01.h5",
        licence="LGPL-2.1-or-later",
        writer="NeXus C API (NAPI) 4.2.1, HDF5 1.6.4, 2006: PSI SINQ DMC powder "
        "diffractometer (SICS)",
        signal="/entry1/data1/counts",
        axes=("/entry1/data1/two_theta",),
        errors="",
        how="no @default, no group @signal/@axes: the oldest NeXus rules, @signal=1 on "
        "counts and @axis=1 on two_theta, where @axis is the 1-based dimension (NX_POSINT). "
        "silx reads @axis as 0-based and finds no axis for the 1-D signal; nexusformat "
        "2.1.0 raises TypeError on the file. The NeXus rule decides",
    ),
    RealFile(
        path=_file("nexus-code", "NXtest.h5"),
        source=NEXUS_CODE + "bindings/idl/NXtest.h5",
        licence="LGPL-2.1-or-later",
        writer="NeXus C API (NAPI) 4.1.0 test suite, HDF5 1.6.6, 2009",
        signal="",
        axes=(),
        errors="",
        how="NeXus, but its NXdata has no @signal and no dataset carries @signal: nothing "
        "is plottable (nexusformat: 'No signal defined', silx finds nothing); a viewer "
        "may show a dataset and must say it guessed",
    ),
)
"""Every real file, with the plot its authors mean."""
