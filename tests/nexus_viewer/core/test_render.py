from __future__ import annotations

import numpy as np
from panhub_nexus.core.colormap import make_palette
from panhub_nexus.core.encode import decode_indices, make_png
from panhub_nexus.core.render import DisplaySettings, clip_region, render


def test_render_pools_scales_and_encodes_exactly() -> None:
    frame = np.zeros((8, 8), np.int32)
    frame[1, 1] = 10  # a single-pixel peak survives 4x4 pooling
    frame[4:8, 4:8] = -1  # a fully invalid block
    frame[6, 0] = 5
    settings = DisplaySettings(autoscale="fixed", vmin=0.0, vmax=10.0)
    image = render(frame, "nonneg", settings, display_shape=(2, 2))
    assert image.factor == 4
    assert image.region == (0, 8, 0, 8)
    assert image.indices.tolist() == [[254, 0], [127, 255]]
    assert (image.encoding, image.payloads) == ("raw", (bytes([254, 0, 127, 255]),))


def test_render_region_zooms_without_pooling() -> None:
    frame = np.arange(100, dtype=np.float64).reshape(10, 10)
    image = render(frame, "finite", DisplaySettings(autoscale="minmax"), (50, 50), (2, 4, 3, 6))
    assert image.factor == 1
    assert image.shape == (2, 3)
    assert (image.vmin, image.vmax) == (23.0, 35.0)
    assert image.indices[0, 0] == 0
    assert image.indices[1, 2] == 254


def test_clip_region() -> None:
    assert clip_region(None, (5, 6)) == (0, 5, 0, 6)
    assert clip_region((-3, 100, 4, 4), (5, 6)) == (0, 5, 4, 5)


def test_detector_frame_is_at_most_half_a_byte_per_pixel() -> None:
    rng = np.random.default_rng(1)
    frame = rng.poisson(3.0, (1200, 1200)).astype(np.int32)
    image = render(frame, "nonneg", DisplaySettings(norm="log"), (600, 600))
    assert (image.shape, image.encoding) == ((600, 600), "zlib")
    assert image.bytes_per_pixel < 0.5
    assert np.array_equal(decode_indices(image.payloads, image.shape), image.indices)


def test_small_images_travel_raw_at_one_byte_per_pixel() -> None:
    frame = np.arange(512 * 512, dtype=np.int32).reshape(512, 512)
    image = render(frame, "nonneg", DisplaySettings(), (512, 512))
    assert (image.shape, image.encoding, image.bytes_per_pixel) == ((512, 512), "raw", 1.0)
    assert np.array_equal(decode_indices(image.payloads, image.shape, "raw"), image.indices)


def test_palette_reserves_transparent_invalid_entry() -> None:
    palette = make_palette("viridis")
    assert palette.shape == (256, 4)
    assert palette[255].tolist() == [0, 0, 0, 0]
    assert palette[0].tolist() == [68, 1, 84, 255]


def test_png_is_a_valid_palette_png() -> None:
    import zlib

    data = make_png(np.array([[0, 255], [7, 8]], np.uint8), make_palette("gray"))
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    # IHDR: width 2, height 2, depth 8, colour type 3 (palette)
    assert data[16:26] == b"\x00\x00\x00\x02\x00\x00\x00\x02\x08\x03"
    idat = data.index(b"IDAT")
    length = int.from_bytes(data[idat - 4 : idat], "big")
    rows = zlib.decompress(data[idat + 4 : idat + 4 + length])
    assert rows == bytes([0, 0, 255, 0, 7, 8])


def test_large_regions_render_in_bands_equal_to_the_whole() -> None:
    from panhub_nexus.core.downsample import pool_max
    from panhub_nexus.core.scale import make_indices

    rng = np.random.default_rng(2)
    frame = rng.poisson(5.0, (1203, 1001)).astype(np.int32)
    frame[600:603] = -1
    image = render(frame, "nonneg", DisplaySettings(norm="log"), (700, 700))
    assert (image.factor, image.shape, image.encoding) == (2, (602, 501), "zlib")
    assert len(image.payloads) == 2
    expected = make_indices(pool_max(frame, 2), "nonneg", image.vmin, image.vmax, "log")
    assert np.array_equal(image.indices, expected)
    assert np.array_equal(decode_indices(image.payloads, image.shape), expected)
