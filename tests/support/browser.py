"""Debian's Chromium for Playwright: where it is and how it must be started here.

The background-networking flags matter: this machine's network is closed, and Chromium's
own connections would be refused many at a time.
"""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Browser, Playwright

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def launch(playwright: Playwright) -> Browser:
    """Launch Debian's Chromium; a missing browser is a failure, never a skip."""
    assert Path(CHROMIUM).exists(), "Debian's chromium is missing: run hub_config/demo/bootstrap.sh"
    return playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, timeout=60_000)
