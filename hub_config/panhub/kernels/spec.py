"""Kernel folders as data: read and validate ``kernels/<name>/`` (pure, no side effects).

A kernel folder holds ``kernel.toml`` (metadata), ``requirements.in`` (what staff ask
for), ``requirements.lock`` (exact versions with hashes, made by ``panhub kernels lock``)
and a logo (``logo-svg.svg`` and/or ``logo-64x64.png``). Every error names the file and
the key, so a typo is found without reading code.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

NAME = re.compile(r"[a-z][a-z0-9-]{0,31}")
VERSION = re.compile(r"\d{4}\.\d{1,2}(\.\d{1,3})?")
PANET = re.compile(r"http://purl\.org/pan-science/PaNET/PaNET\d{5}")
PYTHON = re.compile(r"3\.\d{1,2}")
LOGOS = ("logo-svg.svg", "logo-64x64.png", "logo-32x32.png")
REQUIRED_TEXT = ("display_name", "technique", "maintainer", "version", "description")
KNOWN_KEYS = frozenset(
    {*REQUIRED_TEXT, "panet", "beamlines", "python", "imports"},
)
_REQUIREMENT = re.compile(r"([A-Za-z0-9][A-Za-z0-9._-]*)")
_PINNED = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?==", re.MULTILINE)


class SpecError(ValueError):
    """A kernel folder that cannot be used; the message names the file and the key."""


@dataclass(frozen=True)
class KernelSource:
    """One kernel as staff wrote it: its folder, metadata, requirements and lock.

    Attributes
    ----------
    name, version
        The kernel's identity is ``<name>-<version>`` (see :attr:`kernel_id`).
    requirements
        The top-level distributions of ``requirements.in``, includes followed, in order.
    imports
        The modules ``panhub kernels check`` imports: by default each requirement's name
        (``-`` read as ``_``); ``[imports]`` in kernel.toml maps a requirement to others.
    lock_sha256
        SHA-256 of ``requirements.lock``, the part of the build key staff change.
    """

    folder: Path
    name: str
    version: str
    display_name: str
    technique: str
    panet: str
    beamlines: tuple[str, ...]
    maintainer: str
    description: str
    python: str
    requirements: tuple[str, ...]
    imports: tuple[str, ...]
    lock_sha256: str
    logos: tuple[str, ...] = field(default=())

    @property
    def kernel_id(self) -> str:
        """``<name>-<version>``: the kernelspec's name and the environment's folder."""
        return f"{self.name}-{self.version}"

    @property
    def lock_path(self) -> Path:
        """The lock file uv installs from."""
        return self.folder / "requirements.lock"


def normalize(name: str) -> str:
    """A distribution name as PEP 503 compares them: ``pyFAI`` -> ``pyfai``."""
    return re.sub(r"[-_.]+", "-", name).lower()


def read_requirements(path: Path, seen: frozenset[Path] = frozenset()) -> tuple[str, ...]:
    """The distribution names of a ``requirements.in``, following ``-r`` includes.

    Raises
    ------
    SpecError
        A missing file, an include cycle, or an option other than ``-r``.
    """
    path = path.resolve()
    if path in seen:
        raise SpecError(f"{path}: includes itself (through -r)")
    try:
        text = path.read_text()
    except OSError as exc:
        raise SpecError(f"{path}: cannot read ({exc.strerror})") from exc
    names: list[str] = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith(("-r ", "--requirement ")):
            include = path.parent / line.split(None, 1)[1].strip()
            names += [n for n in read_requirements(include, seen | {path}) if n not in names]
        elif line.startswith("-"):
            raise SpecError(f"{path}, line {number}: only -r includes are allowed, not {line!r}")
        elif (match := _REQUIREMENT.match(line)) and match.group(1) not in names:
            names.append(match.group(1))
    return tuple(names)


def read_locked(text: str) -> dict[str, str]:
    """``{normalized name: line}`` of every pinned distribution of a lock (pure)."""
    return {normalize(m.group(1)): m.group(0) for m in _PINNED.finditer(text)}


def _text(data: Mapping[str, object], key: str, where: Path, required: bool = True) -> str:
    value = data.get(key, None if required else "")
    if not isinstance(value, str) or (required and not value.strip()):
        raise SpecError(f"{where}: key {key!r} must be a non-empty string")
    return value.strip()


def _strings(value: object, key: str, where: Path) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise SpecError(f"{where}: key {key!r} must be a list of non-empty strings")
    return tuple(value)


def make_imports(
    requirements: Sequence[str], table: Mapping[str, object], where: Path
) -> tuple[str, ...]:
    """The modules to import: each requirement's own name unless ``[imports]`` maps it."""
    known = {normalize(r): r for r in requirements}
    mapped: dict[str, tuple[str, ...]] = {}
    for dist, modules in table.items():
        if normalize(dist) not in known:
            raise SpecError(f"{where}: [imports] names {dist!r}, not in requirements.in")
        mapped[normalize(dist)] = _strings(modules, f"imports.{dist}", where)
    imports: list[str] = []
    for req in requirements:
        imports += mapped.get(normalize(req), (req.replace("-", "_"),))
    return tuple(dict.fromkeys(imports))


