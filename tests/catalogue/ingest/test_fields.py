"""ingest.fields: times as writers write them, texts of every HDF5 string type, no data read."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import h5py
import numpy as np
import pytest
from panhub_catalogue.ingest.fields import parse_time, read_text, read_texts


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-05-01T10:00:00+02:00", datetime(2024, 5, 1, 8, 0)),
        ("2024-05-01T08:00:00Z", datetime(2024, 5, 1, 8, 0)),
        ("2024-05-01T08:00:00.250000", datetime(2024, 5, 1, 8, 0, 0, 250000)),
        ("2024-05-01 08:00:00", datetime(2024, 5, 1, 8, 0)),
        ("Wed May  1 08:00:00 2024", datetime(2024, 5, 1, 8, 0)),  # ctime (SPEC, old NAPI)
        ("01-MAY-2024 08:00:00", datetime(2024, 5, 1, 8, 0)),  # ISIS
        ("05/01/2024 08:00:00", datetime(2024, 5, 1, 8, 0)),  # EPICS areaDetector
        ("0001-01-01T00:00:00+01:00", None),  # before year 1 in UTC
        ("9999-12-31T23:30:00-01:00", None),  # after 9999 in UTC
        ("yesterday", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_time(text: str | None, expected: datetime | None) -> None:
    assert parse_time(text) == expected


def test_every_string_type_reads_as_text(tmp_path: Path) -> None:
    with h5py.File(tmp_path / "s.h5", "w") as f:
        f["variable"] = "Bob's sample: run 1.2"
        f["fixed"] = np.bytes_("fixed width")
        f.create_dataset("padded", data=np.array(b"padded\x00\x00", dtype="S10"))
        f["one_element"] = ["in a list"]
        f["latin"] = np.bytes_("caf\xe9".encode("latin-1"))
        f["number"] = 7
        f["nan"] = np.nan
        f["many"] = ["a", "b"]
        f["compound"] = np.array([(1, 2.0)], dtype=[("a", "i4"), ("b", "f8")])[0]
        f["empty"] = h5py.Empty("f")
        f["names"] = ["x", "y", "z"]
        assert read_text(f, "variable") == "Bob's sample: run 1.2"
        assert read_text(f, "fixed") == "fixed width"
        assert read_text(f, "padded") == "padded"
        assert read_text(f, "one_element") == "in a list"
        assert read_text(f, "latin") == "caf\ufffd"  # not UTF-8: shown, not fatal
        assert read_text(f, "number") == "7"
        assert read_text(f, "nan") is None
        assert read_text(f, "many") is None
        assert read_text(f, "compound") is None
        assert read_text(f, "empty") is None
        assert read_text(f, "missing") is None
        assert read_texts(f, "names") == ["x", "y", "z"]
        assert read_texts(f, "variable") == ["Bob's sample: run 1.2"]


HUGE = (100_000, 512, 512)  # uint32: 100 GB declared, a few chunks written

READER = """
import json, resource, sys
from panhub_catalogue.ingest.nexus import read_nexus_file
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
found = read_nexus_file(sys.argv[1])
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"title": found.main.title, "kib": after - before}))
"""


def test_declared_huge_datasets_are_never_read(tmp_path: Path) -> None:
    """The title, a parameter and the data are declared as 100 GB: memory stays flat."""
    path = tmp_path / "huge.nxs"
    with h5py.File(path, "w") as f:
        f.attrs["default"] = "entry"
        entry = f.create_group("entry")
        entry.attrs["NX_class"] = "NXentry"
        entry["start_time"] = "2024-05-01T10:00:00"
        entry.create_dataset("title", shape=(10**11,), dtype="S1", chunks=(4096,))
        sample = entry.create_group("sample")
        sample.attrs["NX_class"] = "NXsample"
        sample.create_dataset("temperature", shape=(10**10,), dtype="f8", chunks=(4096,))
        data = entry.create_group("data")
        data.attrs["NX_class"] = "NXdata"
        frames = data.create_dataset("data", shape=HUGE, dtype="u4", chunks=(1, 64, 64))
        frames[0, :64, :64] = 7
    assert path.stat().st_size < 1_000_000
    run = subprocess.run(
        [sys.executable, "-c", READER, str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    found = json.loads(run.stdout)
    assert found["title"] is None
    assert found["kib"] < 64 * 1024, f"reading the file took {found['kib']} KiB"
