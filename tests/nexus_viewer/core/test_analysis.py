from __future__ import annotations

import math

import numpy as np
from panhub_nexus.core.analysis import get_line_profile, get_pixel, get_roi_stats


def test_roi_stats_over_valid_pixels_only() -> None:
    frame = np.array([[1, 2, 3], [-1, 5, 6], [7, 8, 9]], dtype=np.int32)
    stats = get_roi_stats(frame, "nonneg", (0, 2, 0, 3))
    assert stats == {
        "region": [0, 2, 0, 3],
        "n_pixels": 6,
        "n_valid": 5,
        "sum": 17.0,
        "mean": 3.4,
        "std": float(np.std([1, 2, 3, 5, 6])),
        "min": 1.0,
        "max": 6.0,
        "argmax": [1, 2],
    }


def test_roi_of_gap_only_is_nan() -> None:
    stats = get_roi_stats(np.full((2, 2), -1, np.int32), "nonneg", (0, 2, 0, 2))
    assert stats["n_valid"] == 0
    assert stats["sum"] == 0.0
    assert math.isnan(stats["mean"])
    assert stats["argmax"] == [-1, -1]


def test_line_profile_samples_each_pixel_and_marks_invalid() -> None:
    frame = np.arange(25, dtype=np.float64).reshape(5, 5)
    frame[2, 2] = np.nan
    distance, values = get_line_profile(frame, "finite", (2, 0), (2, 4))
    assert distance.tolist() == [0.0, 1.0, 2.0, 3.0, 4.0]
    assert values[:2].tolist() == [10.0, 11.0]
    assert math.isnan(values[2])
    assert values[3:].tolist() == [13.0, 14.0]


def test_line_profile_outside_frame_is_nan() -> None:
    frame = np.ones((3, 3), np.int32)
    _, values = get_line_profile(frame, "nonneg", (0, 1), (0, 4))
    assert values[:2].tolist() == [1.0, 1.0]
    assert np.isnan(values[2:]).all()


def test_pixel_value() -> None:
    frame = np.array([[4, -1]], dtype=np.int32)
    assert get_pixel(frame, "nonneg", 0, 0) == 4.0
    assert get_pixel(frame, "nonneg", 0, 1) is None
    assert get_pixel(frame, "nonneg", 3, 0) is None
