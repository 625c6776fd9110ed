"""Pure model of the resource form: choices from config and sinfo, validation, HTML.

The same :func:`validate_options` checks what the spawn form posts and what a REST
client sends as ``user_options``, so neither path can ask for more than the cluster
offers or reach a field the form does not have.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass

from panhub.slurm import PartitionInfo

#: the only keys a user may set; everything else is rejected by name
OPTION_KEYS = ("partition", "cpus", "memory_gb", "gpus", "runtime", "reservation", "environment")
MAX_TEXT = 64
_RESERVATION = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
_RUNTIME = re.compile(r"(\d{1,3}):([0-5]\d)")


class FormError(ValueError):
    """User input the form cannot accept; ``errors`` maps each field to its message."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("; ".join(f"{k}: {v}" for k, v in self.errors.items()))


@dataclass(frozen=True)
class PartitionChoice:
    """A partition as the form offers it: administrator's text, cluster's limits."""

    name: str
    description: str
    max_cpus: int
    max_memory_gb: int
    max_gpus: int
    max_minutes: int
    default_minutes: int


@dataclass(frozen=True)
class EnvironmentChoice:
    """A staff-curated software environment and the shell lines that activate it.

    ``kernel`` names a staff kernel (``<name>-<version>``) that the server opens new
    notebooks with; empty for an environment an administrator configured by hand.
    """

    name: str
    description: str
    setup: tuple[str, ...]
    kernel: str = ""

    def get_server_args(self) -> tuple[str, ...]:
        """Arguments for the server: new notebooks open on :attr:`kernel`, if any."""
        return (f"--MultiKernelManager.default_kernel_name={self.kernel}",) if self.kernel else ()


@dataclass(frozen=True)
class ResourceRequest:
    """A validated request, ready for the job script."""

    partition: str
    cpus: int
    memory_gb: int
    gpus: int
    runtime_minutes: int
    reservation: str
    environment: str

    def to_options(self) -> dict[str, str | int]:
        """The canonical ``user_options`` dict (JSON-serialisable, re-validatable)."""
        options: dict[str, str | int] = {
            k: v for k, v in asdict(self).items() if k != "runtime_minutes"
        }
        options["runtime"] = format_runtime(self.runtime_minutes)
        return options


def format_runtime(minutes: int) -> str:
    """``90`` -> ``'1:30'`` (hours:minutes, as the form shows it)."""
    return f"{minutes // 60}:{minutes % 60:02d}"


