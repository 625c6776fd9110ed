"""Reading HTML pages in tests as a browser without JavaScript would: elements by XPath."""

from __future__ import annotations

import re
from typing import Any

import lxml.html


def parse(html: str | bytes) -> Any:
    """The page's element tree."""
    return lxml.html.fromstring(html if isinstance(html, str) else html.decode())


def text(element: Any) -> str:
    """An element's text as shown: its descendants' text, white space collapsed."""
    return " ".join(element.text_content().split())


def has_class(name: str) -> str:
    """An XPath test: the element has class ``name``."""
    return f"contains(concat(' ', @class, ' '), ' {name} ')"


def find(element: Any, path: str) -> list[Any]:
    """Elements by XPath, ``tag.C`` standing for ``tag[has_class(C)]`` (``//td.col-title``)."""
    expanded = re.sub(r"\.([a-z][\w-]*)", lambda m: f"[{has_class(m.group(1))}]", path)
    return list(element.xpath(expanded))
