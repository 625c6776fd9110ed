"""The images' Dockerfiles: in step with pyproject.toml, and written to hadolint's rules.

No docker or hadolint runs here: the Dockerfiles are parsed, and the rules hadolint
applies (named by their codes) are checked on the instructions. Building the images is
correct by inspection only.
"""

from __future__ import annotations

import json
import re
import shlex
import tomllib
from dataclasses import dataclass

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

from tests.support.chart import CHART, ROOT

IMAGES = ROOT / "helm" / "images"
DOCKERFILES = sorted(IMAGES.glob("*/Dockerfile"))
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


@dataclass(frozen=True)
class Instruction:
    line: int
    keyword: str
    args: str
    ignored: frozenset[str]  # hadolint codes ignored for this instruction


def parse(text: str) -> list[Instruction]:
    """The Dockerfile's instructions, continuation lines joined, with their ignores."""
    instructions = []
    ignored: set[str] = set()
    lines = text.splitlines()
    number = 0
    while number < len(lines):
        line = lines[number].strip()
        start = number
        number += 1
        if not line:
            continue
        if line.startswith("#"):
            match = re.match(r"#\s*hadolint ignore=([A-Z0-9,]+)", line)
            if match:
                ignored |= set(match[1].split(","))
            continue
        while line.endswith("\\") and number < len(lines):
            line = line[:-1] + " " + lines[number].strip()
            number += 1
        keyword, _, args = line.partition(" ")
        instructions.append(
            Instruction(start + 1, keyword.upper(), args.strip(), frozenset(ignored))
        )
        ignored = set()
    return instructions


def final_stage(instructions: list[Instruction]) -> list[Instruction]:
    last = max(i for i, ins in enumerate(instructions) if ins.keyword == "FROM")
    return instructions[last:]


def pip_requirements(instructions: list[Instruction]) -> list[str]:
    """The requirements of every ``pip install`` (not build tools) in the final stage."""
    found = []
    for ins in final_stage(instructions):
        if ins.keyword != "RUN":
            continue
        for command in re.split(r"&&|;", ins.args):
            words = shlex.split(command)
            if "pip" in " ".join(words[:2]) and "install" in words:
                found += [w for w in words[words.index("install") + 1 :] if not w.startswith("-")]
    return found


@pytest.fixture(params=DOCKERFILES, ids=[p.parent.name for p in DOCKERFILES])
def dockerfile(request: pytest.FixtureRequest) -> list[Instruction]:
    return parse(request.param.read_text())


def test_there_are_both_images() -> None:
    assert [p.parent.name for p in DOCKERFILES] == ["hub", "singleuser"]
    for path in DOCKERFILES:
        assert (path.parent / "Dockerfile.dockerignore").read_text().count("node_modules")


def test_base_images_are_pinned_never_latest(dockerfile: list[Instruction]) -> None:
    stages = set()
    for ins in dockerfile:
        if ins.keyword != "FROM":
            continue
        image, *alias = ins.args.split()
        if image in stages:
            continue
        # DL3006: tagged (or by digest); DL3007: not latest
        assert re.fullmatch(r"[\w./-]+(:[\w.-]+|@sha256:[0-9a-f]{64})", image), image
        assert not image.endswith(":latest"), image
        # Debian 12 (bookworm): its python3 (3.11) is the kernels' and requires-python's
        assert "bookworm" in image or "@sha256" in image
        if alias:
            stages.add(alias[-1])


def find_problems(dockerfile: list[Instruction]) -> list[str]:
    """Where the instructions break hadolint's rules (by code)."""
    problems = []
    for ins in dockerfile:
        where = f"line {ins.line}"
        if ins.keyword == "ADD":
            problems.append(f"{where}: DL3020 use COPY, not ADD")
        if ins.keyword == "WORKDIR" and not ins.args.startswith("/"):
            problems.append(f"{where}: DL3000 WORKDIR must be absolute")
        if ins.keyword in ("CMD", "ENTRYPOINT"):
            try:
                assert isinstance(json.loads(ins.args), list)
            except (ValueError, AssertionError):
                problems.append(f"{where}: DL3025 {ins.keyword} must be JSON")
        if ins.keyword != "RUN":
            continue
        commands = [shlex.split(c) for c in re.split(r"&&|;", ins.args) if c.strip()]
        for words in commands:
            if words[:1] == ["cd"]:
                problems.append(f"{where}: DL3003 use WORKDIR, not cd")
            if words[:1] == ["sudo"]:
                problems.append(f"{where}: DL3004 no sudo")
            if (
                any(w.endswith("pip") for w in words[:1])
                and "install" in words
                and "--no-cache-dir" not in words
            ):
                problems.append(f"{where}: DL3042 pip install needs --no-cache-dir")
            if words[:2] == ["apt-get", "install"]:
                if "-y" not in words:
                    problems.append(f"{where}: DL3014 apt-get install needs -y")
                if "--no-install-recommends" not in words:
                    problems.append(
                        f"{where}: DL3015 apt-get install needs --no-install-recommends"
                    )
                packages = [w for w in words[2:] if not w.startswith("-")]
                if "DL3008" not in ins.ignored and not all("=" in p for p in packages):
                    problems.append(f"{where}: DL3008 pin apt packages (or say why not)")
                if "apt-get update" not in ins.args.split("apt-get install")[0]:
                    problems.append(f"{where}: DL3009 apt-get update in the same RUN")
                if "rm -rf /var/lib/apt/lists/*" not in ins.args:
                    problems.append(f"{where}: DL3009 remove the apt lists")
        if "|" in ins.args.replace("||", "") and not any(
            i.keyword == "SHELL" and "pipefail" in i.args and i.line < ins.line for i in dockerfile
        ):
            problems.append(f"{where}: DL4006 set -o pipefail before a pipe")
    return problems


