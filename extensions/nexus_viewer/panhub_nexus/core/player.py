"""Stack playback driven by the kernel, with a window of unacknowledged frames.

A browser that asks for every frame pays a kernel round trip per frame, and in
JupyterLab each message to the kernel also flips the kernel status to busy and back
(status bar, favicon, title): about a third of the browser's work per frame. During
playback the kernel knows which frame comes next, so it sends frames on its own and
the front end acknowledges them a few at a time. At most ``window`` frames are sent
and not yet acknowledged, so a slow browser slows the player down instead of
building a backlog.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

MAX_WINDOW = 32
"""Largest window accepted from the front end (frames)."""


class Player:
    """Submit frames ``start + 1, start + 2, ...`` (wrapping) from a thread.

    Parameters
    ----------
    submit : callable
        Called with each frame index, on the player's thread. It may block (the
        pipeline waits for room); it returns once the frame is queued.
    n_frames : int
        Frames of the stack; playback wraps around to 0.
    start : int
        Frame shown when playback starts (the first frame submitted is the next).
    fps : float
        Highest rate in frames per second.
    window : int
        Frames submitted and not yet acknowledged, at most (1 to :data:`MAX_WINDOW`).
    """

    def __init__(
        self,
        submit: Callable[[int], None],
        n_frames: int,
        start: int,
        fps: float,
        window: int = 6,
    ) -> None:
        self.submit = submit
        self.n_frames = max(1, n_frames)
        self.frame = start % self.n_frames
        self.period = 1.0 / min(max(fps, 0.1), 1000.0)
        self.window = min(max(int(window), 1), MAX_WINDOW)
        self.sent = 0
        self.acked = 0
        self._cond = threading.Condition()
        self._stopped = False
        self._thread = threading.Thread(target=self._run, name="panhub-player", daemon=True)

    def start(self) -> Player:
        """Start the thread; returns self."""
        self._thread.start()
        return self

    @property
    def is_playing(self) -> bool:
        """True until :meth:`stop` is called or the thread ends."""
        return self._thread.is_alive() and not self._stopped

    def ack(self, n_shown: int) -> None:
        """The front end has received `n_shown` of the frames submitted so far."""
        with self._cond:
            self.acked = max(self.acked, min(int(n_shown), self.sent))
            self._cond.notify_all()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop submitting (a frame being submitted is finished first)."""
        with self._cond:
            self._stopped = True
            self._cond.notify_all()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def _wait_turn(self, due: float) -> bool:
        """Wait for room in the window and for time `due`; False once stopped."""
        with self._cond:
            self._cond.wait_for(lambda: self._stopped or self.sent - self.acked < self.window)
            while not self._stopped and (delay := due - time.perf_counter()) > 0:
                self._cond.wait(delay)
            if self._stopped:
                return False
            self.sent += 1  # before submitting: an answer may be acknowledged at once
            return True

    def _run(self) -> None:
        due = time.perf_counter()
        while self._wait_turn(due):
            self.frame = (self.frame + 1) % self.n_frames
            self.submit(self.frame)
            # pace at `fps`, without a burst after a stall
            due = max(due + self.period, time.perf_counter() - self.period)
