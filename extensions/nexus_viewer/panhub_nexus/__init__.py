"""panhub's NeXus/HDF5 viewer: a pure core (:mod:`panhub_nexus.core`) and a widget.

``NexusViewer`` is imported lazily so that the core and the synthetic writers can be
used without anywidget (in the catalogue service, for example).
"""

from __future__ import annotations

from typing import Any

__all__ = ["NexusViewer"]


def __getattr__(name: str) -> Any:
    if name == "NexusViewer":
        from panhub_nexus.widget import NexusViewer

        return NexusViewer
    raise AttributeError(name)
