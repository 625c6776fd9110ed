"""Every example in a docstring of panhub, panhub_catalogue and panhub_nexus runs and
prints what it says (``>>>`` lines; ``# doctest: +SKIP`` marks those that need a server,
a catalogue or a file)."""

from __future__ import annotations

import doctest
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = {
    "panhub": ROOT / "hub_config" / "panhub",
    "panhub_catalogue": ROOT / "extensions" / "catalogue" / "panhub_catalogue",
    "panhub_nexus": ROOT / "extensions" / "nexus_viewer" / "panhub_nexus",
}
#: not modules to import: alembic's migration scripts, the built Lab extension
SKIPPED_PARTS = {"migrations", "labextension", "__main__.py"}


def find_modules() -> list[str]:
    found = []
    for package, folder in PACKAGES.items():
        for path in sorted(folder.rglob("*.py")):
            parts = path.relative_to(folder).parts
            if SKIPPED_PARTS.intersection(parts):
                continue
            name = ".".join((package, *parts)).removesuffix(".py").removesuffix(".__init__")
            found.append(name)
    return found


def test_the_examples_are_found() -> None:
    modules = find_modules()
    assert "panhub.hubdb" in modules and "panhub_catalogue.publish.oai_requests" in modules
    examples = sum(
        len(test.examples)
        for name in ("panhub.hubdb", "panhub.jobend")
        for test in doctest.DocTestFinder().find(importlib.import_module(name))
    )
    assert examples >= 4


@pytest.mark.parametrize("name", find_modules())
def test_docstring_examples(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # examples that write a file write it here
    module = importlib.import_module(name)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    for test in doctest.DocTestFinder().find(module):
        runner.run(test)
    results = runner.summarize(verbose=False)
    assert results.failed == 0, f"{name}: {results.failed} of {results.attempted} examples failed"