def make_partition_choices(
    configured: Mapping[str, Mapping[str, object]],
    cluster: Mapping[str, PartitionInfo],
    fallback_minutes: int = 12 * 60,
) -> list[PartitionChoice]:
    """Merge the administrator's partitions with what sinfo reports.

    Only partitions that are both configured and present (and up) are offered. An
    administrator may lower a limit (``max_cpus``, ``max_memory_gb``, ``max_gpus``,
    ``max_minutes``) but never raise it above the cluster's.
    """
    choices = []
    for name, cfg in configured.items():
        info = cluster.get(name)
        if info is None or not info.available:
            continue

        def capped(key: str, cluster_value: int, cfg: Mapping[str, object] = cfg) -> int:
            value = cfg.get(key)
            return min(int(str(value)), cluster_value) if value is not None else cluster_value

        max_minutes = capped("max_minutes", info.max_minutes or fallback_minutes)
        default = min(info.default_minutes or 60, max_minutes)
        choices.append(
            PartitionChoice(
                name=name,
                description=str(cfg.get("description", name)),
                max_cpus=capped("max_cpus", info.cpus),
                max_memory_gb=capped("max_memory_gb", info.memory_mb // 1024),
                max_gpus=capped("max_gpus", info.gpus),
                max_minutes=max_minutes,
                default_minutes=default,
            )
        )
    return choices


def make_environment_choices(
    configured: Mapping[str, Mapping[str, object]],
) -> list[EnvironmentChoice]:
    """Environments from the administrator's allow-list, in configuration order."""
    choices = []
    for name, cfg in configured.items():
        setup = cfg.get("setup", ())
        lines = (setup,) if isinstance(setup, str) else tuple(str(s) for s in setup)  # type: ignore[attr-defined]
        choices.append(EnvironmentChoice(name, str(cfg.get("description", name)), lines))
    return choices


def flatten_form(form_data: Mapping[str, list[str]]) -> dict[str, str]:
    """Reduce the hub's ``{field: [values]}`` form data to single strings (first value)."""
    return {k: v[0] if v else "" for k, v in form_data.items() if not k.endswith("_file")}


def _as_int(value: object, field: str, low: int, high: int, errors: dict[str, str]) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        errors[field] = "must be a whole number"
        return low
    text = str(value).strip()
    if not re.fullmatch(r"\d{1,6}", text):
        errors[field] = f"must be a whole number from {low} to {high}"
        return low
    number = int(text)
    if not low <= number <= high:
        errors[field] = f"must be from {low} to {high}, not {number}"
    return number


def _as_text(value: object, field: str, errors: dict[str, str]) -> str:
    if not isinstance(value, str):
        errors[field] = "must be text"
        return ""
    if len(value) > MAX_TEXT:
        errors[field] = f"is longer than {MAX_TEXT} characters"
        return ""
    if not value.isprintable():
        errors[field] = "contains control characters (newlines are not allowed)"
        return ""
    return value.strip()


def parse_runtime(text: str) -> int | None:
    """``'2'`` -> 120, ``'1:30'`` -> 90; ``None`` if the text is not hours[:minutes]."""
    if re.fullmatch(r"\d{1,3}", text):
        return int(text) * 60
    match = _RUNTIME.fullmatch(text)
    return int(match[1]) * 60 + int(match[2]) if match else None


def validate_options(
    options: Mapping[str, object],
    partitions: list[PartitionChoice],
    environments: list[EnvironmentChoice],
) -> ResourceRequest:
    """Check user options against the choices; missing fields take the defaults.

    The first partition and the first environment are the defaults.

    Raises
    ------
    FormError
        Naming every field that is wrong, and every key that is not a form field.
    """
    errors: dict[str, str] = {}
    for key in options:
        if key not in OPTION_KEYS:
            errors[str(key)[:MAX_TEXT]] = "is not a field of this form"
    if not partitions:
        raise FormError({"partition": "no partition is available right now"})
    by_name = {p.name: p for p in partitions}
    name = _as_text(options.get("partition", partitions[0].name), "partition", errors)
    part = by_name.get(name)
    if part is None:
        if "partition" not in errors:
            errors["partition"] = f"unknown partition {name!r}; choose one of {', '.join(by_name)}"
        part = partitions[0]
    cpus = _as_int(options.get("cpus", 1), "cpus", 1, part.max_cpus, errors)
    memory = _as_int(
        options.get("memory_gb", min(4, part.max_memory_gb)),
        "memory_gb",
        1,
        part.max_memory_gb,
        errors,
    )
    gpus = _as_int(options.get("gpus", 0), "gpus", 0, part.max_gpus, errors)
    if part.max_gpus == 0 and gpus and "gpus" in errors:
        errors["gpus"] = f"partition {part.name!r} has no GPUs"
    runtime_text = _as_text(
        options.get("runtime", format_runtime(part.default_minutes)), "runtime", errors
    )
    minutes = parse_runtime(runtime_text)
    if "runtime" not in errors:
        if minutes is None:
            errors["runtime"] = "must be hours or hours:minutes, such as 2 or 1:30"
        elif not 1 <= minutes <= part.max_minutes:
            errors["runtime"] = (
                f"must be between 0:01 and {format_runtime(part.max_minutes)} "
                f"on partition {part.name!r}"
            )
    reservation = _as_text(options.get("reservation", ""), "reservation", errors)
    if reservation and "reservation" not in errors and not _RESERVATION.fullmatch(reservation):
        errors["reservation"] = "may hold only letters, digits, '_', '.' and '-'"
    env_names = [e.name for e in environments]
    default_env = env_names[0] if env_names else ""
    environment = _as_text(options.get("environment", default_env), "environment", errors)
    if "environment" not in errors and environment not in env_names:
        errors["environment"] = f"unknown environment {environment!r}"
    if errors:
        raise FormError(errors)
    return ResourceRequest(
        partition=part.name,
        cpus=cpus,
        memory_gb=memory,
        gpus=gpus,
        runtime_minutes=minutes or part.default_minutes,
        reservation=reservation,
        environment=environment,
    )


def _select(name: str, items: list[tuple[str, str]], chosen: str) -> str:
    options = "".join(
        f'<option value="{html.escape(v)}"{" selected" if v == chosen else ""}>'
        f"{html.escape(label)}</option>"
        for v, label in items
    )
    return f'<select class="form-select" id="panhub-{name}" name="{name}">{options}</select>'


def _number(name: str, value: int, low: int, high: int) -> str:
    return (
        f'<input class="form-control" type="number" id="panhub-{name}" name="{name}" '
        f'value="{value}" min="{low}" max="{high}" step="1" required>'
    )


def _row(name: str, label: str, control: str, hint: str = "") -> str:
    hint_html = f'<div class="form-text">{html.escape(hint)}</div>' if hint else ""
    return (
        f'<div class="mb-3 row"><label class="col-sm-3 col-form-label" for="panhub-{name}">'
        f'{html.escape(label)}</label><div class="col-sm-9">{control}{hint_html}</div></div>'
    )


def render_form(
    partitions: list[PartitionChoice],
    environments: list[EnvironmentChoice],
    previous: Mapping[str, object] | None = None,
) -> str:
    """HTML of the resource form, pre-filled with the last valid choices.

    Limits per partition travel as a JSON attribute; a few lines of script adjust the
    inputs' ``max`` when the partition changes. The server validates regardless.
    """
    if not partitions:
        return '<div class="alert alert-warning">No partition is available right now.</div>'
    try:
        current = validate_options(previous or {}, partitions, environments)
    except FormError:
        current = validate_options({}, partitions, environments)
    part = next(p for p in partitions if p.name == current.partition)
    limits = {
        p.name: {
            "cpus": p.max_cpus,
            "memory_gb": p.max_memory_gb,
            "gpus": p.max_gpus,
            "runtime": format_runtime(p.max_minutes),
        }
        for p in partitions
    }
    rows = [
        _row(
            "partition",
            "Partition",
            _select(
                "partition",
                [(p.name, f"{p.name}: {p.description}") for p in partitions],
                current.partition,
            ),
        ),
        _row(
            "cpus",
            "CPUs",
            _number("cpus", current.cpus, 1, part.max_cpus),
            f"up to {part.max_cpus}",
        ),
        _row(
            "memory_gb",
            "Memory (GB)",
            _number("memory_gb", current.memory_gb, 1, part.max_memory_gb),
            f"up to {part.max_memory_gb} GB",
        ),
        _row(
            "gpus",
            "GPUs",
            _number("gpus", current.gpus, 0, part.max_gpus),
            f"up to {part.max_gpus}",
        ),
        _row(
            "runtime",
            "Run time (h:mm)",
            '<input class="form-control" type="text" id="panhub-runtime" name="runtime" '
            f'value="{format_runtime(current.runtime_minutes)}" pattern="\\d{{1,3}}(:[0-5]\\d)?" '
            'maxlength="7" required>',
            f"at most {format_runtime(part.max_minutes)}; the server stops when it runs out",
        ),
        _row(
            "reservation",
            "Reservation",
            '<input class="form-control" type="text" id="panhub-reservation" '
            f'name="reservation" value="{html.escape(current.reservation)}" '
            f'maxlength="{MAX_TEXT}">',
            "optional: a SLURM reservation for your beamtime",
        ),
        _row(
            "environment",
            "Environment",
            _select(
                "environment", [(e.name, e.description) for e in environments], current.environment
            ),
        ),
    ]
    script = (
        "<script>(function(){const f=document.getElementById('panhub-form');"
        "const L=JSON.parse(f.dataset.limits);const p=document.getElementById('panhub-partition');"
        "function u(){const l=L[p.value];for(const k of ['cpus','memory_gb','gpus']){"
        "const e=document.getElementById('panhub-'+k);e.max=l[k];"
        "e.nextElementSibling.textContent='up to '+l[k]+(k==='memory_gb'?' GB':'');"
        "if(+e.value>l[k])e.value=l[k];}}p.addEventListener('change',u);})();</script>"
    )
    return (
        f'<div id="panhub-form" data-limits="{html.escape(json.dumps(limits))}">'
        + "".join(rows)
        + "</div>"
        + script
    )
