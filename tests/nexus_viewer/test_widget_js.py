"""The front end (``static/widget.js``): its Node tests, and its agreement with Python.

``node --test tests/nexus_viewer/js`` tests the pure functions; the other tests here
check, cheaply, that the message table of ``widget.py``'s docstring, the ``@typedef``
per message in ``widget.js`` and the handlers on both sides name the same messages
and fields.
"""

from __future__ import annotations

import inspect
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import panhub_nexus.widget
from panhub_nexus import NexusViewer, synthetic
from panhub_nexus.core.scale import AUTOSCALE_MODES, NORMS

ROOT = Path(__file__).resolve().parents[2]
WIDGET_JS = ROOT / "extensions" / "nexus_viewer" / "panhub_nexus" / "static" / "widget.js"
JS_TESTS = Path(__file__).parent / "js"
SENDERS = {"kernel → browser": "Kernel", "browser → kernel": "Browser"}
"""Direction in the table → prefix of the typedef names in widget.js."""

Messages = dict[tuple[str, str], set[str]]
"""(typedef name, message type) → field names, optional ones ending in ``?``."""


def read_table() -> Messages:
    """The message table of ``widget.py``'s docstring (an RST simple table)."""
    lines = (panhub_nexus.widget.__doc__ or "").splitlines()
    borders = [i for i, line in enumerate(lines) if re.fullmatch(r"=+( +=+){3}", line)]
    top, _, bottom = borders  # the table's three border lines
    spans = [m.span() for m in re.finditer("=+", lines[top])]
    rows: list[list[str]] = []
    for line in lines[borders[1] + 1 : bottom]:
        cells = [line[a:b].strip() if i < 3 else line[a:].strip() for i, (a, b) in enumerate(spans)]
        if cells[0]:
            rows.append(cells)
        else:  # a continuation line
            rows[-1] = [f"{old} {new}".strip() for old, new in zip(rows[-1], cells, strict=True)]
    table: Messages = {}
    for kind, direction, fields, _meaning in rows:
        name = SENDERS[direction] + kind.capitalize()
        table[name, kind] = {f.strip() for f in fields.split(",") if f.strip()}
    return table


def read_typedefs() -> Messages:
    """The message typedefs of widget.js: ``@typedef {object} Kernel*/Browser*`` blocks."""
    table: Messages = {}
    for block in re.findall(r"/\*\*(.*?)\*/", WIDGET_JS.read_text(), re.DOTALL):
        name = re.search(r"@typedef \{object\} ((?:Kernel|Browser)\w+)", block)
        if not name:
            continue
        fields = re.findall(r"@property \{[^}]*\} (\[\w+\]|\w+)", block)
        kind = re.search(r'@property \{"(\w+)"\} type\b', block)
        assert kind, f"{name[1]} has no literal type"
        optional = {f"{f[1:-1]}?" if f.startswith("[") else f for f in fields if f != "type"}
        table[name[1], kind[1]] = optional
    return table


def test_node_tests_of_the_front_end_pass() -> None:
    node = shutil.which("node")
    assert node, "Node.js is needed for the front-end tests (apt-get install nodejs)"
    done = subprocess.run(
        [node, "--test", str(JS_TESTS)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        check=False,
    )
    summary = dict(re.findall(r"^# (pass|fail) (\d+)$", done.stdout, re.MULTILINE))
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert int(summary.get("pass", 0)) > 0, done.stdout[-2000:]
    assert summary.get("fail") == "0"


def test_the_message_table_and_the_typedefs_agree() -> None:
    table = read_table()
    assert len(table) == 16
    assert read_typedefs() == table


def test_both_sides_handle_every_message_of_the_table() -> None:
    table = read_table()
    to_kernel = {kind for name, kind in table if name.startswith("Browser")}
    to_browser = {kind for name, kind in table if name.startswith("Kernel")}
    source = inspect.getsource(panhub_nexus.widget.NexusViewer._on_message)
    assert set(re.findall(r'kind == "(\w+)"', source)) == to_kernel
    handlers = re.search(
        r"const handlers = new Map\(\[(.*?)\]\);", WIDGET_JS.read_text(), re.DOTALL
    )
    assert handlers
    assert set(re.findall(r'\["(\w+)",', handlers[1])) == to_browser


def test_the_colour_scales_offered_are_the_kernels() -> None:
    text = WIDGET_JS.read_text()
    for name, values in (("NORMS", NORMS), ("AUTOSCALE_MODES", AUTOSCALE_MODES)):
        found = re.search(rf"export const {name} = \[(.*?)\];", text)
        assert found
        assert re.findall(r'"(\w+)"', found[1]) == list(values)


def test_the_kernel_sends_the_fields_of_the_table(
    stack: synthetic.StackInfo, spectrum: Path
) -> None:
    table = {kind: fields for (name, kind), fields in read_table().items() if name[0] == "K"}
    sent: list[dict[str, Any]] = []
    image = NexusViewer(stack.path, threaded=False, display_shape=[24, 20])
    curve = NexusViewer(spectrum, threaded=False)
    try:
        for viewer in (image, curve):
            viewer.send = lambda content, buffers=None: sent.append(content)  # type: ignore[method-assign]
        image._on_message(image, {"type": "view", "id": 1, "frame": 2, "size": [24, 20]}, [])
        image._on_message(image, {"type": "children", "path": "/", "offset": 0}, [])
        image._on_message(image, {"type": "pixel", "y": 3, "x": 4}, [])
        image.line = [1.0, 1.0, 20.0, 30.0]
        curve._on_message(curve, {"type": "curve"}, [])
    finally:
        image.close()
        curve.close()
    assert {msg["type"] for msg in sent} == {"image", "children", "pixel", "profile", "curve"}
    for msg in sent:
        assert set(msg) - {"type"} == table[msg["type"]], msg["type"]
