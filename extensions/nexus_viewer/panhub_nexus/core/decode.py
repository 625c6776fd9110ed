"""Bitshuffle-LZ4 frames decoded straight from their chunk, on two threads.

Dectris detectors write one frame per HDF5 chunk, compressed with bitshuffle-LZ4.
Reading such a frame through HDF5's filter pipeline allocates and copies the whole
chunk on every read and decodes it on one core: 86 ms for an Eiger 16M frame on
the project's 2-core machine, against 34 ms for the same decode into a reused
buffer and about 20 ms on two threads. This module reads the compressed chunk with
``read_direct_chunk`` and calls the bitshuffle library that hdf5plugin ships
(through ctypes, which releases the GIL). Bitshuffle-LZ4 blocks are independent,
so the blocks are split in as many runs as there are threads.

Anything unusual (another filter, a skipped filter, a chunk that is not one frame,
a library without the symbol, a corrupt chunk) makes :meth:`ChunkDecoder.decode`
return False, and the caller reads through HDF5 as before, which also gives
HDF5's own error message.
"""

from __future__ import annotations

import ctypes
import functools
import itertools
import struct
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import h5py
import hdf5plugin
import numpy.typing as npt

BITSHUFFLE_FILTER = 32008
LZ4 = 2
"""``cd_values[4]`` of the bitshuffle filter when it compresses with LZ4."""
N_THREADS = 2
PARALLEL_BYTES = 1 << 20
"""Frames of at least this many bytes are decoded on :data:`N_THREADS` threads."""
_POOL = ThreadPoolExecutor(max_workers=N_THREADS, thread_name_prefix="panhub-decode")
_HEADER = struct.Struct(">QI")  # uncompressed bytes, block size in bytes
_BLOCK = struct.Struct(">I")  # compressed bytes of one block


@functools.cache
def _get_decompress() -> Any:
    """``bshuf_decompress_lz4`` from hdf5plugin's bitshuffle filter, or None."""
    try:
        path = hdf5plugin.get_config().registered_filters["bshuf"]
        function = ctypes.CDLL(path).bshuf_decompress_lz4
    except (KeyError, OSError, AttributeError):
        return None
    function.restype = ctypes.c_int64
    function.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_size_t,
                         ctypes.c_size_t]  # fmt: skip
    return function


def is_bitshuffle_frames(dataset: h5py.Dataset) -> bool:
    """True if each frame of `dataset` is one chunk compressed with bitshuffle-LZ4 only."""
    if dataset.ndim < 2 or dataset.chunks is None or not dataset.dtype.isnative:
        return False
    frame_chunks = (*(1,) * (dataset.ndim - 2), *dataset.shape[-2:])
    if dataset.dtype.kind not in "uif" or tuple(dataset.chunks) != frame_chunks:
        return False
    plist = dataset.id.get_create_plist()
    if plist.get_nfilters() != 1:
        return False
    code, _flags, values, _name = plist.get_filter(0)
    return (
        code == BITSHUFFLE_FILTER
        and len(values) >= 5
        and values[4] == LZ4
        and values[2] == dataset.dtype.itemsize
    )


class ChunkDecoder:
    """Decode whole-frame bitshuffle-LZ4 chunks of one dataset into reused buffers.

    Parameters
    ----------
    dataset : h5py.Dataset
        A dataset for which :func:`is_bitshuffle_frames` is True.
    n_threads : int
        Decoding threads for large frames (at most :data:`N_THREADS` run at once).
    """

    def __init__(self, dataset: h5py.Dataset, n_threads: int = N_THREADS) -> None:
        self.dataset = dataset
        self.n_threads = max(1, n_threads)
        self._decompress = _get_decompress()

    @property
    def is_available(self) -> bool:
        """False when hdf5plugin's library does not export the decoder."""
        return self._decompress is not None

    def decode(self, index: tuple[int, ...], out: npt.NDArray[Any]) -> bool:
        """Decode the frame at `index` (its leading indices) into `out`.

        Returns
        -------
        bool
            False if the chunk cannot be decoded here (the caller reads through HDF5).
        """
        if self._decompress is None or not out.flags.c_contiguous:
            return False
        try:
            mask, raw = self.dataset.id.read_direct_chunk((*index, 0, 0))
        except (OSError, ValueError, RuntimeError, KeyError):
            return False
        if mask != 0 or len(raw) < _HEADER.size:
            return False
        n_bytes, block_bytes = _HEADER.unpack_from(raw)
        item = out.dtype.itemsize
        if n_bytes != out.nbytes or block_bytes == 0 or block_bytes % item:
            return False
        runs = self._split(raw, out.size, block_bytes // item, n_bytes)
        if runs is None:
            return False
        source = ctypes.cast(ctypes.c_char_p(raw), ctypes.c_void_p).value or 0
        target = out.ctypes.data

        def run(part: tuple[int, int, int]) -> bool:
            offset, first, count = part
            done = self._decompress(source + offset, target + first * item, count, item,
                                    block_bytes // item)  # fmt: skip
            return bool(done >= 0)

        if len(runs) == 1:
            return run(runs[0])
        return all(_POOL.map(run, runs))

    def _split(
        self, raw: bytes, size: int, block: int, n_bytes: int
    ) -> list[tuple[int, int, int]] | None:
        """Runs ``(byte offset, first element, element count)`` of whole blocks."""
        n_blocks = size // block
        parts = max(1, min(self.n_threads, n_blocks)) if n_bytes >= PARALLEL_BYTES else 1
        cuts = [n_blocks * k // parts for k in range(1, parts)]
        offsets = [_HEADER.size]
        position, blocks = _HEADER.size, 0
        for cut in cuts:
            while blocks < cut:  # walk the block headers (about 0.1 ms per 1000 blocks)
                if position + 4 > len(raw):
                    return None
                position += 4 + _BLOCK.unpack_from(raw, position)[0]
                blocks += 1
            offsets.append(position)
        starts = [0, *cuts]
        counts = [(b - a) * block for a, b in itertools.pairwise(starts)]
        counts.append(size - starts[-1] * block)
        return [(o, s * block, c) for o, s, c in zip(offsets, starts, counts, strict=True)]
