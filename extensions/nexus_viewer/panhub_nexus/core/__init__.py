"""Pure NeXus viewing core: numpy, h5py, hdf5plugin and silx only.

Modules
-------
files       open without locking; errors a user can act on (missing plugins, corruption)
tree        lazy, paged tree listing
locate      default NXdata (silx rules) and fallbacks; NXdetector pixel mask
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
