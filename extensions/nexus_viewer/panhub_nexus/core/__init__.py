"""Pure NeXus viewing core: numpy, h5py, hdf5plugin and silx only.

Modules
-------
files       open without locking; errors a user can act on (missing plugins, corruption)
tree        lazy, paged tree listing
links       broken soft and external links: which file or path is missing
text        attributes as text: names, indices, labels with units
axes        which axis goes with which dim (NeXus rules, repairs for real files)
nxdata      an NXdata as its writer meant it: signal, errors, title, scales
locate      the @default chain, guesses said in a note, fallbacks; NXdetector pixel mask
frames      one frame at a time into a reused buffer, invalid pixels marked
downsample  peak-preserving block maxima; min/max decimation of curves
scale       robust autoscale; values to 8-bit colour indices
colormap    palettes from silx colormaps
encode      zlib payloads and palette PNG
render      the image pipeline of one update
curves      1D reads in blocks with decimation
analysis    line profiles, ROI statistics, pixel values
session     the state of one viewer
"""

from __future__ import annotations

import hdf5plugin  # noqa: F401  (registers bitshuffle, LZ4, Blosc... before any read)

from panhub_nexus.core.files import ViewerError, open_file
from panhub_nexus.core.locate import PlotSpec, find_plot
from panhub_nexus.core.render import DisplaySettings, RenderedImage, render
from panhub_nexus.core.session import ViewerSession

__all__ = [
    "DisplaySettings",
    "PlotSpec",
    "RenderedImage",
    "ViewerError",
    "ViewerSession",
    "find_plot",
    "open_file",
    "render",
]
