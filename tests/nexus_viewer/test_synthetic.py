from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
from panhub_nexus import synthetic
from silx.io.nxdata import get_default

from tests.support.foreign_files import write_wide_tree


def test_gap_mask_marks_whole_rows_and_columns() -> None:
    mask = synthetic.make_gap_mask((10, 12), module=(4, 5), gap=(1, 2))
    assert np.flatnonzero(mask.all(axis=1)).tolist() == [4, 9]
    assert np.flatnonzero(mask.all(axis=0)).tolist() == [5, 6]
    assert int(mask.sum()) == 2 * 12 + 2 * 10 - 2 * 2


def test_stack_is_nexus_valid_with_known_content(stack: synthetic.StackInfo) -> None:
    with h5py.File(stack.path, "r") as f:
        nx = get_default(f)
        assert nx is not None
        assert nx.is_valid
        assert nx.signal.name == stack.signal_path
        assert nx.axes_names == ["omega (deg)", "y (mm)", "x (mm)"]
        data = f[stack.signal_path]
        assert data.shape == stack.shape
        assert data.chunks == (1, 48, 40)
        assert 32008 in [data.id.get_create_plist().get_filter(i)[0] for i in range(1)]
        mask = f[stack.mask_path][()]
        for i, (y, x) in enumerate(stack.peaks):
            frame = data[i]
            assert frame[y, x] == stack.peak_value
            assert np.all(frame[mask == synthetic.MASK_GAP] == stack.gap_value)
        for y, x in stack.hot_pixels:
            assert mask[y, x] == synthetic.MASK_HOT
            assert data[0, y, x] >= 100_000
        assert f["entry/instrument/detector/data"].id == data.id  # NXmx hard link


def test_spectrum_has_errors_and_auxiliary_signal(spectrum: Path) -> None:
    with h5py.File(spectrum, "r") as f:
        nx = get_default(f)
        assert nx is not None
        assert nx.is_curve
        assert nx.signal_name == "I (counts)"
        assert nx.errors is not None
        np.testing.assert_allclose(nx.errors[()] ** 2, nx.signal[()])
        assert nx.auxiliary_signals_dataset_names == ["I_background"]


def test_wide_tree_counts_its_nodes(tmp_path: Path) -> None:
    n = write_wide_tree(tmp_path / "wide.nxs", n_entries=3, n_counters=2)
    # per entry: entry, title, measurement, 2 counters, plotselect (links counted once)
    assert n == 3 * 6
