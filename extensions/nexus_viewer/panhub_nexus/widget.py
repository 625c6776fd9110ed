"""``NexusViewer``: an anywidget over :class:`panhub_nexus.core.session.ViewerSession`.

The widget declares traits and routes messages; every computation is in the core.
Images travel as zlib-compressed 8-bit colour indices in binary buffers (about 0.4
byte per displayed pixel); the palette is a trait, so a colormap change sends 1 KB
and no frame is re-read.

Messages
--------
Besides the traits, the kernel and the browser exchange custom messages: dicts with
a ``type``, images and curves in binary buffers. ``static/widget.js`` has one
``@typedef`` per row, ``Kernel<Type>`` or ``Browser<Type>`` by the sender, with these
fields (``?``: optional); ``tests/nexus_viewer/test_widget_js.py`` checks that the two
agree.

========  ================  ===========================  ==================================
type      direction         fields                       meaning
========  ================  ===========================  ==================================
image     kernel → browser  id, reply, frame, shape,     an image update; buffers: the
                            region, factor, vmin, vmax,  colour indices (uint8, row-major)
                            bytes, encoding, played,     in bands, raw or zlib. ``id`` is
                            status, served_ms            the request answered (``reply``)
                                                         or the last one seen; ``played``
                                                         the playback, 0 for none
dropped   kernel → browser  id, reply, frame, error,     a view request superseded by a
                            played                       newer one (latest wins)
failed    kernel → browser  id, reply, frame, error,     a view request that failed; the
                            played                       error is in :attr:`error` too
curve     kernel → browser  n, errors, xerrors,          a curve, or its points
                            auxiliary, start, stop,      ``start:stop``; buffers (float64):
                            total, decimated             x, y, errors if any, x errors
                                                         (resolutions) if any, each
                                                         auxiliary signal, point indices
profile   kernel → browser  line                         the line profile; buffers
                                                         (float64): distance, values
pixel     kernel → browser  id, y, x, value              a source pixel's value, None if
                                                         masked
children  kernel → browser  path, offset, items, total   a page of a group's children
                                                         (total -1: more, not counted)
view      browser → kernel  id, frame, region, size      show a frame and region ([]: all)
                                                         at ``size`` device pixels; answered
                                                         by image, dropped or failed
play      browser → kernel  play, frame, fps, window,    play the stack from ``frame``,
                            region, size                 at most ``window`` frames ahead of
                                                         those acknowledged
ack       browser → kernel  play, shown, frame           frames of playback ``play``
                                                         received so far, the last shown
pause     browser → kernel  frame                        stop playing; ``frame`` is served
                                                         last
children  browser → kernel  path, offset                 ask for a page of children
open      browser → kernel  path                         show the node ``path``
pixel     browser → kernel  y, x, id?                    ask for a pixel's value
curve     browser → kernel  window?                      send the curve again, whole or the
                                                         points ``window = [start, stop]``
refresh   browser → kernel                               reopen the file, show the same node
========  ================  ===========================  ==================================

Examples
--------
>>> from panhub_nexus import NexusViewer
>>> viewer = NexusViewer("/data/proposal/raw/scan_0001.nxs")  # doctest: +SKIP
>>> viewer                                                     # doctest: +SKIP
>>> viewer.selection, viewer.profile                           # doctest: +SKIP
"""

from __future__ import annotations

import functools
import os
import pathlib
import threading
import time
from collections.abc import Callable
from typing import Any, cast

import anywidget
import h5py
import numpy as np
import numpy.typing as npt
import traitlets as t

from panhub_nexus.core.colormap import get_colormap_names, make_palette
from panhub_nexus.core.encode import make_png
from panhub_nexus.core.files import ViewerError
from panhub_nexus.core.locate import PlotSpec
from panhub_nexus.core.pipeline import SUPERSEDED, RenderPipeline, ViewRequest
from panhub_nexus.core.player import Player
from panhub_nexus.core.render import DisplaySettings, Region, RenderedImage
from panhub_nexus.core.scale import AUTOSCALE_MODES, NORMS, AutoscaleMode, Norm
from panhub_nexus.core.session import Profile, ViewerSession


