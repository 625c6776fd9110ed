from __future__ import annotations

import threading

import h5py
import numpy as np
from panhub_nexus import synthetic
from panhub_nexus.core.frames import FrameReader
from panhub_nexus.core.pipeline import SUPERSEDED, LatestSlot, RenderPipeline, ViewRequest
from panhub_nexus.core.render import DisplaySettings, RenderedImage


def test_latest_slot_replaces_waiting_item() -> None:
    slot: LatestSlot[int] = LatestSlot()
    assert slot.put(1) is None
    assert slot.put(2) == 1
    assert slot.take() == 2
    slot.close()
    assert slot.take() is None


def _collect(reader: FrameReader, threaded: bool):
    results: list[tuple[int, RenderedImage | None, str]] = []
    lock = threading.Lock()

    def deliver(request: ViewRequest, image: RenderedImage | None, error: str) -> None:
        with lock:
            results.append((request.frame, image, error))

    return results, RenderPipeline(reader, deliver, threaded=threaded)


def test_synchronous_pipeline_serves_each_request(stack: synthetic.StackInfo) -> None:
    with h5py.File(stack.path, "r") as f:
        results, pipeline = _collect(FrameReader(f[stack.signal_path]), threaded=False)
        settings = DisplaySettings(autoscale="fixed", vmin=0, vmax=stack.peak_value)
        pipeline.request(ViewRequest(frame=2, display_shape=(48, 40), settings=settings))
        current = pipeline.current()
        assert current is not None
        assert current[0] == 2
        pipeline.request(ViewRequest(frame=9, display_shape=(48, 40)))
        frame, image, error = results[0]
        assert frame == 2
        assert error == ""
        assert image is not None
        assert image.indices[stack.peaks[2]] == 254
        assert results[1][1] is None
        assert results[1][2] == "frame 9 out of range 0..5"


def test_threaded_pipeline_ends_on_the_latest_request(stack: synthetic.StackInfo) -> None:
    with h5py.File(stack.path, "r") as f:
        reader = FrameReader(f[stack.signal_path], f[stack.mask_path][()])
        results, pipeline = _collect(reader, threaded=True)
        try:
            for i in [0, 1, 2, 3, 4, 5, 4, 3]:
                pipeline.request(ViewRequest(frame=i, display_shape=(24, 20)))
            assert pipeline.wait_idle(10)
            # every request is answered once: an image, or "superseded" by a newer one
            assert len(results) == 8
            assert {error for _, _, error in results} <= {"", SUPERSEDED}
            shown = [frame for frame, image, _ in results if image is not None]
            assert shown
            assert shown[-1] == 3
            # zoom on the current frame: rendered from memory, same frame
            pipeline.request(ViewRequest(frame=3, display_shape=(24, 20), region=(0, 10, 0, 10)))
            assert pipeline.wait_idle(10)
            last = results[-1][1]
            assert last is not None
            assert last.region == (0, 10, 0, 10)
            assert last.factor == 1
            current = pipeline.current()
            assert current is not None
            y, x = stack.peaks[3]
            assert current[1][y, x] == stack.peak_value
            assert np.all(current[1][f[stack.mask_path][()] != 0] == -1)
        finally:
            pipeline.close()
