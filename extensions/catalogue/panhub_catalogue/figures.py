"""A figure for the logbook: a matplotlib figure, image bytes or a file, as PNG/JPEG base64.

matplotlib is not needed: anything with ``savefig(file, format="png")`` will do.
"""

from __future__ import annotations

import base64
import io
import os
from typing import Any

from panhub_catalogue.errors import BadRequest

#: Image types the logbook takes, by their first bytes.
MAGIC = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}


def get_mime_type(data: bytes) -> str:
    """``image/png`` or ``image/jpeg`` from the first bytes; :class:`BadRequest` otherwise."""
    for magic, mime_type in MAGIC.items():
        if data.startswith(magic):
            return mime_type
    raise BadRequest("the figure is neither a PNG nor a JPEG image")


def get_image_bytes(figure: object) -> bytes:
    """The image of ``figure``: saved as PNG if it has ``savefig``, read if a path, else bytes."""
    if hasattr(figure, "savefig"):
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", bbox_inches="tight")
        return buffer.getvalue()
    if isinstance(figure, bytes | bytearray | memoryview):
        return bytes(figure)
    if isinstance(figure, str | os.PathLike):
        with open(figure, "rb") as f:
            return f.read()
    raise TypeError(
        f"a figure is a matplotlib figure, PNG/JPEG bytes or a file, not {type(figure).__name__}"
    )


def make_figure(figure: object) -> dict[str, Any]:
    """The logbook's ``figure`` field: ``{"mimeType": ..., "data": <base64>}``."""
    data = get_image_bytes(figure)
    return {"mimeType": get_mime_type(data), "data": base64.b64encode(data).decode("ascii")}