def _guarded(method: Callable[..., Any]) -> Callable[..., Any]:
    """Turn any exception into the `error` trait: the kernel must never die."""

    @functools.wraps(method)
    def wrapper(self: NexusViewer, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except ViewerError as exc:
            self.error = str(exc)
        except Exception as exc:  # a viewer bug or an HDF5 oddity, shown, not raised
            self.error = f"{type(exc).__name__}: {exc}"
        return None

    return wrapper


class NexusViewer(anywidget.AnyWidget):
    """View a NeXus/HDF5 file: tree, curves, images and frame stacks.

    Parameters
    ----------
    source : str, PathLike or h5py object
        File to open (read-only, without locking), or an open h5py File, Group or
        Dataset (shown as is, not closed by the viewer).
    threaded : bool
        Serve images on two background threads (read, render) with latest-wins
        requests. False renders synchronously (tests).
    **kwargs
        Initial trait values, e.g. ``colormap="magma"``, ``norm="linear"``.
    """

    _esm = pathlib.Path(__file__).parent / "static" / "widget.js"
    _css = pathlib.Path(__file__).parent / "static" / "widget.css"

    path = t.Unicode("", help="File shown (read-only).").tag(sync=True)
    node = t.Unicode("", help="HDF5 path of the node shown, e.g. '/entry/data'.").tag(sync=True)
    kind = t.Unicode("none", help="image, curve, scalar, text or none.").tag(sync=True)
    spec = t.Dict(help="Title, labels, axes and notes of the node shown.").tag(sync=True)
    text = t.Unicode("", help="Value of a scalar or string node.").tag(sync=True)
    frame = t.Int(0, help="Frame index of a stack (0-based).").tag(sync=True)
    n_frames = t.Int(1, help="Number of frames of the node shown.").tag(sync=True)
    colormap = t.Unicode("viridis", help="silx colormap name.").tag(sync=True)
    colormaps = t.List(t.Unicode(), help="Colormap names offered.").tag(sync=True)
    palette = t.Bytes(b"", help="RGBA palette (256 x 4 bytes), 255 = invalid.").tag(sync=True)
    norm = t.Enum(NORMS, "log", help="Colour scale: linear, log or sqrt.").tag(sync=True)
    autoscale = t.Enum(
        AUTOSCALE_MODES, "percentile", help="percentile (0.1-99.9), minmax, stddev3 or fixed."
    ).tag(sync=True)
    vmin = t.Float(None, allow_none=True, help="Lower colour bound (fixed mode).").tag(sync=True)
    vmax = t.Float(None, allow_none=True, help="Upper colour bound (fixed mode).").tag(sync=True)
    region = t.List(t.Int(), help="Zoomed region [y0, y1, x0, x1]; [] = whole frame.").tag(
        sync=True
    )
    display_shape = t.List(
        t.Int(), [800, 800], help="Drawing area in device pixels [rows, columns]."
    ).tag(sync=True)
    roi = t.List(t.Int(), help="Rectangular ROI [y0, y1, x0, x1] in source pixels.").tag(sync=True)
    line = t.List(t.Float(), help="Profile line [y0, x0, y1, x1] in source pixels.").tag(sync=True)
    selection = t.Dict(help="Statistics of the ROI over valid pixels (read-only).").tag(sync=True)
    x_log = t.Bool(False, help="Logarithmic x axis of curves.").tag(sync=True)
    y_log = t.Bool(False, help="Logarithmic y axis of curves.").tag(sync=True)
    fps = t.Float(20.0, help="Playback rate in frames per second.").tag(sync=True)
    error = t.Unicode("", help="Last error, shown in the widget; '' when all is well.").tag(
        sync=True
    )
    status = t.Unicode("", help="Short status line (frame, bytes, timing).").tag(sync=True)

    def __init__(
        self,
        source: str | os.PathLike[str] | h5py.HLObject,
        *,
        threaded: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self._threaded = threaded
        self._session: ViewerSession | None = None
        self._pipeline: RenderPipeline | None = None
        self._player: Player | None = None
        self._play_id = 0  # the front end's playback session, echoed with played frames
        self._image: RenderedImage | None = None
        self._profile: Profile | None = None
        self._images_sent = 0
        self._client_id = 0  # id of the front end's last view request
        self._from_client = False
        self._lock = threading.Lock()
        self.colormaps = list(get_colormap_names())
        self.palette = make_palette(self.colormap).tobytes()
        self.on_msg(self._on_message)
        self._open(source)

    # ---- Python API ---------------------------------------------------------------

    @property
    def image(self) -> RenderedImage | None:
        """The last image update sent (indices at display resolution, colour range)."""
        return self._image

    @property
    def profile(self) -> Profile | None:
        """The line profile of :attr:`line` on the current frame, or None."""
        return self._profile

    @_guarded
    def select(self, node: str) -> None:
        """Show the HDF5 node `node` (group, NXdata or dataset)."""
        self._select(node)

    @_guarded
    def refresh(self) -> None:
        """Reopen the file (it may still be written) and show the same node again."""
        if self._session is None:
            raise ViewerError("no file open")
        self._stop_pipeline()
        self._session.refresh()
        self._after_select(load_mask=True)

    def wait(self, timeout: float = 10.0) -> bool:
        """Wait until every image request has been served (threaded mode)."""
        return self._pipeline.wait_idle(timeout) if self._pipeline is not None else True

    def to_png(self) -> bytes:
        """The current view as an 8-bit palette PNG (display resolution)."""
        if self._image is None:
            raise ViewerError("no image to export")
        return make_png(self._image.indices, make_palette(self.colormap))

    def save_png(self, path: str | os.PathLike[str]) -> None:
        """Write :meth:`to_png` to `path`."""
        pathlib.Path(path).write_bytes(self.to_png())

    def close(self) -> None:
        """Stop the threads, close the file and the widget."""
        self._stop_pipeline()
        if self._session is not None:
            self._session.close()
        super().close()

    # ---- opening and selecting -----------------------------------------------------

    @_guarded
    def _open(self, source: str | os.PathLike[str] | h5py.HLObject) -> None:
        self._session = ViewerSession(source)
        self.path = self._session.path
        self._select(self._session.start, load_mask=False)

    def _select(self, node: str, load_mask: bool = True) -> None:
        if self._session is None:
            raise ViewerError("no file open")
        self._stop_pipeline()
        self.error = ""
        # A deferred mask keeps the first image fast; it is applied right after.
        self._session.select(node, load_mask=load_mask)
        self._after_select(load_mask=load_mask)

    def _after_select(self, load_mask: bool) -> None:
        session = self._session
        assert session is not None
        spec = session.spec
        self._image, self._profile = None, None
        with self.hold_trait_notifications():
            self._from_client = True
            self.node = session.node
            self.kind = spec.kind
            self.n_frames = session.n_frames
            self.frame = min(self.frame, self.n_frames - 1) if spec.kind != "none" else 0
            self.region, self.roi, self.line, self.selection = [], [], [], {}
            self.spec = {
                "title": spec.title, "signal": spec.signal, "signal_label": spec.signal_label,
                "axes": list(spec.axes), "axes_labels": list(spec.axes_labels),
                "errors": spec.errors, "axis_errors": spec.axis_errors, "note": spec.note,
                "frame_shape": list(spec.frame_shape), "frame_axes": session.frame_axes(),
                "nxdata": spec.nxdata,
                "frame_size": list(session.reader.frame_shape) if session.reader else [],
                "axes_range": [list(r) if r else None for r in session.image_axes()],
                "scales": [spec.x_scale, spec.signal_scale],
            }  # fmt: skip
            self._apply_scales(spec)
            self._from_client = False
        if spec.kind == "image":
            assert session.reader is not None
            self._pipeline = RenderPipeline(session.reader, self._deliver, threaded=self._threaded)
            self._request_view()
            if not load_mask and session.mask_path:
                self._apply_mask_later()
        elif spec.kind == "curve":
            self._send_curve()
        elif spec.kind in ("scalar", "text"):
            self.text = session.text()
        elif spec.note:
            self.error = spec.note

    def _apply_scales(self, spec: PlotSpec) -> None:
        """The scales the file or its technique asks for (NXcanSAS: log-log I(Q)).

        A curve's log axes follow the node shown (no hint: linear); an image's colour
        scale changes only when the file names one.
        """
        if spec.kind == "curve":
            self.x_log = spec.x_scale == "log"
            self.y_log = spec.signal_scale == "log"
        elif spec.kind == "image" and spec.signal_scale in NORMS:
            self.norm = spec.signal_scale

    def _apply_mask_later(self) -> None:
        session, pipeline = self._session, self._pipeline

        def load() -> None:
            try:
                if session is not None and session.load_mask() and pipeline is not None:
                    pipeline.reset()
                    self._request_view()
            except Exception as exc:  # the mask is an improvement, never a failure
                self.status = f"pixel mask not applied: {exc}"

        if self._threaded:
            threading.Thread(target=load, name="panhub-mask", daemon=True).start()
        else:
            load()

    def _stop_pipeline(self) -> None:
        self._stop_player()
        if self._pipeline is not None:
            self._pipeline.close()
            self._pipeline = None

    # ---- images ----------------------------------------------------------------------

    def _settings(self) -> DisplaySettings:
        norm = cast(Norm, self.norm)
        autoscale = cast(AutoscaleMode, self.autoscale)
        return DisplaySettings(norm=norm, autoscale=autoscale, vmin=self.vmin, vmax=self.vmax)

    def _make_request(self, frame: int, request_id: int | None, played: int = 0) -> ViewRequest:
        region: Region | None = None
        if len(self.region) == 4:
            y0, y1, x0, x1 = self.region
            region = (y0, y1, x0, x1)
        rows, cols = self.display_shape if len(self.display_shape) == 2 else (800, 800)
        return ViewRequest(
            frame=frame,
            display_shape=(max(rows, 1), max(cols, 1)),
            settings=self._settings(),
            region=region,
            request_id=self._client_id if request_id is None else request_id,
            reply=request_id is not None,
            created=time.perf_counter(),
            played=played,
        )

    def _request_view(self, request_id: int | None = None) -> None:
        """Ask for an image; `request_id` is the front end's, None when Python asks.

        An update Python asks for carries the id of the front end's last request, so
        the front end shows it after that request's image and before any later one.
        """
        if self._pipeline is None:
            return
        with self._lock:  # requests from the mask thread and the kernel stay ordered
            request = self._make_request(self.frame, request_id)
            if request_id is not None:
                self._client_id = request_id
            self._pipeline.request(request)

    # ---- playback ------------------------------------------------------------------

    def _start_player(self, content: dict[str, Any]) -> None:
        """Play from the frame shown; the front end acknowledges frames as they arrive."""
        self._stop_player()
        self._on_client_values(content)
        pipeline = self._pipeline
        if pipeline is None or self.n_frames < 2:
            return
        play_id = int(content.get("play", 1))
        self._play_id = play_id

        def submit(frame: int) -> None:
            pipeline.wait_for_room()  # played frames are never dropped: they wait
            with self._lock:
                request = self._make_request(frame, None, played=play_id)
            pipeline.request(request)

        fps = float(content.get("fps", self.fps))
        window = int(content.get("window", 6))
        self._player = Player(submit, self.n_frames, self.frame, fps, window).start()

    def _stop_player(self) -> None:
        player, self._player = self._player, None
        if player is not None:
            player.stop()

    @property
    def is_playing(self) -> bool:
        """True while the stack is being played (started from the front end)."""
        return self._player is not None and self._player.is_playing

    def _deliver(self, request: ViewRequest, image: RenderedImage | None, error: str) -> None:
        if image is None:
            kind = "dropped" if error == SUPERSEDED else "failed"
            self.send({"type": kind, "id": request.request_id, "reply": request.reply,
                       "frame": request.frame, "error": error,
                       "played": request.played})  # fmt: skip
            if error != SUPERSEDED:
                self.error = error
            return
        self._image = image
        self._images_sent += 1
        header = {
            "type": "image", "id": request.request_id, "reply": request.reply,
            "frame": request.frame,
            "shape": list(image.shape), "region": list(image.region), "factor": image.factor,
            "vmin": image.vmin, "vmax": image.vmax, "bytes": image.n_bytes,
            "encoding": image.encoding, "played": request.played,
        }  # fmt: skip
        served_ms = (time.perf_counter() - request.created) * 1e3
        status = (f"frame {request.frame + 1}/{self.n_frames} · {image.shape[1]} x "
                  f"{image.shape[0]} px · {image.n_bytes / 1024:.0f} KB · "
                  f"{served_ms:.0f} ms")  # fmt: skip
        self.send({**header, "status": status, "served_ms": served_ms},
                  buffers=list(image.payloads))  # fmt: skip
        if self.error:
            self.error = ""
        self._set_quietly(status=status)  # the front end has it from the header

    @t.observe("frame", "norm", "autoscale", "vmin", "vmax", "region")
    def _on_view_change(self, change: dict[str, Any]) -> None:
        if self._from_client or self.kind not in ("image", "curve"):
            return
        if self.kind == "curve":
            if change["name"] == "frame":
                self._guarded_curve()
            return
        self._request_view()
        if change["name"] == "frame":
            self._update_analysis()

    @t.observe("colormap")
    def _on_colormap(self, change: dict[str, Any]) -> None:
        try:
            self.palette = make_palette(change["new"]).tobytes()
        except ValueError as exc:
            self.error = str(exc)

    # ---- ROI and profile -----------------------------------------------------------

    @t.observe("roi", "line")
    def _on_analysis(self, change: dict[str, Any]) -> None:
        if not self._from_client:
            self._update_analysis()

    @_guarded
    def _update_analysis(self) -> None:
        if self._session is None or self.kind != "image":
            return
        if len(self.roi) == 4:
            self.selection = dict(self._session.roi(self.frame, tuple(self.roi)))  # type: ignore[arg-type]
        else:
            self.selection = {}
        if len(self.line) == 4:
            y0, x0, y1, x1 = self.line
            self._profile = self._session.profile(self.frame, (y0, x0), (y1, x1))
            buffers = [self._profile.distance.tobytes(), self._profile.values.tobytes()]
            self.send({"type": "profile", "line": list(self.line)}, buffers=buffers)
        else:
            self._profile = None

    # ---- curves ---------------------------------------------------------------------

    @_guarded
    def _guarded_curve(self) -> None:
        self._send_curve()

    def _send_curve(self, window: tuple[int, int] | None = None) -> None:
        """Send the curve, or its points ``window = (start, stop)`` (1D zoom).

        Buffers, as float64: x, y, errors (if any), x errors (if any), each auxiliary
        signal, and the index of each point in the dataset. A curve of more than 2 x 2048 points in
        the window is decimated to the minimum and maximum of each of 2048 bins.
        """
        assert self._session is not None
        curve = self._session.curve(self.frame, window)
        arrays: list[npt.NDArray[Any]] = [curve.x, curve.y]
        if curve.errors is not None:
            arrays.append(curve.errors)
        if curve.x_errors is not None:
            arrays.append(curve.x_errors)
        arrays.extend(curve.auxiliary)
        arrays.append(curve.index)  # where each point is: the front end asks for windows
        self.send(
            {"type": "curve", "n": int(curve.y.size), "errors": curve.errors is not None,
             "xerrors": curve.x_errors is not None, "auxiliary": len(curve.auxiliary),
             "start": curve.start, "stop": curve.stop, "total": curve.total,
             "decimated": curve.is_decimated},
            buffers=[np.ascontiguousarray(a, np.float64).tobytes() for a in arrays],
        )  # fmt: skip
        shown = f", {curve.y.size:,} shown (min/max per bin)" if curve.is_decimated else ""
        self.status = f"{curve.total:,} points{shown}"

    # ---- messages from the front end --------------------------------------------------

    @_guarded
    def _on_message(self, _widget: Any, content: dict[str, Any], buffers: list[bytes]) -> None:
        kind = content.get("type")
        session = self._session
        if session is None:
            if kind == "refresh":
                raise ViewerError("no file open")
            return  # the front end's first requests must not hide why the file did not open
        if kind == "view":
            self._stop_player()
            self._on_client_view(content)
        elif kind == "play":
            self._start_player(content)
        elif kind == "ack":
            self._on_ack(content)
        elif kind == "pause":
            self._on_pause(content)
        elif kind == "children":
            offset = int(content.get("offset", 0))
            items, total = session.children(content["path"], offset)
            reply = {"path": content["path"], "offset": offset, "items": items, "total": total}
            self.send({"type": "children", **reply})
        elif kind == "open":
            self._select(str(content["path"]))  # stops the player
        elif kind == "pixel":
            value = session.pixel(self.frame, int(content["y"]), int(content["x"]))
            self.send({"type": "pixel", "id": content.get("id", 0), "y": content["y"],
                       "x": content["x"], "value": value})  # fmt: skip
        elif kind == "curve":
            window = content.get("window")
            self._send_curve(tuple(window) if window else None)
        elif kind == "refresh":
            self.refresh()

    def _set_quietly(self, **values: Any) -> None:
        """Set traits the front end already knows, without sending them back.

        While a slider is dragged, echoing every frame costs the browser a model
        update per image (ipywidgets' own property lock, as in ``set_state``).
        """
        with self._lock_property(**values), self.hold_trait_notifications():
            for name, value in values.items():
                setattr(self, name, value)

    def _on_client_values(self, content: dict[str, Any]) -> None:
        """Take the frame, region and size the front end shows, without echoing them."""
        values: dict[str, Any] = {"frame": int(content.get("frame", self.frame))}
        if "region" in content:
            values["region"] = [int(v) for v in content["region"] or []]
        if "size" in content:
            values["display_shape"] = [int(v) for v in content["size"]]
        self._from_client = True
        try:
            self._set_quietly(**values)
        finally:
            self._from_client = False

    def _on_ack(self, content: dict[str, Any]) -> None:
        player = self._player
        if player is None or int(content.get("play", 0)) != self._play_id:
            return  # a late acknowledgement of an earlier playback
        player.ack(int(content.get("shown", 0)))
        if "frame" in content:
            self._on_client_values({"frame": content["frame"]})

    def _on_pause(self, content: dict[str, Any]) -> None:
        """Stop playing at the frame the front end shows, and serve that frame last.

        It supersedes the played frames still queued, so :attr:`image`, the ROI and
        the profile end on the frame the front end shows.
        """
        self._stop_player()
        self._on_client_view(content, reply=False)

    def _on_client_view(self, content: dict[str, Any], reply: bool = True) -> None:
        """Show what the front end shows; ``reply``: it waits for this answer (its ``id``)."""
        self._on_client_values(content)
        self._request_view(int(content.get("id", 0)) if reply else None)
        if self.roi or self.line:
            self._update_analysis()
