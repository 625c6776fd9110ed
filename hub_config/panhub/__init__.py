"""panhub: the hub side of the platform (spawner, resource form, data view, operator CLI)."""

from __future__ import annotations

__version__ = "0.1.0"
