from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from panhub_nexus.core.downsample import decimate_minmax, get_factor, pool_max


def test_factor_fits_region_into_display() -> None:
    assert get_factor((2167, 2070), (1100, 1100)) == 2
    assert get_factor((4362, 4148), (1100, 1100)) == 4
    assert get_factor((100, 100), (1100, 1100)) == 1


def test_pool_keeps_single_pixel_peaks_exactly() -> None:
    a = np.zeros((9, 10), np.int32)
    a[4, 7] = 1000
    a[8, 9] = 5  # in the last, partial block
    out = pool_max(a, 4)
    assert out.shape == (3, 3)
    assert out.tolist() == [[0, 0, 0], [0, 1000, 0], [0, 0, 5]]


def test_pool_ignores_gap_marker_unless_whole_block() -> None:
    a = np.full((4, 4), 3, np.int32)
    a[0:2, 0:2] = -1  # whole block invalid
    a[2, 2] = -1  # one invalid pixel among valid ones
    assert pool_max(a, 2).tolist() == [[-1, 3], [3, 3]]


def test_pool_float_ignores_nan() -> None:
    a = np.array([[np.nan, 1.0], [2.0, np.nan]])
    assert pool_max(a, 2).tolist() == [[2.0]]
    assert np.isnan(pool_max(np.full((2, 2), np.nan), 2)[0, 0])


@settings(max_examples=50, deadline=None)
@given(
    h=st.integers(1, 40),
    w=st.integers(1, 40),
    k=st.integers(1, 6),
    seed=st.integers(0, 1000),
)
def test_pool_equals_reference_block_max(h: int, w: int, k: int, seed: int) -> None:
    a = np.random.default_rng(seed).integers(-1, 100, (h, w)).astype(np.int32)
    out = pool_max(a, k)
    expected = np.array(
        [[a[i : i + k, j : j + k].max() for j in range(0, w, k)] for i in range(0, h, k)]
    )
    assert np.array_equal(out, expected)


def test_decimate_keeps_peak_and_extremes() -> None:
    y = np.zeros(100_000)
    y[12_345] = 7.0
    y[99_999] = -3.0
    y[500] = np.nan
    x = np.arange(y.size, dtype=np.float64)
    xd, yd, index = decimate_minmax(x, y, 100)
    assert index.size <= 200
    assert 12_345 in index.tolist()
    assert 99_999 in index.tolist()
    assert yd.max() == 7.0
    assert yd.min() == -3.0
    assert np.array_equal(xd, index.astype(np.float64))


def test_decimate_short_curve_is_untouched() -> None:
    x = np.arange(10.0)
    _xd, yd, index = decimate_minmax(x, x * 2, 100)
    assert index.tolist() == list(range(10))
    assert yd.tolist() == (x * 2).tolist()


def test_split_rows_keeps_whole_blocks() -> None:
    from panhub_nexus.core.downsample import split_rows

    assert split_rows(1203, 4, 2) == [(0, 600), (600, 1203)]
    assert split_rows(10, 3, 2) == [(0, 6), (6, 10)]
    assert split_rows(3, 4, 2) == [(0, 3)]
    assert split_rows(7, 1, 1) == [(0, 7)]
