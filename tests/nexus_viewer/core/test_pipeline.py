from __future__ import annotations

import threading
import time

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


def test_latest_slot_put_after_waits_for_room() -> None:
    slot: LatestSlot[int] = LatestSlot()
    assert slot.put_after(1)
    stored = threading.Event()

    def second() -> None:
        slot.put_after(2)
        stored.set()

    thread = threading.Thread(target=second)
    thread.start()
    assert not stored.wait(0.05)  # 1 is still waiting: 2 is not stored over it
    assert slot.take() == 1
    assert stored.wait(5)
    assert slot.take() == 2
    thread.join()
    slot.close()
    assert not slot.put_after(3)
    assert not slot.wait_empty()


def test_played_requests_are_all_served_in_order(stack: synthetic.StackInfo) -> None:
    with h5py.File(stack.path, "r") as f:
        results, pipeline = _collect(FrameReader(f[stack.signal_path]), threaded=True)
        order = [1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5, 0]
        settings = DisplaySettings(autoscale="fixed", vmin=0, vmax=stack.peak_value)
        try:
            for i in order:  # as fast as the pipeline takes them
                assert pipeline.wait_for_room()
                request = ViewRequest(frame=i, display_shape=(24, 20), settings=settings, played=1)
                pipeline.request(request)
            assert pipeline.wait_idle(10)
        finally:
            pipeline.close()
        assert [error for _, _, error in results] == [""] * len(order)
        assert [frame for frame, _, _ in results] == order
        for frame, image, _ in results:
            assert image is not None
            y, x = stack.peaks[frame]
            assert image.indices[y // 2, x // 2] == 254  # each image is its own frame


def test_a_new_request_supersedes_a_waiting_played_one(stack: synthetic.StackInfo) -> None:
    with h5py.File(stack.path, "r") as f:
        reader = FrameReader(f[stack.signal_path])
        results, pipeline = _collect(reader, threaded=True)
        gate = threading.Event()
        read = reader.read_into

        def slow_read(index: int, buffer: np.ndarray) -> np.ndarray:
            gate.wait(5)
            return read(index, buffer)

        reader.read_into = slow_read  # type: ignore[method-assign]
        try:
            pipeline.request(ViewRequest(frame=0, display_shape=(24, 20), played=1))
            time.sleep(0.05)  # the reader holds frame 0
            pipeline.request(ViewRequest(frame=1, display_shape=(24, 20), played=1))
            pipeline.request(ViewRequest(frame=4, display_shape=(24, 20)))  # a slider jump
            gate.set()
            assert pipeline.wait_idle(10)
        finally:
            pipeline.close()
        answers = [(frame, error) for frame, _, error in results]
        # frame 1 never left the request slot; frame 0, already read, may be shown
        # or replaced by the newer frame 4 before the renderer takes it
        assert answers[0] == (1, SUPERSEDED)
        assert answers[-1] == (4, "")
        assert answers[1:-1] in ([(0, "")], [(0, SUPERSEDED)])
