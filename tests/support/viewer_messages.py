"""The viewer widget's messages, driven from Python: what the browser would receive and
send (no browser, no comm)."""

from __future__ import annotations

from typing import Any

from panhub_nexus import NexusViewer


class Recorder:
    """Replaces ``widget.send``: keeps the messages the front end would receive."""

    def __init__(self, viewer: NexusViewer) -> None:
        self.messages: list[tuple[dict[str, Any], list[bytes]]] = []
        viewer.send = self.send  # type: ignore[method-assign]

    def send(self, content: dict[str, Any], buffers: list[bytes] | None = None) -> None:
        self.messages.append((content, list(buffers or [])))

    def of(self, kind: str) -> list[tuple[dict[str, Any], list[bytes]]]:
        return [m for m in self.messages if m[0]["type"] == kind]


def client(viewer: NexusViewer, content: dict[str, Any]) -> None:
    """What the front end's ``model.send(content)`` triggers in the kernel."""
    viewer._on_message(viewer, content, [])
