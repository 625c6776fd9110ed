"""lab.templates: templates found in their folders, copied never in place (pure)."""

from __future__ import annotations

import json
import logging
import re
import shutil
from pathlib import Path

import pytest
from panhub_catalogue.lab import templates
from panhub_catalogue.lab.templates import (
    NoFolder,
    ReadOnlyFolder,
    Template,
    TemplateError,
    UnknownTemplate,
    check_destination,
    check_id,
    copy_template,
    find_templates,
    get_template,
    is_raw_folder,
    make_names,
    read_template,
)

DATA = Path(__file__).parent / "data" / "templates"
IDS = ["data/01-look-file.ipynb", "saxs/01-integrate-fit.ipynb", "xas/01-normalize-fit.ipynb"]


def make_notebook(path: Path, title: str = "A title", technique: str = "SAXS/WAXS", **kw) -> Path:
    """A template notebook at ``path``; ``kw`` replaces parts of its metadata."""
    metadata = {
        "kernelspec": {"name": "saxs-2026.12.1", "display_name": "SAXS/WAXS", "language": "python"},
        "panhub": {"template": {"title": title, "technique": technique, "description": "d"}},
        **kw,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"cells": [], "metadata": metadata, "nbformat": 4,
                                "nbformat_minor": 5}))  # fmt: skip
    return path


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A templates folder: a copy of the test templates."""
    shutil.copytree(DATA, tmp_path / "templates")
    return tmp_path / "templates"


def test_read_template_takes_its_metadata() -> None:
    template = read_template(DATA, DATA / "saxs" / "01-integrate-fit.ipynb")
    assert template == Template(
        id="saxs/01-integrate-fit.ipynb",
        path=DATA / "saxs" / "01-integrate-fit.ipynb",
        title="Integrate and fit",
        technique="SAXS/WAXS",
        description="I(q) from a detector image, a sphere model fitted (a test template)",
        kernel="saxs-2026.12.1",
        kernel_display_name="SAXS/WAXS (saxs 2026.12.1)",
    )
    assert template.name == "01-integrate-fit.ipynb"


def test_describe_says_whether_the_kernel_is_here() -> None:
    template = read_template(DATA, DATA / "saxs" / "01-integrate-fit.ipynb")
    assert template.describe({"python3", "saxs-2026.12.1"}) == {
        "id": "saxs/01-integrate-fit.ipynb",
        "name": "01-integrate-fit.ipynb",
        "title": "Integrate and fit",
        "technique": "SAXS/WAXS",
        "description": "I(q) from a detector image, a sphere model fitted (a test template)",
        "kernel": {
            "name": "saxs-2026.12.1",
            "displayName": "SAXS/WAXS (saxs 2026.12.1)",
            "exists": True,
        },
    }
    assert template.describe({"python3"})["kernel"]["exists"] is False


def test_a_missing_description_and_display_name_have_defaults(tmp_path: Path) -> None:
    path = make_notebook(
        tmp_path / "x" / "01-a.ipynb",
        kernelspec={"name": "k"},
        panhub={"template": {"title": "T", "technique": "X"}},
    )
    template = read_template(tmp_path, path)
    assert (template.description, template.kernel_display_name) == ("", "k")


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("{not json", "not a JSON notebook"),
        ("[]", "not a notebook of nbformat 4"),
        ('{"nbformat": 3, "metadata": {}}', "not a notebook of nbformat 4"),
        ('{"nbformat": 4, "metadata": {}}', "metadata.kernelspec.name is missing"),
        (
            '{"nbformat": 4, "metadata": {"kernelspec": {"name": "k"}}}',
            "metadata.panhub.template.title is missing",
        ),
        (
            '{"nbformat": 4, "metadata": {"kernelspec": {"name": "k"},'
            ' "panhub": {"template": {"title": "T", "technique": 3}}}}',
            "metadata.panhub.template.technique is missing or not a text",
        ),
        ('{"nbformat": 4, "metadata": {"kernelspec": "python3"}}', "kernelspec.name"),
    ],
)
def test_malformed_notebooks_say_why(tmp_path: Path, text: str, why: str) -> None:
    path = tmp_path / "bad.ipynb"
    path.write_text(text)
    with pytest.raises(TemplateError, match=why):
        read_template(tmp_path, path)


def test_a_huge_notebook_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(templates, "MAX_TEMPLATE_BYTES", 10)
    path = make_notebook(tmp_path / "big.ipynb")
    with pytest.raises(TemplateError, match="outputs not stripped"):
        read_template(tmp_path, path)


def test_find_templates_sorts_by_technique_then_id() -> None:
    found = find_templates([DATA])
    assert [t.id for t in found] == IDS
    assert [t.technique for t in found] == ["Any technique", "SAXS/WAXS", "XAS"]


def test_find_templates_skips_and_logs_malformed_ones(
    folder: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (folder / "saxs" / "02-broken.ipynb").write_text("{")
    make_notebook(folder / "saxs" / "03-untitled.ipynb", panhub={})
    with caplog.at_level(logging.WARNING, logger=templates.__name__):
        found = find_templates([folder])
    assert [t.id for t in found] == IDS
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 2
    assert "02-broken.ipynb: not a JSON notebook" in messages[0]
    assert "03-untitled.ipynb: metadata.panhub.template.title is missing" in messages[1]


def test_find_templates_leaves_out_hidden_deep_and_other_files(folder: Path) -> None:
    make_notebook(folder / ".ipynb_checkpoints" / "01-a-checkpoint.ipynb")
    make_notebook(folder / "saxs" / ".ipynb_checkpoints" / "01-b-checkpoint.ipynb")
    make_notebook(folder / "saxs" / ".02-hidden.ipynb")
    make_notebook(folder / "saxs" / "deeper" / "01-deep.ipynb")
    (folder / "README.md").write_text("# templates")
    make_notebook(folder / "00-top.ipynb", technique="Any technique")
    assert [t.id for t in find_templates([folder])] == ["00-top.ipynb", *IDS]


def test_find_templates_does_not_follow_folder_links(folder: Path, tmp_path: Path) -> None:
    make_notebook(tmp_path / "elsewhere" / "01-other.ipynb")
    (folder / "linked").symlink_to(tmp_path / "elsewhere")
    assert [t.id for t in find_templates([folder])] == IDS


def test_an_earlier_folder_hides_the_same_id_later(folder: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    make_notebook(site / "saxs" / "01-integrate-fit.ipynb", title="Our own SAXS template")
    make_notebook(site / "arpes" / "01-map-bands.ipynb", title="Bands", technique="ARPES")
    found = find_templates([tmp_path / "missing", site, folder])
    assert [t.id for t in found] == ["data/01-look-file.ipynb", "arpes/01-map-bands.ipynb",
                                     *IDS[1:]]  # fmt: skip
    saxs = get_template(found, "saxs/01-integrate-fit.ipynb")
    assert (saxs.title, saxs.path.parent.parent) == ("Our own SAXS template", site)


@pytest.mark.parametrize(
    "hostile",
    [
        "../secret.ipynb",
        "saxs/../../etc/x.ipynb",
        "/etc/panhub/notebooks/saxs/01-integrate-fit.ipynb",
        "saxs//01-integrate-fit.ipynb",
        "./saxs/01-integrate-fit.ipynb",
        "saxs\\01-integrate-fit.ipynb",
        "saxs/01-integrate-fit.ipynb\n",
        "saxs/01-integrate-fit.py",
        "",
        None,
        3,
        ["saxs/01-integrate-fit.ipynb"],
        "x" * 600 + ".ipynb",
    ],
)
def test_hostile_ids_are_refused(hostile: object) -> None:
    with pytest.raises(TemplateError) as caught:
        check_id(hostile)
    assert type(caught.value) is TemplateError
    assert caught.value.status == 400


def test_unknown_ids_are_404() -> None:
    with pytest.raises(UnknownTemplate, match=r"no template 'saxs/99-x.ipynb'") as caught:
        get_template(find_templates([DATA]), "saxs/99-x.ipynb")
    assert caught.value.status == 404


def test_make_names_counts_up() -> None:
    names = list(make_names("01-integrate-fit.ipynb"))
    assert names[:3] == ["01-integrate-fit.ipynb", "01-integrate-fit-2.ipynb",
                         "01-integrate-fit-3.ipynb"]  # fmt: skip
    assert (len(names), names[-1]) == (templates.MAX_NAMES, "01-integrate-fit-1000.ipynb")


def test_copies_are_byte_for_byte_and_never_overwrite(tmp_path: Path) -> None:
    template = get_template(find_templates([DATA]), "saxs/01-integrate-fit.ipynb")
    original = template.path.read_bytes()
    work = tmp_path / "work"
    work.mkdir()
    (work / "01-integrate-fit-2.ipynb").write_text("the user's own notebook")
    copies = [copy_template(template, work, tmp_path) for _ in range(3)]
    assert [c.name for c in copies] == ["01-integrate-fit.ipynb", "01-integrate-fit-3.ipynb",
                                        "01-integrate-fit-4.ipynb"]  # fmt: skip
    assert all(c.read_bytes() == original for c in copies)
    assert (work / "01-integrate-fit-2.ipynb").read_text() == "the user's own notebook"
    assert template.path.read_bytes() == original


def test_a_link_in_the_way_is_not_written_through(tmp_path: Path) -> None:
    template = get_template(find_templates([DATA]), "saxs/01-integrate-fit.ipynb")
    target = tmp_path / "precious.txt"
    target.write_text("keep")
    (tmp_path / "01-integrate-fit.ipynb").symlink_to(target)
    (tmp_path / "01-integrate-fit-2.ipynb").symlink_to(tmp_path / "dangling")
    assert copy_template(template, tmp_path, tmp_path).name == "01-integrate-fit-3.ipynb"
    assert target.read_text() == "keep"
    assert not (tmp_path / "dangling").exists()


def test_no_free_name_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(templates, "MAX_NAMES", 2)
    template = get_template(find_templates([DATA]), "xas/01-normalize-fit.ipynb")
    copy_template(template, tmp_path, tmp_path)
    copy_template(template, tmp_path, tmp_path)
    with pytest.raises(TemplateError, match=r"no free name for 01-normalize-fit.ipynb in /"):
        copy_template(template, tmp_path, tmp_path)


@pytest.mark.parametrize(
    ("folder", "raw"),
    [
        ("data/2026/raw", True),
        ("data/2026/raw/scans/x", True),
        ("data/2026/processed", False),
        ("data/2026", False),
        ("data/raw", False),
        ("home/alice/raw", False),
    ],
)
def test_raw_folders_are_those_of_proposals(tmp_path: Path, folder: str, raw: bool) -> None:
    assert is_raw_folder(tmp_path / folder, str(tmp_path / "data")) is raw
    assert is_raw_folder(tmp_path / folder, None) is False


def test_check_destination_accepts_a_writable_folder(tmp_path: Path) -> None:
    (tmp_path / "data" / "2026" / "processed").mkdir(parents=True)
    folder = tmp_path / "data" / "2026" / "processed"
    assert check_destination(tmp_path, folder, str(tmp_path / "data")) == folder


def test_check_destination_refuses_raw_with_a_way_out(tmp_path: Path) -> None:
    (tmp_path / "data" / "2026" / "raw").mkdir(parents=True)
    with pytest.raises(ReadOnlyFolder) as caught:
        check_destination(tmp_path, tmp_path / "data" / "2026" / "raw", str(tmp_path / "data"))
    assert caught.value.message == "raw/ is read-only: copy into processed/ or your home"
    assert caught.value.status == 403


def test_check_destination_refuses_a_folder_access_denies(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(templates.os, "access", lambda path, mode: False)
    with pytest.raises(ReadOnlyFolder, match=r"^/ is read-only: copy into your home$"):
        check_destination(tmp_path, tmp_path, None)


def test_check_destination_refuses_missing_folders_and_files(tmp_path: Path) -> None:
    (tmp_path / "file.txt").write_text("x")
    for name in ["missing", "file.txt"]:
        with pytest.raises(NoFolder, match=f"^no folder /{name}$"):
            check_destination(tmp_path, tmp_path / name, None)


def test_check_destination_refuses_links_out_of_the_root(tmp_path: Path) -> None:
    root, outside = tmp_path / "root", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    (root / "out").symlink_to(outside)
    with pytest.raises(TemplateError, match="leaves the server's root") as caught:
        check_destination(root, root / "out", None)
    assert caught.value.status == 400


def test_a_refused_write_is_read_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    template = get_template(find_templates([DATA]), "xas/01-normalize-fit.ipynb")

    real_open = Path.open

    def refuse(self: Path, mode: str = "r", *args, **kwargs):
        if "x" in mode:
            raise OSError(30, "Read-only file system")
        return real_open(self, mode, *args, **kwargs)

    monkeypatch.setattr(Path, "open", refuse)
    with pytest.raises(ReadOnlyFolder, match=r"^/ is read-only: copy into your home$"):
        copy_template(template, tmp_path, tmp_path)


NOTEBOOKS = Path(__file__).resolve().parents[3] / "notebooks"


def test_every_technique_has_a_template() -> None:
    techniques = {p.parent.name for p in NOTEBOOKS.glob("*/*.ipynb")}
    assert techniques >= {"saxs", "powder", "xas", "tomo", "mx"}, techniques


@pytest.mark.parametrize(
    "path", sorted(NOTEBOOKS.glob("*/*.ipynb")), ids=lambda p: f"{p.parent.name}/{p.name}"
)
def test_shipped_templates_are_listed_stripped_on_their_kernel(path: Path) -> None:
    template = read_template(NOTEBOOKS, path)
    assert re.fullmatch(r"\d\d-[a-z0-9]+(-[a-z0-9]+)+\.ipynb", template.name), template.name
    assert template.kernel.startswith(f"{path.parent.name}-"), template.kernel
    assert template.description
    cells = json.loads(path.read_bytes())["cells"]
    assert cells[0]["cell_type"] == "markdown"
    code = [c for c in cells if c["cell_type"] == "code"]
    assert all(c["outputs"] == [] and c["execution_count"] is None for c in code)
    assert any("parameters" in c["metadata"].get("tags", []) for c in code)
