from __future__ import annotations

import math

import numpy as np
import pytest
from panhub_nexus.core.scale import get_range, make_indices, normalize


def test_percentile_ignores_gaps_and_hot_pixels() -> None:
    a = np.arange(10_000, dtype=np.int32).reshape(100, 100) % 100  # 0..99 repeated
    a[::7] = -1  # gap rows
    a[50, 50] = 10_000_000  # hot pixel
    lo, hi = get_range(a, "nonneg", "percentile", percentiles=(0.0, 99.0))
    assert (lo, hi) == (0.0, 99.0)
    # the same on a frame too large to sample every pixel: still no gap and no outlier
    big = np.tile(a, (4, 4))
    # (every other column is sampled: even values only)
    assert get_range(big, "nonneg", "percentile", percentiles=(0.0, 99.0)) == (0.0, 98.0)


def test_minmax_is_exact_over_valid_pixels() -> None:
    a = np.array([[-1, 3, 8], [5, -1, 2]], dtype=np.int64)
    assert get_range(a, "nonneg", "minmax") == (2.0, 8.0)
    assert get_range(a, "nonneg", "minmax", norm="log") == (2.0, 8.0)


def test_minmax_float_ignores_nan_and_inf() -> None:
    a = np.array([[np.nan, 1.5], [np.inf, -2.0]])
    assert get_range(a, "finite", "minmax") == (-2.0, 1.5)


def test_stddev3_and_fixed() -> None:
    a = np.array([[1.0, 3.0], [1.0, 3.0]])
    assert get_range(a, "finite", "stddev3") == (1.0, 5.0)
    assert get_range(a, "finite", "fixed", fixed=(0.0, 10.0)) == (0.0, 10.0)
    with pytest.raises(ValueError, match="fixed"):
        get_range(a, "finite", "fixed")


def test_log_range_never_starts_at_zero() -> None:
    a = np.zeros((4, 4), np.int32)
    a[0, 0] = 1000
    lo, hi = get_range(a, "nonneg", "minmax", norm="log")
    assert (lo, hi) == (100.0, 1000.0)
    assert get_range(np.zeros((3, 3)), "finite", "minmax", norm="log") == (0.001, 1.0)


def test_indices_linear_exact() -> None:
    a = np.array([[0, 5, 10, 20], [-1, 1, 9, 2]], dtype=np.int32)
    idx = make_indices(a, "nonneg", 0.0, 10.0, "linear")
    # floor(v / 10 * 255) clipped to 254; 255 marks the invalid pixel
    assert idx.tolist() == [[0, 127, 254, 254], [255, 25, 229, 51]]


def test_indices_integer_lut_matches_float_path() -> None:
    rng = np.random.default_rng(0)
    a = rng.integers(0, 5000, (50, 60)).astype(np.int32)
    for norm in ("linear", "log", "sqrt"):
        lut = make_indices(a, "nonneg", 3.0, 4000.0, norm)
        flt = make_indices(a.astype(np.float64), "finite", 3.0, 4000.0, norm)
        assert np.array_equal(lut, flt), norm


def test_indices_log_exact() -> None:
    a = np.array([[1.0, 10.0, 100.0, 0.0, np.nan]])
    idx = make_indices(a, "finite", 1.0, 100.0, "log")
    assert idx.tolist() == [[0, 127, 254, 0, 255]]


def test_normalize_sqrt() -> None:
    u = normalize(np.array([0.0, 25.0, 100.0]), 0.0, 100.0, "sqrt")
    assert u.tolist() == [0.0, 0.5, 1.0]
    assert math.isclose(normalize(np.array([4.0]), 1.0, 9.0, "sqrt")[0], 0.5)
