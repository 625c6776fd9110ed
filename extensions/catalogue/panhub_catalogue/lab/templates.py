"""Template notebooks: found in the templates folders, copied into the user's folders (pure).

A template is a notebook ``<technique>/NN-<verb>-<noun>.ipynb`` in one of the folders of
``c.PanhubCatalogue.templates_path`` (``notebooks/README.md`` says how one is written).
Its id is that relative path; a template in an earlier folder hides one with the same
id in a later folder (a site's own ``saxs/01-integrate-fit.ipynb`` replaces panhub's).
Users never open a template where it is: :func:`copy_template` puts a copy, byte for
byte, into a folder of theirs under a name that is free (``01-integrate-fit.ipynb``,
then ``01-integrate-fit-2.ipynb``...), created exclusively so that nothing is ever
overwritten. Only ids that :func:`find_templates` lists are copied: a request's id is
looked up, never joined to a folder.
"""

from __future__ import annotations

import errno
import json
import logging
import os
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

#: The suffix of a template's file name.
SUFFIX = ".ipynb"
#: Largest template read, in bytes (a template keeps no outputs: a few tens of kB).
MAX_TEMPLATE_BYTES = 5 * 1024**2
#: Names tried for a copy before giving up (``name``, ``name-2``... ``name-1000``).
MAX_NAMES = 1000
#: Folder depth of templates below a templates folder (``<technique>/<name>.ipynb``).
MAX_DEPTH = 2

log = logging.getLogger(__name__)


class TemplateError(Exception):
    """A template that cannot be listed or copied; ``status`` is its HTTP status.

    Parameters
    ----------
    message
        What went wrong and what to do, for the user.
    """

    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UnknownTemplate(TemplateError):
    """No template has the id asked for (HTTP 404)."""

    status = 404


class NoFolder(TemplateError):
    """The destination is not a folder (HTTP 404)."""

    status = 404


class ReadOnlyFolder(TemplateError):
    """The destination may not be written (HTTP 403): the Lab copies into home instead."""

    status = 403


@dataclass(frozen=True)
class Template:
    """One template, as the Lab lists it.

    Parameters
    ----------
    id
        Its path below its templates folder, with ``/`` (``saxs/01-integrate-fit.ipynb``).
    path
        Its file.
    title, technique, description
        From the notebook's ``metadata.panhub.template``.
    kernel, kernel_display_name
        From the notebook's ``metadata.kernelspec`` (``saxs-2026.12.1``).
    """

    id: str
    path: Path
    title: str
    technique: str
    description: str
    kernel: str
    kernel_display_name: str

    @property
    def name(self) -> str:
        """The file name (``01-integrate-fit.ipynb``)."""
        return PurePosixPath(self.id).name

    def describe(self, kernels: Collection[str]) -> dict[str, Any]:
        """The template as JSON; ``kernels`` are the kernel names this server has."""
        return {
            "id": self.id,
            "name": self.name,
            "title": self.title,
            "technique": self.technique,
            "description": self.description,
            "kernel": {
                "name": self.kernel,
                "displayName": self.kernel_display_name,
                "exists": self.kernel in kernels,
            },
        }


def read_template(folder: Path, path: Path) -> Template:
    """The template in ``path`` (below ``folder``); :class:`TemplateError` if malformed.

    A template is a JSON notebook of nbformat 4 whose metadata has ``kernelspec.name``
    and ``panhub.template`` with a ``title`` and a ``technique`` (``description`` may be
    missing).
    """
    if path.stat().st_size > MAX_TEMPLATE_BYTES:
        raise TemplateError(f"{path}: over {MAX_TEMPLATE_BYTES} bytes (outputs not stripped?)")
    try:
        notebook = json.loads(path.read_bytes())
    except (ValueError, RecursionError) as error:
        raise TemplateError(f"{path}: not a JSON notebook ({error})") from None
    if not isinstance(notebook, dict) or notebook.get("nbformat") != 4:
        raise TemplateError(f"{path}: not a notebook of nbformat 4")
    metadata = get_object(notebook, "metadata")
    kernelspec = get_object(metadata, "kernelspec")
    panhub = get_object(metadata, "panhub")
    info = get_object(panhub, "template")
    kernel = get_text(kernelspec, "name", path, "metadata.kernelspec")
    return Template(
        id=path.relative_to(folder).as_posix(),
        path=path,
        title=get_text(info, "title", path, "metadata.panhub.template"),
        technique=get_text(info, "technique", path, "metadata.panhub.template"),
        description=get_text(info, "description", path, "metadata.panhub.template", ""),
        kernel=kernel,
        kernel_display_name=get_text(kernelspec, "display_name", path, "", kernel),
    )


