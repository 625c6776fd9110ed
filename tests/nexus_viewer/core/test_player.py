from __future__ import annotations

import threading
import time

from panhub_nexus.core.player import MAX_WINDOW, Player


class Submitted:
    """Collects the frames a player submits; lets a test wait for a count."""

    def __init__(self) -> None:
        self.frames: list[int] = []
        self.times: list[float] = []
        self._cond = threading.Condition()

    def __call__(self, frame: int) -> None:
        with self._cond:
            self.frames.append(frame)
            self.times.append(time.perf_counter())
            self._cond.notify_all()

    def wait_for(self, n: int, timeout: float = 5.0) -> bool:
        with self._cond:
            return self._cond.wait_for(lambda: len(self.frames) >= n, timeout)


def test_player_stops_at_the_window_until_frames_are_acknowledged() -> None:
    submitted = Submitted()
    player = Player(submitted, n_frames=5, start=3, fps=1000, window=3).start()
    try:
        assert submitted.wait_for(3)
        time.sleep(0.05)  # no acknowledgement: nothing more is submitted
        assert submitted.frames == [4, 0, 1]
        player.ack(2)
        assert submitted.wait_for(5)
        time.sleep(0.05)
        assert submitted.frames == [4, 0, 1, 2, 3]
        assert player.is_playing
    finally:
        player.stop()
    assert not player.is_playing
    assert player.sent == 5


def test_player_acknowledgements_are_monotonic_and_bounded() -> None:
    submitted = Submitted()
    player = Player(submitted, n_frames=4, start=0, fps=1000, window=2).start()
    try:
        assert submitted.wait_for(2)
        player.ack(50)  # more than sent: counts as all sent
        assert player.acked == 2
        assert submitted.wait_for(4)
        player.ack(1)  # a late, smaller count changes nothing
        assert player.acked >= 2
    finally:
        player.stop()


def test_player_paces_at_fps() -> None:
    submitted = Submitted()
    player = Player(submitted, n_frames=100, start=0, fps=50, window=MAX_WINDOW).start()
    try:
        assert submitted.wait_for(6)
    finally:
        player.stop()
    span = submitted.times[5] - submitted.times[0]
    assert span >= 5 / 50 * 0.9  # 5 periods of 20 ms
    assert submitted.frames[:6] == [1, 2, 3, 4, 5, 6]


def test_player_clamps_its_window() -> None:
    assert Player(lambda f: None, 3, 0, 10, window=0).window == 1
    assert Player(lambda f: None, 3, 0, 10, window=10_000).window == MAX_WINDOW


def test_stop_wakes_a_player_waiting_for_acknowledgements() -> None:
    submitted = Submitted()
    player = Player(submitted, n_frames=3, start=0, fps=1000, window=1).start()
    assert submitted.wait_for(1)
    t0 = time.perf_counter()
    player.stop()
    assert time.perf_counter() - t0 < 1.0
    assert not player.is_playing
    assert submitted.frames == [1]
