from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import pytest
from panhub_nexus import synthetic
from panhub_nexus.core.decode import ChunkDecoder
from panhub_nexus.core.files import ViewerError
from panhub_nexus.core.frames import (
    FrameReader,
    apply_mask_plan,
    get_valid,
    make_mask_plan,
    prepare,
    read_image,
)


def test_mask_plan_splits_rows_columns_and_pixels() -> None:
    mask = np.zeros((6, 7), np.uint8)
    mask[2] = 1
    mask[:, 5:7] = 4
    mask[4, 1] = 8
    plan = make_mask_plan(mask)
    assert plan.rows == ((2, 3),)
    assert plan.columns == ((5, 7),)
    assert plan.pixels.tolist() == [4 * 7 + 1]
    frame = np.zeros((6, 7), np.int32)
    apply_mask_plan(frame, plan, -1)
    assert np.array_equal(frame == -1, mask != 0)


@pytest.mark.parametrize(
    ("dtype", "gap", "validity_value"),
    [
        (np.uint32, 2**32 - 1, -1),
        (np.uint16, 2**16 - 1, -1),
        (np.int32, 2**31 - 1, -(2**31)),
    ],
)
def test_prepare_marks_gap_values(dtype: type, gap: int, validity_value: int) -> None:
    raw = np.array([[0, 5], [gap, 7]], dtype=dtype)
    out = prepare(raw.copy(), None)
    assert out[1, 0] == validity_value
    assert out[0, 1] == 5
    assert out[1, 1] == 7


def test_prepare_float_applies_mask_as_nan() -> None:
    raw = np.array([[1.0, np.inf], [3.0, 4.0]], dtype=np.float32)
    plan = make_mask_plan(np.array([[0, 0], [1, 0]]))
    out = prepare(raw, plan)
    assert np.isnan(out[1, 0])
    assert get_valid(out, "finite").tolist() == [[True, False], [False, True]]


def test_prepare_complex_shows_magnitude() -> None:
    out = prepare(np.array([[3 + 4j, -2j]]), None)
    assert out.tolist() == [[5.0, 2.0]]


def test_reader_reuses_one_buffer_and_masks(stack: synthetic.StackInfo) -> None:
    with h5py.File(stack.path, "r") as f:
        mask = f[stack.mask_path][()]
        reader = FrameReader(f[stack.signal_path], mask)
        first = reader.read(2)
        y, x = stack.peaks[2]
        assert first[y, x] == stack.peak_value
        hy, hx = stack.hot_pixels[0]
        assert first[hy, hx] == -1  # hot pixel flagged in the pixel mask
        assert np.all(first[mask != 0] == -1)
        second = reader.read(3)
        assert np.shares_memory(first, second)
        assert reader.n_frames == 6


def test_reader_rejects_out_of_range(stack: synthetic.StackInfo) -> None:
    with h5py.File(stack.path, "r") as f:
        reader = FrameReader(f[stack.signal_path])
        with pytest.raises(ViewerError, match=r"frame 6 out of range 0\.\.5"):
            reader.read(6)


def test_reader_indexes_4d_data(tmp_path) -> None:
    data = np.arange(2 * 3 * 4 * 5, dtype=np.float64).reshape(2, 3, 4, 5)
    with h5py.File(tmp_path / "f.h5", "w") as f:
        f["d"] = data
        reader = FrameReader(f["d"])
        assert reader.n_frames == 6
        assert np.array_equal(reader.read(4), data[1, 1])


def test_read_image_decodes_a_bitshuffle_mask_from_its_chunk(
    stack: synthetic.StackInfo, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[int, ...]] = []
    decode = ChunkDecoder.decode

    def spy(self: ChunkDecoder, index: tuple[int, ...], out: np.ndarray) -> bool:
        calls.append(index)
        return decode(self, index, out)

    monkeypatch.setattr(ChunkDecoder, "decode", spy)
    with h5py.File(stack.path, "r", locking=False) as f:
        mask = read_image(f[stack.mask_path])
        expected = f[stack.mask_path][()]
    assert calls == [()]  # the fast path, not HDF5's filter pipeline
    assert mask.dtype == expected.dtype
    assert np.array_equal(mask, expected)
    assert mask[stack.hot_pixels[0]] != 0


def test_read_image_falls_back_to_hdf5(tmp_path: Path) -> None:
    values = np.arange(30, dtype=np.uint16).reshape(5, 6)
    with h5py.File(tmp_path / "gzip.h5", "w") as f:
        f.create_dataset("mask", data=values, chunks=(5, 6), compression="gzip")
        f["scalar"] = 3
    with h5py.File(tmp_path / "gzip.h5", "r") as f:
        assert np.array_equal(read_image(f["mask"]), values)
        assert read_image(f["scalar"]) == 3