def get_object(parent: dict[str, Any], key: str) -> dict[str, Any]:
    """``parent[key]`` if it is a JSON object, else an empty one."""
    value = parent.get(key)
    return value if isinstance(value, dict) else {}


def get_text(
    parent: dict[str, Any], key: str, path: Path, where: str, default: str | None = None
) -> str:
    """``parent[key]``, a non-empty string; ``default`` if missing, else :class:`TemplateError`."""
    value = parent.get(key)
    if isinstance(value, str) and value.strip():
        return value.strip()
    if default is not None:
        return default
    raise TemplateError(f"{path}: {where}.{key} is missing or not a text")


def walk_notebooks(folder: Path) -> Iterator[Path]:
    """The ``.ipynb`` files of ``folder`` and its subfolders (at most :data:`MAX_DEPTH`).

    Hidden files and folders (``.ipynb_checkpoints``) are left out; symbolic links to
    folders are not followed (a link cannot pull another tree in).
    """
    for parent, folders, files in os.walk(folder):
        depth = len(Path(parent).relative_to(folder).parts)
        folders[:] = sorted(f for f in folders if not f.startswith(".") and depth + 1 < MAX_DEPTH)
        for name in sorted(files):
            if name.endswith(SUFFIX) and not name.startswith("."):
                yield Path(parent) / name


def find_templates(
    folders: Iterable[str | Path], logger: logging.Logger | logging.LoggerAdapter[Any] = log
) -> list[Template]:
    """Every template of ``folders``, sorted by technique then id.

    Missing folders are skipped; so are malformed notebooks, each logged to ``logger``
    with why. A template hides those with the same id in later folders.
    """
    found: dict[str, Template] = {}
    for folder in map(Path, folders):
        if not folder.is_dir():
            logger.debug("templates folder %s: not a folder, skipped", folder)
            continue
        for path in walk_notebooks(folder):
            try:
                template = read_template(folder, path)
            except (TemplateError, OSError) as error:
                logger.warning("template skipped: %s", getattr(error, "message", error))
                continue
            found.setdefault(template.id, template)
    return sorted(found.values(), key=lambda t: (t.technique.casefold(), t.id))


def check_id(template_id: object) -> str:
    """``template_id`` if it is a plausible template id, else :class:`TemplateError`.

    An id is a relative path with ``/``, ending in ``.ipynb``, without ``.`` or ``..``
    parts, backslashes or control characters.
    """
    if not isinstance(template_id, str) or not template_id or len(template_id) > 500:
        raise TemplateError("template must be a template's id, e.g. 'saxs/01-integrate-fit.ipynb'")
    parts = template_id.split("/")
    if (
        template_id.startswith("/")
        or "\\" in template_id
        or any(ord(c) < 32 for c in template_id)
        or any(part in ("", ".", "..") for part in parts)
        or not template_id.endswith(SUFFIX)
    ):
        raise TemplateError(f"template: {template_id[:80]!r} is not a template's id")
    return template_id


def get_template(templates: Sequence[Template], template_id: object) -> Template:
    """The template of id ``template_id`` among ``templates``."""
    wanted = check_id(template_id)
    for template in templates:
        if template.id == wanted:
            return template
    raise UnknownTemplate(f"no template {wanted!r} on this server")


