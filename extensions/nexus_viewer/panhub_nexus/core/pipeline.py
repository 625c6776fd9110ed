"""Latest-wins, two-stage image pipeline: one thread reads, one thread renders.

While frame *i* is pooled, scaled and compressed, frame *i + 1* is already being
decompressed (h5py, numpy and zlib release the GIL), so scrubbing runs at the speed
of the slower stage instead of the sum of both. Requests replace each other: only
the newest waiting request is served, so a fast slider never builds a backlog.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

import numpy.typing as npt

from panhub_nexus.core.files import ViewerError
from panhub_nexus.core.frames import FrameReader
from panhub_nexus.core.render import DisplaySettings, Region, RenderedImage, render

T = TypeVar("T")
Array = npt.NDArray[Any]


@dataclasses.dataclass(frozen=True)
class ViewRequest:
    """One image update asked for by the front end or by Python."""

    frame: int
    display_shape: tuple[int, int]
    settings: DisplaySettings = dataclasses.field(default_factory=DisplaySettings)
    region: Region | None = None
    request_id: int = 0
    """Echoed with the answer; the front end shows images in id order."""
    reply: bool = False
    """True when the front end waits for this answer (it counts requests in flight)."""
    created: float = 0.0
    """``time.perf_counter()`` when the request was made (for the status line)."""
    played: int = 0
    """Playback session of a played frame (0: not played). A played frame waits for
    room instead of replacing a waiting request, so playback drops no frame."""


Deliver = Callable[[ViewRequest, RenderedImage | None, str], None]
"""Called with ``(request, image, "")`` on success or ``(request, None, message)``."""
SUPERSEDED = "superseded"
"""Message delivered for a request dropped in favour of a newer one."""


class LatestSlot(Generic[T]):
    """A one-item mailbox: :meth:`put` replaces the waiting item and returns it."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._item: T | None = None
        self._closed = False

    def put(self, item: T) -> T | None:
        """Store `item`; return the item it replaced, if any."""
        with self._cond:
            dropped, self._item = self._item, item
            self._cond.notify_all()
            return dropped

    def wait_empty(self) -> bool:
        """Wait until the slot is empty; False if closed first."""
        with self._cond:
            self._cond.wait_for(lambda: self._item is None or self._closed)
            return not self._closed

    def put_after(self, item: T) -> bool:
        """Wait until the slot is empty, then store `item`; False if closed first."""
        with self._cond:
            self._cond.wait_for(lambda: self._item is None or self._closed)
            if self._closed:
                return False
            self._item = item
            self._cond.notify_all()
            return True

    def take(self) -> T | None:
        """Wait for an item and remove it; None once closed."""
        with self._cond:
            while self._item is None and not self._closed:
                self._cond.wait()
            item, self._item = self._item, None
            self._cond.notify_all()  # wake a put_after() waiting for room
            return item

    def close(self) -> None:
        """Wake and stop the consumer."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()


@dataclasses.dataclass
class _Loaded:
    request: ViewRequest
    frame: Array | None
    buffer: int
    error: str = ""


class RenderPipeline:
    """Serve :class:`ViewRequest` objects for one :class:`FrameReader`.

    Parameters
    ----------
    reader : FrameReader
        Source of frames.
    deliver : callable
        Receives each result, on the render thread (or the caller's, if not threaded).
    threaded : bool
        False serves each request synchronously inside :meth:`request` (tests).

    Notes
    -----
    Memory is three raw frames at most (one being read, one being rendered, one
    kept as the current frame for pixel values, profiles and ROIs).
    """

    N_BUFFERS = 3

    def __init__(self, reader: FrameReader, deliver: Deliver, *, threaded: bool = True) -> None:
        self.reader = reader
        self.deliver = deliver
        self.threaded = threaded
        self._buffers = [reader.make_buffer() for _ in range(self.N_BUFFERS if threaded else 1)]
        self._lock = threading.Condition()
        self._pins = [0] * len(self._buffers)  # users of each buffer besides "current"
        self._current: tuple[int, Array, int] | None = None  # (frame index, frame, buffer)
        self._pending = 0
        self._requests: LatestSlot[ViewRequest] = LatestSlot()
        self._loaded: LatestSlot[_Loaded] = LatestSlot()
        self._threads: list[threading.Thread] = []
        if threaded:
            for target, name in ((self._read_loop, "read"), (self._render_loop, "render")):
                thread = threading.Thread(target=target, name=f"panhub-{name}", daemon=True)
                thread.start()
                self._threads.append(thread)

    def request(self, request: ViewRequest) -> None:
        """Ask for an update; a request still waiting is dropped in favour of this one.

        A played request (``request.played``) instead waits, in the caller's thread,
        until the reader has taken the request before it: playback frames are shown
        in order, none dropped, while the reader and the renderer stay busy.
        """
        if not self.threaded:
            self._finish(self._load(request))
            return
        with self._lock:
            self._pending += 1
        if request.played:
            if not self._requests.put_after(request):
                self._done()  # closed meanwhile
            return
        dropped = self._requests.put(request)
        if dropped is not None:
            self.deliver(dropped, None, SUPERSEDED)
            self._done()

    def wait_for_room(self) -> bool:
        """Wait until no request is waiting (the reader took the last); False if closed.

        A player calls this before making its next request, so that the request's
        ``created`` time does not include the wait.
        """
        return self._requests.wait_empty() if self.threaded else True

    def current(self) -> tuple[int, Array] | None:
        """``(index, prepared frame)`` of the last frame rendered, if any."""
        with self._lock:
            return None if self._current is None else self._current[:2]

    def reset(self) -> None:
        """Forget the current frame (after a refresh, its content may have changed)."""
        with self._lock:
            self._current = None
            self._lock.notify_all()

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait until every request has been served or dropped."""
        with self._lock:
            return self._lock.wait_for(lambda: self._pending == 0, timeout)

    def close(self) -> None:
        """Stop the threads (they finish the update in progress)."""
        self._requests.close()
        self._loaded.close()
        for thread in self._threads:
            thread.join(timeout=5)

    def _done(self) -> None:
        with self._lock:
            self._pending -= 1
            self._lock.notify_all()

    def _free(self) -> list[int]:
        current = self._current[2] if self._current else -1
        return [i for i, n in enumerate(self._pins) if n == 0 and i != current]

    def _unpin(self, buffer: int) -> None:
        with self._lock:
            if buffer >= 0:
                self._pins[buffer] -= 1
            self._lock.notify_all()

    def _load(self, request: ViewRequest) -> _Loaded:
        with self._lock:
            if self._current is not None and self._current[0] == request.frame:
                # zoom, pan, colours: no re-read; pin the frame while it is rendered
                self._pins[self._current[2]] += 1
                return _Loaded(request, self._current[1], self._current[2])
            if not self.threaded:
                self._current = None
            self._lock.wait_for(lambda: bool(self._free()))
            buffer = self._free()[0]
            self._pins[buffer] += 1
        try:
            frame = self.reader.read_into(request.frame, self._buffers[buffer])
        except ViewerError as exc:
            self._unpin(buffer)
            return _Loaded(request, None, -1, str(exc))
        return _Loaded(request, frame, buffer)

    def _finish(self, loaded: _Loaded) -> None:
        request = loaded.request
        if loaded.frame is None:
            self.deliver(request, None, loaded.error)
            return
        try:
            image = render(
                loaded.frame, self.reader.validity, request.settings, request.display_shape,
                request.region,
            )  # fmt: skip
        except (ValueError, ViewerError) as exc:
            self.deliver(request, None, str(exc))
            return
        finally:
            with self._lock:
                self._current = (request.frame, loaded.frame, loaded.buffer)
            self._unpin(loaded.buffer)
        self.deliver(request, image, "")

    def _read_loop(self) -> None:
        while (request := self._requests.take()) is not None:
            loaded = self._load(request)
            if request.played:
                if not self._loaded.put_after(loaded):
                    self._unpin(loaded.buffer)
                    self._done()
                continue
            dropped = self._loaded.put(loaded)
            if dropped is not None:
                self._unpin(dropped.buffer)
                self.deliver(dropped.request, None, SUPERSEDED)
                self._done()

    def _render_loop(self) -> None:
        while (loaded := self._loaded.take()) is not None:
            try:
                self._finish(loaded)
            finally:
                self._done()