def test_instructions_follow_hadolints_rules(dockerfile: list[Instruction]) -> None:
    assert find_problems(dockerfile) == []


def test_the_image_runs_as_a_non_root_user(dockerfile: list[Instruction]) -> None:
    users = [ins.args for ins in final_stage(dockerfile) if ins.keyword == "USER"]
    # DL3002: the last USER is not root; numeric, so Kubernetes can check runAsNonRoot
    assert users and users[-1].isdigit() and int(users[-1]) != 0


def test_the_images_match_the_charts_user_ids() -> None:
    values = __import__("yaml").safe_load((CHART / "values.yaml").read_text())
    users = {p.parent.name: final_stage(parse(p.read_text())) for p in DOCKERFILES}
    assert [i.args for i in users["hub"] if i.keyword == "USER"] == [str(values["hub"]["uid"])]
    assert [i.args for i in users["singleuser"] if i.keyword == "USER"] == [
        str(values["singleuser"]["uid"])
    ]
    hub_run = " ".join(i.args for i in users["hub"] if i.keyword == "RUN")
    assert f"--uid {values['catalogue']['uid']}" in hub_run


def extras() -> dict[str, dict[str, SpecifierSet]]:
    """Each extra of pyproject.toml: requirement name -> specifier."""
    found = {}
    for extra, requirements in PYPROJECT["project"]["optional-dependencies"].items():
        parsed = [Requirement(r) for r in requirements]
        found[extra] = {r.name: r.specifier for r in parsed if r.name != "panhub"}
    return found


def test_pip_installs_are_in_step_with_pyproject(dockerfile: list[Instruction]) -> None:
    version = PYPROJECT["project"]["version"]
    args = {
        i.args.split("=")[0]: i.args.split("=", 1)[1]
        for i in final_stage(dockerfile)
        if i.keyword == "ARG"
    }
    assert args["PANHUB_VERSION"] == version
    known = extras()
    pinned = {name: spec for specs in known.values() for name, spec in specs.items()}
    requirements = pip_requirements(dockerfile)
    assert requirements and requirements[0].startswith(
        "/wheels/panhub-${PANHUB_VERSION}-py3-none-any.whl["
    )
    wanted = set(re.search(r"\[(.*)\]", requirements[0])[1].split(","))  # type: ignore[index]
    assert wanted <= set(known), "an extra the pyproject does not have"
    for text in requirements[1:]:
        requirement = Requirement(text)
        # the same name with the same specifier as pyproject's (no second opinion)
        assert requirement.name in pinned, text
        assert requirement.specifier == pinned[requirement.name], text


def test_the_build_stage_uses_pyprojects_build_requirements(dockerfile: list[Instruction]) -> None:
    build = [
        i for i in dockerfile[: dockerfile.index(final_stage(dockerfile)[0])] if i.keyword == "RUN"
    ]
    installed = {
        str(Requirement(w))
        for ins in build
        for w in shlex.split(ins.args)
        if re.match(r"[a-z-]+[<>=]", w)
    }
    assert installed == {str(Requirement(r)) for r in PYPROJECT["build-system"]["requires"]}


def test_the_hub_image_has_what_both_modes_need() -> None:
    hub = parse((IMAGES / "hub" / "Dockerfile").read_text())
    requirements = pip_requirements(hub)
    assert "[hub,catalogue]" in requirements[0]
    # KubeSpawner (kubernetes mode) at the chart extra's pin; ssh (slurm mode)
    assert Requirement(requirements[1]).specifier == extras()["chart"]["jupyterhub-kubespawner"]
    assert "openssh-client" in " ".join(i.args for i in final_stage(hub) if i.keyword == "RUN")
    singleuser = pip_requirements(parse((IMAGES / "singleuser" / "Dockerfile").read_text()))
    assert singleuser == ["/wheels/panhub-${PANHUB_VERSION}-py3-none-any.whl[lab]"]


def test_the_rules_find_what_breaks_them() -> None:
    bad = parse(
        "FROM python:latest\nADD x /x\nWORKDIR srv\nRUN apt-get install curl\n"
        "RUN pip install requests\nRUN cd /x && make | tee log\nUSER root\nCMD jupyter lab\n"
    )
    found = " ".join(find_problems(bad))
    for code in (
        "DL3020",
        "DL3000",
        "DL3025",
        "DL3003",
        "DL3042",
        "DL3014",
        "DL3015",
        "DL3008",
        "DL3009",
        "DL4006",
    ):
        assert code in found
    with pytest.raises(AssertionError):
        test_base_images_are_pinned_never_latest(bad)
    with pytest.raises(AssertionError):
        test_the_image_runs_as_a_non_root_user(bad)