def is_raw_folder(folder: Path, proposals_view: str | None) -> bool:
    """True if ``folder`` is a proposal's ``raw/`` folder or below it.

    ``proposals_view`` is where this server sees the proposals (``/data``): raw data is
    ``<view>/<proposal>/raw``, read-only for users even where the file system would let
    one write (staff, root).
    """
    if not proposals_view:
        return False
    view = Path(os.path.realpath(proposals_view))
    try:
        parts = folder.relative_to(view).parts
    except ValueError:
        return False
    return len(parts) >= 2 and parts[1] == "raw"


def check_destination(root: Path, folder: Path, proposals_view: str | None) -> Path:
    """``folder``, resolved, if a copy may go there; else why not.

    Parameters
    ----------
    root
        The server's root folder (``/`` in panhub's servers).
    folder
        The destination, already joined to ``root`` (``/data/20260042/processed``).
    proposals_view
        Where this server sees the proposals (``/data``), for the ``raw/`` rule.

    Raises
    ------
    TemplateError
        The folder resolves (through links) outside ``root``.
    NoFolder
        It is not a folder.
    ReadOnlyFolder
        It is a proposal's ``raw/`` folder, or this server's user may not write there.
    """
    resolved = Path(os.path.realpath(folder))
    real_root = Path(os.path.realpath(root))
    if resolved != real_root and real_root not in resolved.parents:
        raise TemplateError("the destination leaves the server's root folder")
    if not resolved.is_dir():
        raise NoFolder(f"no folder {show(root, folder)}")
    if is_raw_folder(resolved, proposals_view):
        raise ReadOnlyFolder("raw/ is read-only: copy into processed/ or your home")
    if not os.access(resolved, os.W_OK | os.X_OK):
        raise ReadOnlyFolder(f"{show(root, folder)} is read-only: copy into your home")
    return resolved


def show(root: Path, folder: Path) -> str:
    """``folder`` as the user sees it in the file browser (``/data/20260042/raw``)."""
    try:
        relative = folder.relative_to(root).as_posix()
    except ValueError:
        return str(folder)
    return "/" if relative == "." else f"/{relative}"


def make_names(name: str) -> Iterator[str]:
    """``name``, then ``<stem>-2<suffix>``, ``<stem>-3<suffix>``... (:data:`MAX_NAMES` in all).

    The second copy is ``-2``, as a template's second result is (``panhub_nexus.results``).
    """
    stem, suffix = (name[: -len(SUFFIX)], SUFFIX) if name.endswith(SUFFIX) else (name, "")
    yield name
    for number in range(2, MAX_NAMES + 1):
        yield f"{stem}-{number}{suffix}"


def copy_template(template: Template, folder: Path, root: Path) -> Path:
    """Copy ``template`` into ``folder`` (checked) under the first free name; the copy.

    The bytes are the template's own (its outputs stay stripped). The file is created
    exclusively (``O_EXCL``): a file of that name, even one created meanwhile, is
    never overwritten; the next name is taken.

    Raises
    ------
    ReadOnlyFolder
        The folder refuses the new file (permissions, a read-only file system).
    TemplateError
        No free name, or the template cannot be read.
    """
    try:
        content = template.path.read_bytes()
    except OSError as error:
        raise TemplateError(f"template {template.id}: {error.strerror or error}") from None
    for name in make_names(template.name):
        target = folder / name
        try:
            file = target.open("xb")
        except FileExistsError:
            continue
        except OSError as error:
            if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
                # EROFS: the view's own folders (/, /data, /data/<proposal>) are read-only
                raise ReadOnlyFolder(
                    f"{show(root, folder)} is read-only: copy into your home"
                ) from None
            raise TemplateError(f"{show(root, target)}: {error.strerror or error}") from None
        try:
            with file:
                file.write(content)
        except OSError as error:
            target.unlink(missing_ok=True)  # ours: created above, half written
            raise TemplateError(f"{show(root, target)}: {error.strerror or error}") from None
        return target
    raise TemplateError(f"no free name for {template.name} in {show(root, folder)}")