def parse_kernel(folder: Path, data: Mapping[str, object], lock: str) -> KernelSource:
    """Validate the parsed ``kernel.toml`` of ``folder`` against its lock (pure but for
    reading ``requirements.in``).

    Raises
    ------
    SpecError
        Naming the file and the key: an unknown key, a missing or empty text, a version
        that is not CalVer (``2026.12``), a PaNET id that is not a PaNET IRI, a
        requirement missing from the lock, a lock without ipykernel.
    """
    where = folder / "kernel.toml"
    name = folder.name
    if not NAME.fullmatch(name):
        raise SpecError(f"{folder}: kernel folder names are lowercase-hyphen, not {name!r}")
    unknown = sorted(set(data) - KNOWN_KEYS)
    if unknown:
        raise SpecError(f"{where}: unknown key {unknown[0]!r} (known: {sorted(KNOWN_KEYS)})")
    text = {key: _text(data, key, where) for key in REQUIRED_TEXT}
    if not VERSION.fullmatch(text["version"]):
        raise SpecError(
            f"{where}: key 'version' must be YYYY.N (e.g. 2026.12), not {text['version']!r}"
        )
    panet = _text(data, "panet", where, required=False)
    if panet and not PANET.fullmatch(panet):
        raise SpecError(f"{where}: key 'panet' must be a PaNET IRI, not {panet!r}")
    python = _text(data, "python", where, required=False) or "3.11"
    if not PYTHON.fullmatch(python):
        raise SpecError(f"{where}: key 'python' must be like '3.11', not {python!r}")
    table = data.get("imports", {})
    if not isinstance(table, dict):
        raise SpecError(f"{where}: [imports] must be a table of requirement = [modules]")
    requirements = read_requirements(folder / "requirements.in")
    locked = read_locked(lock)
    lock_path = folder / "requirements.lock"
    for req in ("ipykernel", *requirements):
        if normalize(req) not in locked:
            raise SpecError(f"{lock_path}: {req!r} is not locked; run panhub kernels lock {name}")
    if "--hash=sha256:" not in lock:
        raise SpecError(f"{lock_path}: has no hashes; run panhub kernels lock {name}")
    return KernelSource(
        folder=folder,
        name=name,
        version=text["version"],
        display_name=text["display_name"],
        technique=text["technique"],
        panet=panet,
        beamlines=_strings(data.get("beamlines", []), "beamlines", where),
        maintainer=text["maintainer"],
        description=text["description"],
        python=python,
        requirements=requirements,
        imports=make_imports(requirements, table, where),
        lock_sha256=hashlib.sha256(lock.encode()).hexdigest(),
        logos=tuple(logo for logo in LOGOS if (folder / logo).is_file()),
    )


def read_python(folder: Path) -> str:
    """The Python ``X.Y`` a kernel is locked for (kernel.toml ``python``, default 3.11).

    Raises
    ------
    SpecError
        kernel.toml is unreadable or its ``python`` is not ``X.Y``.
    """
    where = folder / "kernel.toml"
    try:
        value = tomllib.loads(where.read_text()).get("python", "3.11")
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise SpecError(f"{where}: cannot read ({exc})") from exc
    if not isinstance(value, str) or not PYTHON.fullmatch(value):
        raise SpecError(f"{where}: key 'python' must be like '3.11', not {value!r}")
    return value


def load_kernel(folder: Path) -> KernelSource:
    """Read and validate the kernel folder ``folder``.

    Raises
    ------
    SpecError
        A missing or malformed file, or invalid content (see :func:`parse_kernel`).
    """
    where = folder / "kernel.toml"
    try:
        data = tomllib.loads(where.read_text())
    except OSError as exc:
        raise SpecError(f"{where}: cannot read ({exc.strerror})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(f"{where}: not valid TOML ({exc})") from exc
    try:
        lock = (folder / "requirements.lock").read_text()
    except OSError as exc:
        raise SpecError(
            f"{folder / 'requirements.lock'}: cannot read ({exc.strerror}); "
            f"run panhub kernels lock {folder.name}"
        ) from exc
    return parse_kernel(folder, data, lock)


def find_folders(sources: Iterable[Path]) -> dict[str, Path]:
    """Every kernel folder (one holding ``kernel.toml``) under ``sources``, by name.

    A source folder that does not exist holds no kernels (a site folder is optional).

    Raises
    ------
    SpecError
        One name in two sources (a site kernel must not silently replace panhub's: give
        it another name).
    """
    folders: dict[str, Path] = {}
    for source in sources:
        if not source.is_dir():
            continue
        for folder in sorted(p.parent for p in source.glob("*/kernel.toml")):
            if folder.name in folders:
                other = folders[folder.name]
                raise SpecError(f"{folder}: kernel name {folder.name!r} is also {other}")
            folders[folder.name] = folder
    return folders


def find_kernels(sources: Iterable[Path]) -> dict[str, KernelSource]:
    """Every kernel under ``sources``, validated, by name (see :func:`find_folders`).

    Raises
    ------
    SpecError
        An invalid kernel, or one name in two sources.
    """
    return {name: load_kernel(folder) for name, folder in find_folders(sources).items()}
