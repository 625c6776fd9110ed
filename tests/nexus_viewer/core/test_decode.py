"""Direct decoding of bitshuffle-LZ4 chunks: same values as HDF5, fallbacks otherwise."""

from __future__ import annotations

from pathlib import Path

import h5py
import hdf5plugin
import numpy as np
import pytest
from panhub_nexus.core import decode
from panhub_nexus.core.decode import ChunkDecoder, is_bitshuffle_frames
from panhub_nexus.core.files import ViewerError
from panhub_nexus.core.frames import FrameReader

BSLZ4 = dict(hdf5plugin.Bitshuffle(cname="lz4"))


def write(path: Path, frames: np.ndarray, **options: object) -> None:
    with h5py.File(path, "w") as f:
        f.create_dataset("data", data=frames, **options)


@pytest.fixture
def large(tmp_path: Path) -> tuple[Path, np.ndarray]:
    """Frames of 1.2 MB (decoded on two threads) whose size is not a multiple of 8."""
    rng = np.random.default_rng(5)
    frames = rng.poisson(3.0, (3, 601, 519)).astype(np.uint32)
    frames[:, 200:210] = np.iinfo(np.uint32).max
    path = tmp_path / "large.h5"
    write(path, frames, chunks=(1, 601, 519), **BSLZ4)
    return path, frames


def test_large_frames_decode_on_two_threads_to_hdf5s_values(
    large: tuple[Path, np.ndarray],
) -> None:
    path, frames = large
    with h5py.File(path, "r", locking=False) as f:
        dataset = f["data"]
        assert is_bitshuffle_frames(dataset)
        decoder = ChunkDecoder(dataset)
        assert decoder.is_available
        _, raw = dataset.id.read_direct_chunk((1, 0, 0))
        n_bytes, block = decode._HEADER.unpack_from(raw)
        assert (n_bytes, block) == (frames[1].nbytes, 8192)  # 2048 items per block
        runs = decoder._split(raw, frames[1].size, 2048, n_bytes)
        assert runs is not None
        # 152 whole blocks and a tail of 623 items: two runs of 76 blocks, the tail last
        assert [(first, count) for _, first, count in runs] == [
            (0, 76 * 2048),
            (76 * 2048, 76 * 2048 + 623),
        ]
        for index in range(3):
            out = np.full(frames.shape[1:], 7, np.uint32)
            assert decoder.decode((index,), out)
            np.testing.assert_array_equal(out, frames[index])


def test_frame_reader_uses_the_decoder(large: tuple[Path, np.ndarray]) -> None:
    path, frames = large
    with h5py.File(path, "r", locking=False) as f:
        reader = FrameReader(f["data"])
        assert reader.decoder is not None
        frame = reader.read(2)
        assert frame.dtype == np.int32
        np.testing.assert_array_equal(frame[:200], frames[2, :200].astype(np.int32))
        assert (frame[200:210] == -1).all()


@pytest.mark.parametrize(
    ("options", "shape"),
    [
        ({"chunks": (1, 16, 12)}, (2, 16, 12)),  # no filter
        ({"chunks": (1, 16, 12), "compression": "gzip"}, (2, 16, 12)),
        ({"chunks": (1, 8, 12), **BSLZ4}, (2, 16, 12)),  # half a frame per chunk
        ({"chunks": (1, 16, 12), "shuffle": True, **BSLZ4}, (2, 16, 12)),  # two filters
        ({"chunks": (1, 16, 12), **dict(hdf5plugin.Bitshuffle(cname="none"))}, (2, 16, 12)),
    ],
)
def test_other_layouts_are_read_through_hdf5(
    tmp_path: Path, options: dict[str, object], shape: tuple[int, ...]
) -> None:
    frames = np.arange(np.prod(shape), dtype=np.uint16).reshape(shape)
    write(tmp_path / "other.h5", frames, **options)
    with h5py.File(tmp_path / "other.h5", "r", locking=False) as f:
        assert not is_bitshuffle_frames(f["data"])
        reader = FrameReader(f["data"])
        assert reader.decoder is None
        np.testing.assert_array_equal(reader.read(1), frames[1].astype(np.int32))


def test_a_corrupt_chunk_falls_back_to_hdf5s_error(tmp_path: Path) -> None:
    frames = np.ones((2, 16, 12), np.uint32)
    path = tmp_path / "corrupt.h5"
    write(path, frames, chunks=(1, 16, 12), **BSLZ4)
    with h5py.File(path, "r+") as f:
        _, raw = f["data"].id.read_direct_chunk((1, 0, 0))
        f["data"].id.write_direct_chunk((1, 0, 0), raw[:12] + b"\xff" * (len(raw) - 12))
    with h5py.File(path, "r", locking=False) as f:
        reader = FrameReader(f["data"])
        assert reader.decoder is not None
        out = np.empty((16, 12), np.uint32)
        assert not reader.decoder.decode((1,), out)
        np.testing.assert_array_equal(reader.read(0), frames[0])
        with pytest.raises(ViewerError, match="filter returned failure during read"):
            reader.read(1)
