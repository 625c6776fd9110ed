// panhub NexusViewer front end: one ESM file, no bundler. anywidget loads `_esm` from a
// Blob URL, so this file cannot import a sibling; its CSS is widget.css (the `_css` trait).
//
// Images arrive as zlib-compressed bands of 8-bit colour indices; the palette is a
// model trait, so colours change without a round trip. View requests are
// latest-wins: at most MAX_IN_FLIGHT requests travel, and only the newest waits.
// Playback is driven by the kernel: it sends the next frames on its own, at most
// PLAY_WINDOW ahead of the frames acknowledged, which we acknowledge ACK_EVERY at a
// time (each message to the kernel costs JupyterLab a busy/idle status round).
//
// Sections, top to bottom:
//   messages  one @typedef per message, mirroring the table in widget.py's docstring
//             (tests/nexus_viewer/test_widget_js.py checks that the two agree)
//   types     the other shapes: regions, tree rows, curves, plot and image places
//   helpers   pure functions, exported for tests/nexus_viewer/js (node --test)
//   drawing   canvas painting that keeps no state
//   layout    buildLayout (the DOM elements) and the functions that fill them
//   makers    the state, one maker per concern: makeRequester (latest-wins requests),
//             makePlayer (playback and acknowledgements), makeStats (figures for the
//             benchmarks), makeImageView, makeCurveView, makeProfileView, makeTree
//   render    wiring: controls and model events to the makers
// Only functions touch `document` and `window`, so the module imports under Node.

/** @import { AnyModel } from "@anywidget/types" */

const MAX_IN_FLIGHT = 2;
const REPLY_TIMEOUT_MS = 10000;
const PLAY_WINDOW = 6;
const ACK_EVERY = 3;
const TEXT_EVERY_MS = 250; // status texts refresh at most this often during playback
const MAX_ERROR_BARS = 4000; // points of a curve up to which error bars are drawn
const AUX_COLORS = ["#ff7f0e", "#2ca02c", "#d62728"];

/** Colour scales offered, as `panhub_nexus.core.scale.NORMS` (a test compares them). */
export const NORMS = ["linear", "log", "sqrt"];
/** Autoscale modes offered, as `panhub_nexus.core.scale.AUTOSCALE_MODES`. */
export const AUTOSCALE_MODES = ["percentile", "minmax", "stddev3", "fixed"];
/** Mouse tools of images: [value, label]. */
const MOUSE_TOOLS = [["zoom", "zoom/pan"], ["line", "line profile"], ["roi", "rectangle ROI"]];

// ---- messages ----------------------------------------------------------------------
// Kernel* messages go from the kernel to the browser, Browser* the other way.

/**
 * An image update; buffers: the colour indices (uint8, row-major) in bands.
 * @typedef {object} KernelImage
 * @property {"image"} type
 * @property {number} id  the request it answers, or (Python's own updates) the last seen
 * @property {boolean} reply  it answers request `id`, which frees a request slot
 * @property {number} frame  frame shown
 * @property {number[]} shape  [rows, columns] of the indices
 * @property {Region} region  source pixels shown
 * @property {number} factor  source pixels per displayed pixel
 * @property {number} vmin  lower colour bound used
 * @property {number} vmax  upper colour bound used
 * @property {number} bytes  size of the buffers
 * @property {"raw" | "zlib"} encoding  of the bands
 * @property {number} played  playback it belongs to, 0 for none
 * @property {string} status  status line
 * @property {number} served_ms  from request to send, in the kernel
 */

/**
 * A view request answered without an image: a newer one superseded it.
 * @typedef {object} KernelDropped
 * @property {"dropped"} type
 * @property {number} id
 * @property {boolean} reply
 * @property {number} frame
 * @property {string} error
 * @property {number} played
 */

/**
 * A view request that failed (the error is also in the `error` trait).
 * @typedef {object} KernelFailed
 * @property {"failed"} type
 * @property {number} id
 * @property {boolean} reply
 * @property {number} frame
 * @property {string} error
 * @property {number} played
 */

/**
 * A curve; buffers (float64): x, y, the errors if any, the x errors (resolutions) if
 * any, each auxiliary signal, and the index of each point in the dataset.
 * @typedef {object} KernelCurve
 * @property {"curve"} type
 * @property {number} n  points sent
 * @property {boolean} errors  an errors buffer follows y
 * @property {boolean} xerrors  an x errors buffer follows (the errors, or y)
 * @property {number} auxiliary  number of auxiliary signals
 * @property {number} start  first point of the window sent
 * @property {number} stop  end of the window sent
 * @property {number} total  points in the dataset
 * @property {boolean} decimated  min/max per bin, not every point
 */

/**
 * The line profile; buffers (float64): distance along the line, values.
 * @typedef {object} KernelProfile
 * @property {"profile"} type
 * @property {number[]} line  [y0, x0, y1, x1]
 */

/**
 * The value of a source pixel.
 * @typedef {object} KernelPixel
 * @property {"pixel"} type
 * @property {number} id  of the request, 0 when it had none
 * @property {number} y
 * @property {number} x
 * @property {number | null} value  null: masked
 */

/**
 * A page of the children of a group.
 * @typedef {object} KernelChildren
 * @property {"children"} type
 * @property {string} path
 * @property {number} offset  of the first item
 * @property {TreeItem[]} items
 * @property {number} total  children of the group; -1: more follow, not counted
 */

/**
 * Show a frame and region at a size; answered by an image, `dropped` or `failed`.
 * @typedef {object} BrowserView
 * @property {"view"} type
 * @property {number} id  increasing
 * @property {number} frame
 * @property {Region | []} region  [] for the whole frame
 * @property {number[]} size  [rows, columns] of the drawing area, device pixels
 */

/**
 * Play the stack from `frame`.
 * @typedef {object} BrowserPlay
 * @property {"play"} type
 * @property {number} play  playback id, echoed as `played` by its frames
 * @property {number} frame
 * @property {number} fps
 * @property {number} window  frames sent ahead of those acknowledged
 * @property {Region | []} region
 * @property {number[]} size
 */

/**
 * Frames of a playback received (shown, dropped or failed).
 * @typedef {object} BrowserAck
 * @property {"ack"} type
 * @property {number} play
 * @property {number} shown  frames of this playback received so far
 * @property {number} frame  the last of them
 */

/**
 * Stop playing; the kernel serves `frame` last.
 * @typedef {object} BrowserPause
 * @property {"pause"} type
 * @property {number} frame
 */

/**
 * Ask for a page of the children of a group.
 * @typedef {object} BrowserChildren
 * @property {"children"} type
 * @property {string} path
 * @property {number} offset
 */

/**
 * Show a node.
 * @typedef {object} BrowserOpen
 * @property {"open"} type
 * @property {string} path
 */

/**
 * Ask for the value of a source pixel of the frame shown.
 * @typedef {object} BrowserPixel
 * @property {"pixel"} type
 * @property {number} y
 * @property {number} x
 * @property {number} [id]  echoed in the answer
 */

/**
 * Ask for the curve again: whole, or only the points `window` = [start, stop).
 * @typedef {object} BrowserCurve
 * @property {"curve"} type
 * @property {number[]} [window]
 */

/**
 * Reopen the file (it may still be written) and show the same node.
 * @typedef {object} BrowserRefresh
 * @property {"refresh"} type
 */

/**
 * @typedef {KernelImage | KernelDropped | KernelFailed | KernelCurve | KernelProfile
 *   | KernelPixel | KernelChildren} KernelMessage
 * @typedef {BrowserView | BrowserPlay | BrowserAck | BrowserPause | BrowserChildren
 *   | BrowserOpen | BrowserPixel | BrowserCurve | BrowserRefresh} BrowserMessage
 */

// ---- other types -------------------------------------------------------------------

/**
 * Source pixels [y0, y1, x0, x1]: rows y0 to y1 - 1, columns x0 to x1 - 1.
 * @typedef {number[]} Region
 */

/**
 * A child in the tree (`panhub_nexus.core.tree.NodeInfo`).
 * @typedef {object} TreeItem
 * @property {string} name
 * @property {string} path
 * @property {string} kind  group, dataset, datatype, broken or external-missing
 * @property {string} link  hard, soft or external
 * @property {string} target  of a soft or external link
 * @property {string} nx_class
 * @property {number[] | null} shape
 * @property {string} dtype
 */

/**
 * A row of the tree as shown: a node, or (`more` set) a row asking for more children.
 * @typedef {object} TreeRow
 * @property {string} path  the node, or the group of a `more` row
 * @property {number} depth
 * @property {string} className
 * @property {string} text
 * @property {string} [info]  NX class, or dtype and shape
 * @property {string} [title]
 * @property {boolean} [group]
 * @property {boolean} [open]
 * @property {boolean} [broken]
 * @property {number} [more]  offset of the children to ask for
 */

/**
 * A curve as received (see KernelCurve).
 * @typedef {object} Curve
 * @property {Float64Array} x
 * @property {Float64Array} y
 * @property {Float64Array | null} errors
 * @property {Float64Array | null} xerrors  x resolutions or errors
 * @property {Float64Array[]} aux
 * @property {Float64Array} index  of each point in the dataset
 * @property {number} start
 * @property {number} stop
 * @property {number} total
 * @property {boolean} decimated
 */

/**
 * The part of a curve in view, in axis units (log10 of the values on log axes);
 * y is fitted to the points in view unless given.
 * @typedef {{x0: number, x1: number, y0?: number, y1?: number}} CurveZoom
 */

/**
 * A line of a plot.
 * @typedef {object} Series
 * @property {ArrayLike<number>} y
 * @property {string} color
 * @property {ArrayLike<number> | null} [errors]
 * @property {ArrayLike<number> | null} [xerrors]  horizontal bars (x resolutions)
 * @property {boolean} [dash]
 */

/**
 * Where drawPlot put a plot, in device pixels, and the ranges of its axes.
 * @typedef {object} PlotPlace
 * @property {{l: number, r: number, t: number, b: number}} m  margins
 * @property {number} w
 * @property {number} hgt
 * @property {number} xlo
 * @property {number} xhi
 * @property {number} ylo
 * @property {number} yhi
 * @property {boolean} xlog
 * @property {boolean} ylog
 */

/**
 * Where an image is drawn on its canvas: offset and device pixels per source pixel.
 * @typedef {{dx: number, dy: number, scale: number}} ImagePlace
 */

/**
 * A drag on an image: zoom/pan, line or ROI, from `start` (source pixels).
 * @typedef {object} ImageDrag
 * @property {string} mode  zoom, line or roi
 * @property {number[]} start
 * @property {Region} region  shown when the drag started
 * @property {Region} [roi]  drawn so far
 * @property {number[]} [line]
 */

/**
 * The image shown.
 * @typedef {object} ShownImage
 * @property {Uint8Array} indices
 * @property {number} w
 * @property {number} h
 * @property {Region} region
 * @property {number} frame
 * @property {number} factor
 * @property {number} vmin
 * @property {number} vmax
 * @property {ImagePlace} [place]
 */

// ---- helpers (pure) -----------------------------------------------------------------

/**
 * The bytes of a buffer as received (DataView, ArrayBuffer or typed array).
 * @param {ArrayBuffer | ArrayBufferView | null | undefined} view
 * @returns {Uint8Array}
 */
export function bytesOf(view) {
  if (!view) return new Uint8Array(0);
  if (view instanceof ArrayBuffer) return new Uint8Array(view);
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

/**
 * A buffer of float64 values, copied (the buffer may not be 8-byte aligned).
 * @param {ArrayBuffer | ArrayBufferView} view
 * @returns {Float64Array}
 */
export function float64Of(view) {
  const b = bytesOf(view);
  return new Float64Array(b.slice().buffer);
}

/**
 * @param {Uint8Array[]} parts
 * @returns {Uint8Array}  the parts end to end
 */
export function concat(parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/**
 * The colour indices of an image message, its bands decompressed and joined.
 * @param {(ArrayBuffer | ArrayBufferView)[]} buffers
 * @param {string} encoding  "raw" (bands as they are) or "zlib"
 * @returns {Promise<Uint8Array>}
 */
export async function inflate(buffers, encoding) {
  if (encoding === "raw") {
    return buffers.length === 1 ? bytesOf(buffers[0]) : concat(buffers.map(bytesOf));
  }
  const parts = await Promise.all(
    buffers.map((buf) => {
      const inflated = new Blob([bytesOf(buf)]).stream()
        .pipeThrough(new DecompressionStream("deflate"));
      return new Response(inflated).arrayBuffer().then((ab) => new Uint8Array(ab));
    }),
  );
  return concat(parts);
}

/**
 * A number for a label: 5 significant digits, exponents for the very large or small.
 * @param {number | null | undefined} v
 * @returns {string}
 */
export function fmt(v) {
  if (v === null || v === undefined || Number.isNaN(v)) return "–";
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e5 || a < 1e-3)) return v.toExponential(3);
  return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(5))); // 0.8, not 0.80000
}

/**
 * Tick values between lo and hi, at about n steps of 1, 2 or 5 times a power of ten.
 * @param {number} lo
 * @param {number} hi
 * @param {number} [n]
 * @returns {number[]}
 */
export function niceTicks(lo, hi, n = 5) {
  const span = hi - lo || 1;
  const step0 = span / n;
  const mag = 10 ** Math.floor(Math.log10(step0));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => span / s <= n) || mag * 10;
  const ticks = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-12 * span; v += step) ticks.push(v);
  return ticks;
}

/**
 * Ticks of an image axis over the source pixels c0 to c1 shown. Pixel i spans
 * [i, i + 1): its centre i + 0.5 has the axis value of index i.
 * @param {number[] | null | undefined} range  [first, last] value of an evenly spaced
 *   axis; none: pixel indices
 * @param {number} n  pixels along the axis
 * @param {number} c0
 * @param {number} c1
 * @param {number} count  about this many ticks
 * @returns {{c: number, text: string}[]}  c: the position, in source pixels
 */
export function axisTicks(range, n, c0, c1, count) {
  const [v0, vLast] = range || [0, n - 1];
  const step = n > 1 ? (vLast - v0) / (n - 1) : 1;
  const value = (/** @type {number} */ c) => v0 + (c - 0.5) * step;
  const lo = Math.min(value(c0), value(c1)), hi = Math.max(value(c0), value(c1));
  return niceTicks(lo, hi, count).map((v) => ({
    c: (v - v0) / step + 0.5,
    text: fmt(Number(v.toPrecision(12))),
  }));
}

/**
 * @param {{frame_size?: number[]}} spec  the `spec` trait
 * @returns {number[]}  [rows, columns] of a frame
 */
export function frameSizeOf(spec) {
  return spec.frame_size || [1, 1];
}

/**
 * Keep a region inside the frame, at least 2 pixels each way, in whole pixels.
 * @param {Region} region  maybe fractional, maybe outside
 * @param {number[]} size  [rows, columns] of the frame
 * @returns {Region}
 */
export function clampRegion(region, [H, W]) {
  let [y0, y1, x0, x1] = region;
  const hh = Math.min(H, Math.max(2, y1 - y0)), ww = Math.min(W, Math.max(2, x1 - x0));
  y0 = Math.min(Math.max(0, y0), H - hh);
  x0 = Math.min(Math.max(0, x0), W - ww);
  return [Math.round(y0), Math.round(y0 + hh), Math.round(x0), Math.round(x0 + ww)];
}

/**
 * Zoom by `f` (above 1: out) around the source point p = [y, x].
 * @param {Region} region
 * @param {number[]} p
 * @param {number} f
 * @param {number[]} size  of the frame
 * @returns {Region}
 */
export function zoomRegion([y0, y1, x0, x1], [y, x], f, size) {
  const zoomed = [y - (y - y0) * f, y + (y1 - y) * f, x - (x - x0) * f, x + (x1 - x) * f];
  return clampRegion(zoomed, size);
}

/**
 * The region a drag pans to: `from` moved by the drag from `start` to `p`. The
 * points are in the source pixels of the image `shown` (which follows the drag).
 * @param {Region} from  the region when the drag started
 * @param {number[]} start
 * @param {number[]} p
 * @param {Region} shown
 * @param {number[]} size  of the frame
 * @returns {Region}
 */
export function panRegion(from, start, p, shown, size) {
  const [y0, y1, x0, x1] = from;
  const dy = start[0] - p[0] + (shown[0] - from[0]);
  const dx = start[1] - p[1] + (shown[2] - from[2]);
  return clampRegion([y0 + dy, y1 + dy, x0 + dx, x1 + dx], size);
}

/**
 * The ROI of a drag between two source points: the whole pixels they touch.
 * @param {number[]} a  [y, x]
 * @param {number[]} b
 * @returns {Region}
 */
export function roiOf(a, b) {
  const ys = [a[0], b[0]].sort((u, v) => u - v), xs = [a[1], b[1]].sort((u, v) => u - v);
  return [Math.floor(ys[0]), Math.ceil(ys[1]), Math.floor(xs[0]), Math.ceil(xs[1])];
}

/**
 * @param {number[]} line  [y0, x0, y1, x1]
 * @returns {number[]}  to 1/100 pixel
 */
export function roundLine(line) {
  return line.map((v) => Math.round(v * 100) / 100);
}

/**
 * @param {number} deltaY  of a wheel event
 * @returns {number}  zoom factor: out (1.25) when scrolling down, else in (0.8)
 */
export function wheelFactor(deltaY) {
  return deltaY > 0 ? 1.25 : 0.8;
}

/**
 * @param {number} frame
 * @param {number} n  frames
 * @param {number} step  1 or -1
 * @returns {number}  the next frame, round the stack
 */
export function stepFrame(frame, n, step) {
  return (frame + (step > 0 ? 1 : n - 1)) % n;
}

/**
 * The drawing area in device pixels.
 * @param {{w: number, h: number}} box  in CSS pixels
 * @param {number} dpr  device pixels per CSS pixel
 * @returns {number[]}  [rows, columns], at least 1 each
 */
export function deviceSize({ w, h: hh }, dpr) {
  return [Math.max(1, Math.round(hh * dpr)), Math.max(1, Math.round(w * dpr))];
}

/**
 * Fit a region into a canvas, with room for the axes, keeping square pixels.
 * @param {number} width  of the canvas, device pixels
 * @param {number} height
 * @param {Region} region
 * @param {number} dpr
 * @returns {{dx: number, dy: number, dw: number, dh: number, scale: number}}
 */
export function placeImage(width, height, [y0, y1, x0, x1], dpr) {
  const m = { l: 58 * dpr, r: 8 * dpr, t: 6 * dpr, b: 34 * dpr }; // room for the axes
  const aw = Math.max(1, width - m.l - m.r), ah = Math.max(1, height - m.t - m.b);
  const scale = Math.min(aw / (x1 - x0), ah / (y1 - y0));
  const dw = (x1 - x0) * scale, dh = (y1 - y0) * scale;
  return { dx: m.l + (aw - dw) / 2, dy: m.t + (ah - dh) / 2, dw, dh, scale };
}

/**
 * @param {ImagePlace} place
 * @param {Region} region  shown
 * @param {number} y  source pixel
 * @param {number} x
 * @returns {number[]}  [X, Y] on the canvas
 */
export function toCanvas({ dx, dy, scale }, region, y, x) {
  return [dx + (x - region[2]) * scale, dy + (y - region[0]) * scale];
}

/**
 * @param {ImagePlace} place
 * @param {Region} region  shown
 * @param {number} cx  canvas point
 * @param {number} cy
 * @returns {number[]}  [y, x] in source pixels
 */
export function fromCanvas({ dx, dy, scale }, region, cx, cy) {
  return [region[0] + (cy - dy) / scale, region[2] + (cx - dx) / scale];
}

/**
 * The axis ranges of a plot: x over the data (or the zoom), y fits the points in view
 * (with their error bars when drawn) plus 5 %, unless the zoom gives it.
 * @param {ArrayLike<number>} x
 * @param {Series[]} series
 * @param {{xlog?: boolean, ylog?: boolean, view?: CurveZoom | null}} [options]
 * @returns {{xlo: number, xhi: number, ylo: number, yhi: number, showErrors: boolean} | null}
 *   in axis units; null without a finite x
 */
export function plotExtent(x, series, { xlog = false, ylog = false, view = null } = {}) {
  const tx = (/** @type {number} */ v) => (xlog ? Math.log10(v) : v);
  const ty = (/** @type {number} */ v) => (ylog ? Math.log10(v) : v);
  let xlo = Infinity, xhi = -Infinity, ylo = Infinity, yhi = -Infinity;
  for (let i = 0; i < x.length; i++) {
    const xv = tx(x[i]);
    if (!Number.isFinite(xv)) continue;
    xlo = Math.min(xlo, xv);
    xhi = Math.max(xhi, xv);
  }
  if (!Number.isFinite(xlo)) return null;
  if (view) {
    xlo = view.x0;
    xhi = view.x1;
  }
  const showErrors = x.length <= MAX_ERROR_BARS; // error bars drawn: y fits them too
  for (let i = 0; i < x.length; i++) {
    const xv = tx(x[i]);
    if (!(xv >= xlo && xv <= xhi)) continue;
    for (const s of series) {
      const e = s.errors && showErrors && Number.isFinite(s.errors[i]) ? s.errors[i] : 0;
      for (const yv of [ty(s.y[i] - e), ty(s.y[i] + e)]) {
        if (Number.isFinite(yv)) {
          ylo = Math.min(ylo, yv);
          yhi = Math.max(yhi, yv);
        }
      }
    }
  }
  if (!Number.isFinite(ylo)) [ylo, yhi] = [0, 1];
  if (xhi === xlo) xhi = xlo + 1;
  if (yhi === ylo) yhi = ylo + 1;
  const pad = (yhi - ylo) * 0.05;
  ylo -= pad;
  yhi += pad;
  if (view && view.y0 !== undefined && view.y1 !== undefined) [ylo, yhi] = [view.y0, view.y1];
  return { xlo, xhi, ylo, yhi, showErrors };
}

/**
 * @param {PlotPlace} place
 * @param {number} cx  canvas point, device pixels
 * @param {number} cy
 * @returns {number[]}  [x, y] in axis units
 */
export function fromPlot({ m, w, hgt, xlo, xhi, ylo, yhi }, cx, cy) {
  return [xlo + ((cx - m.l) / (w - m.l - m.r)) * (xhi - xlo),
    ylo + ((hgt - m.b - cy) / (hgt - m.t - m.b)) * (yhi - ylo)];
}

/**
 * @param {PlotPlace} place
 * @param {number} X  in axis units
 * @param {number} Y
 * @returns {number[]}  the canvas point
 */
export function toPlot({ m, w, hgt, xlo, xhi, ylo, yhi }, X, Y) {
  return [m.l + ((X - xlo) / (xhi - xlo)) * (w - m.l - m.r),
    hgt - m.b - ((Y - ylo) / (yhi - ylo)) * (hgt - m.t - m.b)];
}

/**
 * Zoom x by `f` around x (axis units); y fits the points.
 * @param {PlotPlace} place
 * @param {number} x
 * @param {number} f
 * @returns {CurveZoom}
 */
export function zoomView({ xlo, xhi }, x, f) {
  return { x0: x - (x - xlo) * f, x1: x + (xhi - x) * f };
}

/**
 * The zoom a drag from `start` to `p` pans to.
 * @param {PlotPlace} place  when the drag started
 * @param {number[]} start  [x, y] in axis units
 * @param {number[]} p
 * @param {boolean} keepY  pan y too (the zoom fixed y), else y fits the points
 * @returns {CurveZoom}
 */
export function panView({ xlo, xhi, ylo, yhi }, start, p, keepY) {
  const dx = start[0] - p[0], dy = start[1] - p[1];
  return keepY ? { x0: xlo + dx, x1: xhi + dx, y0: ylo + dy, y1: yhi + dy }
    : { x0: xlo + dx, x1: xhi + dx };
}

/**
 * The zoom of a box drawn with shift-drag, or null for a box under 1 % of the plot
 * either way (a click is not a zoom).
 * @param {number[][] | undefined} box  two corners [x, y] in axis units
 * @param {PlotPlace | null} place
 * @returns {CurveZoom | null}
 */
export function boxView(box, place) {
  if (!box || !place) return null;
  const xs = [box[0][0], box[1][0]].sort((a, b) => a - b);
  const ys = [box[0][1], box[1][1]].sort((a, b) => a - b);
  const { xlo, xhi, ylo, yhi } = place;
  if (xs[1] - xs[0] > 0.01 * (xhi - xlo) && ys[1] - ys[0] > 0.01 * (yhi - ylo)) {
    return { x0: xs[0], x1: xs[1], y0: ys[0], y1: ys[1] };
  }
  return null;
}

/**
 * @param {KernelCurve} msg
 * @param {(ArrayBuffer | ArrayBufferView)[]} buffers
 * @returns {Curve}
 */
export function decodeCurve(msg, buffers) {
  const arrays = buffers.map(float64Of);
  let next = 2;
  const errors = msg.errors ? arrays[next++] : null;
  const xerrors = msg.xerrors ? arrays[next++] : null;
  return { x: arrays[0], y: arrays[1], errors, xerrors,
    aux: arrays.slice(next, next + msg.auxiliary), index: arrays[next + msg.auxiliary],
    start: msg.start, stop: msg.stop, total: msg.total, decimated: msg.decimated };
}

/**
 * The flat frame index of a position in the leading dims (the last varies fastest).
 * @param {number[]} indices  one per leading dim
 * @param {number[]} shape  of the leading dims
 * @returns {number}
 */
export function ravelIndex(indices, shape) {
  return shape.reduce((flat, n, d) => flat * n + Math.min(Math.max(indices[d] | 0, 0), n - 1),
    0);
}

/**
 * The position in the leading dims of a flat frame index.
 * @param {number} index
 * @param {number[]} shape
 * @returns {number[]}
 */
export function unravelIndex(index, shape) {
  const out = new Array(shape.length).fill(0);
  let rest = index;
  for (let d = shape.length - 1; d >= 0; d--) {
    out[d] = rest % shape[d];
    rest = Math.floor(rest / shape[d]);
  }
  return out;
}

/**
 * What a frame selector shows: the axis value at `i` (with the axis label), else the
 * index.
 * @param {{label: string, values: number[]} | undefined} axis  from spec.frame_axes
 * @param {number} i
 * @param {number} n  points along the dim
 * @returns {string}  e.g. "temperature (K) = 300" or "dim 0: 2 / 3"
 */
export function frameAxisText(axis, i, n) {
  if (axis && axis.values.length === n) return `${axis.label} = ${fmt(axis.values[i])}`;
  return `${axis ? axis.label : "frame"}: ${i + 1} / ${n}`;
}

/**
 * What to ask the kernel for the curve zoom `view`: a decimated curve (min/max per
 * bin) is asked again for the points in view, so zooming shows every point; the
 * whole curve again once the view leaves a window or is reset; else nothing.
 * @param {Curve} curve  as received
 * @param {CurveZoom | null} view  null: the whole curve
 * @param {boolean} xlog  the view's x is log10 of the values
 * @returns {BrowserCurve | null}
 */
export function curveWindow(curve, view, xlog) {
  const { start, stop, total, index } = curve;
  const partial = start > 0 || stop < total;
  if (!view) return partial ? { type: "curve" } : null; // reset: the whole curve again
  const tx = xlog ? Math.log10 : (/** @type {number} */ v) => v;
  let lo = Infinity, hi = -Infinity, xmin = Infinity, xmax = -Infinity;
  for (let i = 0; i < curve.x.length; i++) {
    const v = tx(curve.x[i]);
    if (!Number.isFinite(v)) continue;
    xmin = Math.min(xmin, v);
    xmax = Math.max(xmax, v);
    if (v >= view.x0 && v <= view.x1) {
      lo = Math.min(lo, index[i]);
      hi = Math.max(hi, index[i]);
    }
  }
  // panned or zoomed out of the window: all again
  if (partial && (view.x0 < xmin || view.x1 > xmax)) return { type: "curve" };
  if (!curve.decimated || !Number.isFinite(lo)) return null;
  const bin = Math.ceil((stop - start) / Math.max(1, curve.x.length / 2)); // a bin each side
  const w0 = Math.max(0, lo - bin), w1 = Math.min(total, hi + bin + 1);
  return w1 - w0 < 0.5 * (stop - start) ? { type: "curve", window: [w0, w1] } : null;
}

/**
 * The rows of the tree as shown: the children received of each expanded group,
 * depth first, and a "… more" row where a group has more children than received.
 * @param {Map<string, {items: TreeItem[], total: number}>} childrenOf
 * @param {Set<string>} expanded  paths of the open groups
 * @param {string} current  the node shown
 * @returns {TreeRow[]}
 */
export function treeRows(childrenOf, expanded, current) {
  /** @type {TreeRow[]} */
  const rows = [];
  const walk = (/** @type {string} */ path, /** @type {number} */ depth) => {
    const entry = childrenOf.get(path);
    if (!entry) return;
    for (const item of entry.items) {
      const group = item.kind === "group";
      const open = expanded.has(item.path);
      const broken = item.kind === "broken" || item.kind === "external-missing";
      const cls = ["phx-node"];
      if (item.path === current) cls.push("phx-current");
      if (broken) cls.push("phx-broken");
      const icon = group ? (open ? "▾ " : "▸ ") : item.kind === "dataset" ? "• " : "⚠ ";
      const layout = item.shape ? `${item.dtype} [${item.shape.join("×")}]` : item.kind;
      rows.push({ path: item.path, depth, group, open, broken, className: cls.join(" "),
        text: icon + item.name, info: item.nx_class || layout,
        title: item.target ? `${item.link} link → ${item.target}` : item.path });
      if (group && open) walk(item.path, depth + 1);
    }
    // total < 0: more children follow, not counted (counting reads the whole group)
    if (entry.total < 0 || entry.items.length < entry.total) {
      const left = entry.total < 0 ? "more" : `${entry.total - entry.items.length} more`;
      rows.push({ path, depth, className: "phx-node phx-note", text: `… ${left}`,
        more: entry.items.length });
    }
  };
  walk("/", 0);
  return rows;
}

/**
 * The colour of each index: 4 bytes (RGBA) per entry, as 32-bit words.
 * @param {ArrayBuffer | ArrayBufferView} palette  the `palette` trait
 * @returns {Uint32Array}
 */
export function paletteOf(palette) {
  return new Uint32Array(bytesOf(palette).slice().buffer);
}

/**
 * Paint indices through a palette, in place.
 * @param {Uint32Array} out  RGBA pixels as 32-bit words
 * @param {Uint8Array} indices
 * @param {Uint32Array} palette
 */
export function colorize(out, indices, palette) {
  for (let i = 0; i < indices.length; i++) out[i] = palette[indices[i]];
}

/**
 * The 256 RGBA pixels of the colour bar: the palette, its last (invalid) entry
 * replaced by the one before.
 * @param {ArrayBuffer | ArrayBufferView} palette
 * @returns {Uint8ClampedArray}
 */
export function colorbarOf(palette) {
  const pal = bytesOf(palette);
  const out = new Uint8ClampedArray(256 * 4);
  out.set(pal.subarray(0, 255 * 4));
  out.set(pal.subarray(254 * 4, 255 * 4), 255 * 4);
  return out;
}

/**
 * @param {number} frame  0-based
 * @param {number} n
 * @returns {string}
 */
export function frameText(frame, n) {
  return `${frame + 1} / ${n}`;
}

/**
 * @param {KernelPixel} msg
 * @returns {string}
 */
export function pixelText(msg) {
  return `(${msg.y}, ${msg.x}) = ${msg.value === null ? "masked" : fmt(msg.value)}`;
}

/**
 * @param {number[]} p  [x, y] in axis units
 * @param {boolean} xlog
 * @param {boolean} ylog
 * @returns {string}  the values under the mouse on a curve
 */
export function curveHoverText(p, xlog, ylog) {
  const value = (/** @type {number} */ v, /** @type {boolean} */ log) => fmt(log ? 10 ** v : v);
  return `x ${value(p[0], xlog)}, y ${value(p[1], ylog)}`;
}

/**
 * @param {Record<string, any>} s  the `selection` trait
 * @returns {string}  "" without a ROI
 */
export function selectionText(s) {
  if (!s || !s.n_pixels) return "";
  return `ROI ${s.region.join(",")}: sum ${fmt(s.sum)}, mean ${fmt(s.mean)}, max ${fmt(s.max)}`
    + ` (${s.n_valid}/${s.n_pixels} valid)`;
}

/**
 * Time-throttled updates: true at most every `ms`, or when forced.
 * @param {number} ms
 * @returns {(now: number, force?: boolean) => boolean}
 */
export function makeThrottle(ms) {
  let last = 0;
  return (now, force = false) => {
    if (!force && now - last < ms) return false;
    last = now;
    return true;
  };
}

// ---- drawing -------------------------------------------------------------------------

/**
 * Make a DOM element: attributes, "class", "on<event>" listeners, then children.
 * @param {string} tag
 * @param {Record<string, any>} [attrs]
 * @param {...(Node | string)} children
 * @returns {any}  the element (typed by the caller's use)
 */
function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  for (const child of children) node.append(child);
  return node;
}

/**
 * @param {HTMLElement} node
 * @param {string} text  set only if it changed (no layout otherwise)
 */
function setText(node, text) {
  if (node.textContent !== text) node.textContent = text;
}

/**
 * @template {HTMLCanvasElement | OffscreenCanvas} C
 * @param {C} canvas
 * @returns {C extends OffscreenCanvas ? OffscreenCanvasRenderingContext2D
 *   : CanvasRenderingContext2D}  its 2D context
 */
function context2d(canvas) {
  return /** @type {any} */ (canvas.getContext("2d"));
}

/**
 * Set a trait from the front end (sent to the kernel).
 * @param {AnyModel} model
 * @param {string} name
 * @param {unknown} value
 */
function setTrait(model, name, value) {
  model.set(name, value);
  model.save_changes();
}

/**
 * @param {HTMLCanvasElement} canvas
 * @param {MouseEvent} evt
 * @returns {number[]}  [cx, cy] of the mouse on the canvas, device pixels
 */
function canvasPoint(canvas, evt) {
  const dpr = window.devicePixelRatio || 1;
  const rect = canvas.getBoundingClientRect();
  return [(evt.clientX - rect.left) * dpr, (evt.clientY - rect.top) * dpr];
}

/**
 * Draw curves with axes and labels; `view` zooms (see plotExtent).
 * @param {HTMLCanvasElement} canvas
 * @param {ArrayLike<number>} x
 * @param {Series[]} series
 * @param {{xlabel?: string, ylabel?: string, xlog?: boolean, ylog?: boolean,
 *   view?: CurveZoom | null}} [options]
 * @returns {PlotPlace | null}  where the plot is (for the mouse); null: nothing to plot
 */
function drawPlot(canvas, x, series, { xlabel = "", ylabel = "", xlog = false, ylog = false,
  view = null } = {}) {
  const dpr = window.devicePixelRatio || 1;
  const w = Math.max(50, canvas.clientWidth) * dpr;
  const hgt = Math.max(50, canvas.clientHeight) * dpr;
  canvas.width = w;
  canvas.height = hgt;
  const ctx = context2d(canvas);
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, w, hgt);
  const extent = plotExtent(x, series, { xlog, ylog, view });
  if (!extent) return null;
  const { xlo, xhi, ylo, yhi, showErrors } = extent;
  const tx = (/** @type {number} */ v) => (xlog ? Math.log10(v) : v);
  const ty = (/** @type {number} */ v) => (ylog ? Math.log10(v) : v);
  const m = { l: 60 * dpr, r: 10 * dpr, t: 8 * dpr, b: 34 * dpr };
  const px = (/** @type {number} */ v) => m.l + ((tx(v) - xlo) / (xhi - xlo)) * (w - m.l - m.r);
  const py = (/** @type {number} */ v) =>
    hgt - m.b - ((ty(v) - ylo) / (yhi - ylo)) * (hgt - m.t - m.b);
  ctx.strokeStyle = "#888";
  ctx.fillStyle = "#333";
  ctx.font = `${11 * dpr}px sans-serif`;
  ctx.lineWidth = dpr;
  ctx.strokeRect(m.l, m.t, w - m.l - m.r, hgt - m.t - m.b);
  for (const v of niceTicks(xlo, xhi)) {
    const X = m.l + ((v - xlo) / (xhi - xlo)) * (w - m.l - m.r);
    ctx.fillText(xlog ? `1e${fmt(v)}` : fmt(v), X - 12 * dpr, hgt - m.b + 13 * dpr);
  }
  for (const v of niceTicks(ylo, yhi)) {
    const Y = hgt - m.b - ((v - ylo) / (yhi - ylo)) * (hgt - m.t - m.b);
    ctx.fillText(ylog ? `1e${fmt(v)}` : fmt(v), 4 * dpr, Y + 4 * dpr);
  }
  ctx.fillText(xlabel, w / 2 - 30 * dpr, hgt - 4 * dpr);
  ctx.fillText(ylabel, m.l + 6 * dpr, m.t + 12 * dpr);
  ctx.save();
  ctx.beginPath();
  ctx.rect(m.l, m.t, w - m.l - m.r, hgt - m.t - m.b);
  ctx.clip();
  for (const s of series) {
    ctx.strokeStyle = s.color;
    ctx.setLineDash(s.dash ? [4 * dpr, 3 * dpr] : []);
    const { errors, xerrors } = s;
    if ((errors || xerrors) && showErrors) { // under the line, which stays visible
      ctx.globalAlpha = 0.35;
      ctx.beginPath();
      for (let i = 0; i < x.length; i++) {
        const X = px(x[i]), Y = py(s.y[i]);
        if (errors) {
          ctx.moveTo(X, py(s.y[i] - errors[i]));
          ctx.lineTo(X, py(s.y[i] + errors[i]));
        }
        if (xerrors) {
          ctx.moveTo(px(x[i] - xerrors[i]), Y);
          ctx.lineTo(px(x[i] + xerrors[i]), Y);
        }
      }
      ctx.stroke();
      ctx.globalAlpha = 1;
    }
    ctx.beginPath();
    let pen = false;
    for (let i = 0; i < x.length; i++) {
      const X = px(x[i]), Y = py(s.y[i]);
      if (!Number.isFinite(X) || !Number.isFinite(Y)) {
        pen = false;
        continue;
      }
      if (pen) ctx.lineTo(X, Y);
      else ctx.moveTo(X, Y);
      pen = true;
    }
    ctx.stroke();
  }
  ctx.restore();
  return { m, w, hgt, xlo, xhi, ylo, yhi, xlog, ylog };
}

/**
 * Frame and ticks of an image, in axis values (evenly spaced NeXus axes) or pixels.
 * @param {CanvasRenderingContext2D} ctx
 * @param {ImagePlace} place
 * @param {Region} region  shown
 * @param {Record<string, any>} spec  the `spec` trait
 * @param {string} color
 * @param {number} dpr
 */
function drawImageAxes(ctx, { dx, dy, scale }, [y0, y1, x0, x1], spec, color, dpr) {
  const ranges = spec.axes_range || [];
  const labels = spec.axes_labels || [];
  const [H, W] = frameSizeOf(spec);
  const bottom = dy + (y1 - y0) * scale;
  ctx.fillStyle = color;
  ctx.strokeStyle = color;
  ctx.lineWidth = dpr;
  ctx.font = `${11 * dpr}px sans-serif`;
  ctx.strokeRect(dx, dy, (x1 - x0) * scale, (y1 - y0) * scale);
  for (const [axis, n, c0, c1] of [[1, W, x0, x1], [0, H, y0, y1]]) {
    for (const { c, text } of axisTicks(ranges[axis], n, c0, c1, axis === 1 ? 6 : 5)) {
      if (axis === 1) {
        const X = dx + (c - x0) * scale;
        ctx.fillRect(X, bottom, dpr, 4 * dpr);
        ctx.fillText(text, X - ctx.measureText(text).width / 2, bottom + 15 * dpr);
      } else {
        const Y = dy + (c - y0) * scale;
        ctx.fillRect(dx - 4 * dpr, Y, 4 * dpr, dpr);
        ctx.fillText(text, dx - 6 * dpr - ctx.measureText(text).width, Y + 4 * dpr);
      }
    }
    const label = labels[axis] || (ranges[axis] ? "" : axis === 1 ? "x (pixel)" : "y (pixel)");
    if (axis === 1) {
      const right = dx + (x1 - x0) * scale;
      ctx.fillText(label, right - ctx.measureText(label).width, ctx.canvas.height - 4 * dpr);
    } else {
      ctx.save();
      ctx.translate(12 * dpr, dy + ctx.measureText(label).width);
      ctx.rotate(-Math.PI / 2);
      ctx.fillText(label, 0, 0);
      ctx.restore();
    }
  }
}

/**
 * @param {HTMLCanvasElement} canvas  256 x 1
 * @param {ArrayBuffer | ArrayBufferView} palette
 */
function drawColorbar(canvas, palette) {
  const ctx = context2d(canvas);
  const data = ctx.createImageData(256, 1);
  data.data.set(colorbarOf(palette));
  ctx.putImageData(data, 0, 0);
}

/**
 * @param {HTMLCanvasElement} canvas
 * @param {number[]} size  [rows, columns]; the canvas is resized only if it differs
 */
function fitCanvas(canvas, [hh, w]) {
  if (canvas.width !== w) canvas.width = w;
  if (canvas.height !== hh) canvas.height = hh;
}

/**
 * @param {HTMLCanvasElement} canvas
 * @param {string} node  HDF5 path, for the file name
 */
function savePng(canvas, node) {
  canvas.toBlob((blob) => {
    if (!blob) return;
    const name = `${node.replaceAll("/", "_") || "view"}.png`;
    const a = h("a", { href: URL.createObjectURL(blob), download: name });
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  }, "image/png");
}

// ---- layout --------------------------------------------------------------------------

/**
 * The widget's elements: a bar of tools, the tree, the drawing area with its side
 * line and profile, and the frame bar.
 */
function buildLayout() {
  const options = (/** @type {string[][]} */ pairs) =>
    pairs.map(([v, label]) => h("option", { value: v }, label));
  const same = (/** @type {string[]} */ names) => names.map((n) => [n, n]);
  const number = (/** @type {Record<string, string>} */ attrs) =>
    h("input", { type: "number", ...attrs });
  const root = h("div", { class: "phx", tabindex: "0" });
  const pathLabel = h("span", { class: "phx-path" });
  const cmapSelect = h("select", { title: "colormap", "aria-label": "colormap" });
  const normSelect = h("select", { title: "colour scale", "aria-label": "colour scale" }, ...options(same(NORMS)));
  const autoSelect = h("select", { title: "autoscale", "aria-label": "autoscale" }, ...options(same(AUTOSCALE_MODES)));
  const vminInput = number({ step: "any", size: "7", placeholder: "min", title: "min", "aria-label": "lowest value shown" });
  const vmaxInput = number({ step: "any", size: "7", placeholder: "max", title: "max", "aria-label": "highest value shown" });
  const modeSelect = h("select", { title: "mouse tool", "aria-label": "mouse tool" }, ...options(MOUSE_TOOLS));
  const resetButton = h("button", { title: "show the whole frame" }, "reset zoom");
  const pngButton = h("button", { title: "save the view as PNG" }, "PNG");
  const refreshButton = h("button", { title: "reopen the file (still being written?)" }, "refresh");
  const xlog = h("input", { type: "checkbox" });
  const ylog = h("input", { type: "checkbox" });
  const imageTools = h("span", {}, cmapSelect, " ", normSelect, " ", autoSelect, " ", vminInput,
    vmaxInput, " ", modeSelect, " ", resetButton);
  const curveReset = h("button", { title: "show the whole curve (or double-click it)" },
    "reset zoom");
  const curveTools = h("span", { title: "wheel: zoom; drag: pan; shift-drag: zoom on a box" },
    h("label", {}, xlog, "log x"), " ", h("label", {}, ylog, "log y"), " ", curveReset);
  const bar = h("div", { class: "phx-bar" }, pathLabel, imageTools, curveTools, pngButton,
    refreshButton);
  const errorBox = h("div", { class: "phx-error" });
  const titleLabel = h("div", { class: "phx-title" });
  const tree = h("div", { class: "phx-tree" });
  const canvas = h("canvas");
  const wrap = h("div", { class: "phx-canvas-wrap" }, canvas);
  const textBox = h("div", { class: "phx-text" });
  const colorbar = h("canvas", { class: "phx-colorbar", width: "256", height: "1" });
  const rangeLabel = h("span", { class: "phx-note" });
  const hoverLabel = h("span", {});
  const selectionLabel = h("span", {});
  const noteLabel = h("span", { class: "phx-note" });
  const side = h("div", { class: "phx-side" }, colorbar, rangeLabel, hoverLabel, selectionLabel,
    noteLabel);
  const profileCanvas = h("canvas", { class: "phx-profile" });
  const main = h("div", { class: "phx-main" }, titleLabel, wrap, textBox, side, profileCanvas);
  const slider = h("input", { type: "range", min: "0", max: "0", value: "0", step: "1",
    "aria-label": "frame" });
  const frameLabel = h("span", {});
  const playButton = h("button", { title: "play the stack" }, "▶");
  const fpsInput = number({ min: "1", max: "120", size: "3", title: "frames per second",
    "aria-label": "frames per second" });
  const statusLabel = h("span", { class: "phx-note" });
  const dims = h("div", { class: "phx-dims" });
  const foot = h("div", { class: "phx-foot" }, playButton, slider, frameLabel, fpsInput, "fps",
    statusLabel);
  root.append(bar, errorBox, h("div", { class: "phx-body" }, tree, main), dims, foot);
  return { root, pathLabel, cmapSelect, normSelect, autoSelect, vminInput, vmaxInput, modeSelect,
    resetButton, pngButton, refreshButton, xlog, ylog, imageTools, curveReset, curveTools, errorBox,
    tree, canvas, wrap, textBox, colorbar, rangeLabel, hoverLabel, selectionLabel, noteLabel,
    profileCanvas, slider, frameLabel, playButton, fpsInput, statusLabel, foot, titleLabel, dims };
}

/** @typedef {ReturnType<typeof buildLayout>} Layout */

/**
 * Show the parts of the layout that the kind of node shown uses, and its texts.
 * @param {Layout} ui
 * @param {AnyModel} model
 */
function showKind(ui, model) {
  const kind = model.get("kind");
  const isImage = kind === "image";
  ui.wrap.style.display = isImage || kind === "curve" ? "" : "none";
  ui.textBox.style.display = kind === "scalar" || kind === "text" ? "" : "none";
  ui.imageTools.style.display = isImage ? "" : "none";
  ui.curveTools.style.display = kind === "curve" ? "" : "none";
  ui.colorbar.style.display = isImage ? "" : "none";
  ui.foot.style.display = model.get("n_frames") > 1 ? "" : "none";
  ui.slider.max = String(Math.max(0, model.get("n_frames") - 1));
  ui.fpsInput.value = String(model.get("fps"));
  ui.textBox.textContent = model.get("text");
  // nothing shown: the note is the error message, above
  ui.noteLabel.textContent = kind === "none" ? "" : model.get("spec").note || "";
  ui.titleLabel.textContent = kind === "none" ? "" : model.get("spec").title || "";
  ui.pathLabel.textContent = `${model.get("path").split("/").pop()} :: ${model.get("node")}`;
  ui.pathLabel.title = model.get("path");
}

/**
 * @param {Layout} ui
 * @param {AnyModel} model
 */
function syncColormaps(ui, model) {
  ui.cmapSelect.replaceChildren(...model.get("colormaps").map((/** @type {string} */ c) =>
    h("option", { value: c }, c)));
  ui.cmapSelect.value = model.get("colormap");
}

/**
 * Show the model's settings and the frame in the controls. Cheap: runs on every
 * frame change (no DOM rebuilt).
 * @param {Layout} ui
 * @param {AnyModel} model
 * @param {number} frame
 */
function syncControls(ui, model, frame) {
  if (ui.cmapSelect.value !== model.get("colormap")) ui.cmapSelect.value = model.get("colormap");
  ui.normSelect.value = model.get("norm");
  ui.autoSelect.value = model.get("autoscale");
  const fixed = model.get("autoscale") === "fixed";
  ui.vminInput.style.display = ui.vmaxInput.style.display = fixed ? "" : "none";
  ui.xlog.checked = model.get("x_log");
  ui.ylog.checked = model.get("y_log");
  ui.slider.value = String(frame);
  setText(ui.frameLabel, frameText(frame, model.get("n_frames")));
}

/**
 * @param {Layout} ui
 * @param {number} frame  shown during playback
 * @param {number} n
 */
function showFrame(ui, frame, n) {
  ui.slider.value = String(frame);
  setText(ui.frameLabel, frameText(frame, n));
}

/**
 * The selectors of the leading dims: for a stack (one leading dim) the frame bar's
 * slider with the axis value beside it; for 4-D and 5-D data one slider per leading dim,
 * each with its axis value, and the frame bar plays them all (the last fastest).
 * @param {Layout} ui
 * @param {AnyModel} model
 * @param {(frame: number) => void} select  show the flat frame index
 */
function makeDims(ui, model, select) {
  /** @type {{input: HTMLInputElement, text: HTMLElement}[]} */
  let rows = [];
  const shape = () => /** @type {number[]} */ (model.get("spec").frame_shape || []);
  const axes = () => model.get("spec").frame_axes || [];
  return {
    /** Build the selectors of the node shown. */
    build() {
      const dimsShape = shape();
      rows = dimsShape.length > 1 ? dimsShape.map((n, d) => {
        const input = h("input", { type: "range", min: "0", max: String(n - 1), value: "0",
          step: "1", "aria-label": axes()[d]?.label || `dim ${d}` });
        const text = h("span", { class: "phx-dim-value" });
        input.addEventListener("input", () => {
          select(ravelIndex(rows.map((r) => Number(r.input.value)), shape()));
        });
        return { input, text };
      }) : [];
      ui.dims.replaceChildren(...rows.map(({ input, text }) => h("div", { class: "phx-dim" },
        input, text)));
      ui.dims.style.display = rows.length ? "" : "none";
      ui.slider.style.display = rows.length ? "none" : "";
    },
    /** @param {number} frame  flat index shown */
    show(frame) {
      const dimsShape = shape();
      const at = unravelIndex(frame, dimsShape);
      rows.forEach(({ input, text }, d) => {
        input.value = String(at[d]);
        setText(text, frameAxisText(axes()[d], at[d], dimsShape[d]));
      });
      const n = model.get("n_frames");
      const label = dimsShape.length === 1 && axes()[0]?.values.length
        ? `${frameText(frame, n)} · ${frameAxisText(axes()[0], frame, n)}` : frameText(frame, n);
      setText(ui.frameLabel, label);
    },
  };
}

/**
 * @param {Layout} ui
 * @param {boolean} playing
 */
function showPlaying(ui, playing) {
  ui.playButton.textContent = playing ? "⏸" : "▶";
  ui.root.dataset.playing = String(playing);
}

/**
 * @param {Layout} ui
 * @param {string} text  "" hides the error box
 */
function showError(ui, text) {
  ui.errorBox.textContent = text;
  ui.errorBox.classList.toggle("phx-show", !!text);
}

// ---- makers --------------------------------------------------------------------------

/**
 * Latest-wins view requests: at most MAX_IN_FLIGHT travel; of the others only the
 * newest waits, and leaves when a reply frees a slot. Without a reply for
 * REPLY_TIMEOUT_MS (lost: the kernel restarted), the slots are freed.
 * @param {(request: Omit<BrowserView, "type" | "id">, id: number) => void} post  sends one
 * @param {() => number} [now]  clock, ms
 */
export function makeRequester(post, now = () => performance.now()) {
  let inFlight = 0;
  /** @type {Omit<BrowserView, "type" | "id"> | null} */
  let pending = null;
  let nextId = 1;
  let lastReply = now();
  function pump() {
    if (!pending) return;
    if (inFlight >= MAX_IN_FLIGHT && now() - lastReply < REPLY_TIMEOUT_MS) return;
    if (inFlight >= MAX_IN_FLIGHT) inFlight = 0; // a reply got lost (kernel restart): start over
    const request = pending;
    pending = null;
    inFlight += 1;
    post(request, nextId++);
  }
  return {
    /** @param {Omit<BrowserView, "type" | "id">} request  replaces the one waiting */
    request(request) {
      pending = request;
      pump();
    },
    /** @param {{reply: boolean}} msg  an answer (image, dropped or failed) */
    replied(msg) {
      if (msg.reply) {
        inFlight = Math.max(0, inFlight - 1);
        lastReply = now();
      }
      pump();
    },
    /** No request travels or waits. */
    get idle() {
      return inFlight === 0 && pending === null;
    },
  };
}

/**
 * Playback sessions: the kernel plays, we acknowledge the frames received, ACK_EVERY
 * at a time. Frames of an earlier session are not ours (`arrived` says false).
 * @param {(msg: BrowserPlay | BrowserPause | BrowserAck) => void} send
 */
export function makePlayer(send) {
  let playing = false;
  let id = 0; // the kernel echoes it with the frames it plays
  let shown = 0; // frames of this session received (painted, dropped or failed)
  let acked = 0;
  return {
    get playing() {
      return playing;
    },
    /** @param {{frame: number, fps: number, region: Region | [], size: number[]}} from */
    start({ frame, fps, region, size }) {
      playing = true;
      id += 1;
      shown = 0;
      acked = 0;
      send({ type: "play", play: id, frame, fps, window: PLAY_WINDOW, region, size });
    },
    /** @param {number} frame  where the kernel stops */
    pause(frame) {
      playing = false;
      send({ type: "pause", frame });
    },
    /** The kernel stopped on its own (it opened another node). */
    forget() {
      playing = false;
    },
    /**
     * @param {{played: number, frame: number}} msg  a played frame received
     * @returns {boolean}  it belongs to the current playback
     */
    arrived(msg) {
      if (!playing || msg.played !== id) return false;
      shown += 1;
      if (shown - acked >= ACK_EVERY) {
        acked = shown;
        send({ type: "ack", play: id, shown, frame: msg.frame });
      }
      return true;
    },
  };
}

/**
 * Where the time of an image update goes, in ms, for the benchmarks: `data-stats`
 * and the frame counters on the root element.
 * @param {HTMLElement} root
 */
function makeStats(root) {
  const sentAt = new Map();
  const stats = { images: 0, served: 0, decode: 0, paint: 0, replies: 0, roundTrip: 0 };
  root.dataset.framesShown = "0";
  root.dataset.framesChanged = "0";
  return {
    /** @param {number} id  a view request sent */
    sent(id) {
      sentAt.set(id, performance.now());
    },
    /** @param {number} id  answered without an image */
    forget(id) {
      sentAt.delete(id);
    },
    /**
     * @param {KernelImage} msg  just painted
     * @param {number} arrived  when it arrived
     * @param {number} decoded  when its indices were decoded
     */
    painted(msg, arrived, decoded) {
      stats.images += 1;
      stats.served += msg.served_ms;
      stats.decode += decoded - arrived;
      stats.paint += performance.now() - decoded;
      if (sentAt.has(msg.id) && msg.reply) {
        stats.replies += 1;
        stats.roundTrip += arrived - sentAt.get(msg.id);
        sentAt.delete(msg.id);
      }
      root.dataset.stats = JSON.stringify(stats);
      // distinct frames drawn: what the benchmark counts as the frame rate
      if (String(msg.frame) !== root.dataset.lastFrame) {
        root.dataset.framesChanged = String(Number(root.dataset.framesChanged) + 1);
      }
      root.dataset.framesShown = String(Number(root.dataset.framesShown) + 1);
      root.dataset.lastFrame = String(msg.frame);
      root.dataset.bytes = String(msg.bytes);
    },
  };
}

/**
 * The image of a frame: indices decoded in order of arrival and painted through the
 * palette, with axes, ROI and profile line; its tools (colours, zoom reset) and the
 * mouse on it (zoom/pan, line, ROI, the value under the mouse).
 * @param {Layout} ui
 * @param {AnyModel} model
 * @param {object} hooks
 * @param {() => number[]} hooks.displaySize  [rows, columns] of the drawing area
 * @param {() => Region} hooks.region  the region shown or asked for
 * @param {(region: Region | null) => void} hooks.zoom  show a region (null: the frame)
 * @param {(text: string) => void} hooks.error
 */
function makeImageView(ui, model, { displaySize, region, zoom, error }) {
  const { canvas, root } = ui;
  /** @type {ShownImage | null} */
  let image = null;
  let shownId = 0;
  let decoding = Promise.resolve();
  // Reused between frames: resizing a canvas reallocates its backing store.
  /** @type {OffscreenCanvas | null} */
  let off = null;
  /** @type {ImageData | null} */
  let offData = null;
  /** @type {Uint32Array | null} */
  let palette = null;
  /** @type {{background: string, foreground: string} | null} */
  let theme = null; // read once the widget is in the page
  /** @type {ImageDrag | null} */
  let drag = null;
  let pixelBusy = false;

  function paint() {
    fitCanvas(canvas, displaySize());
    const ctx = context2d(canvas);
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    if (!image) return;
    if (!palette) palette = paletteOf(model.get("palette"));
    if (!off || !offData || off.width !== image.w || off.height !== image.h) {
      off = new OffscreenCanvas(image.w, image.h);
      offData = context2d(off).createImageData(image.w, image.h);
    }
    colorize(new Uint32Array(offData.data.buffer), image.indices, palette);
    context2d(off).putImageData(offData, 0, 0);
    const dpr = window.devicePixelRatio || 1;
    const { dx, dy, dw, dh, scale } = placeImage(canvas.width, canvas.height, image.region, dpr);
    image.place = { dx, dy, scale };
    const { w, h: hh, factor } = image;
    root.dataset.place = JSON.stringify({ dx, dy, scale, region: image.region, w, h: hh, factor });
    // the checkerboard behind the canvas shows through invalid pixels only
    if (!theme) theme = readTheme(root);
    ctx.fillStyle = theme.background;
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.clearRect(dx, dy, dw, dh);
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(off, 0, 0, image.w, image.h, dx, dy, dw, dh);
    drawImageAxes(ctx, image.place, image.region, model.get("spec"), theme.foreground, dpr);
    paintOverlay(ctx, image.place, image.region, dpr);
  }

  /**
   * @param {CanvasRenderingContext2D} ctx
   * @param {ImagePlace} place
   * @param {Region} shown
   * @param {number} dpr
   */
  function paintOverlay(ctx, place, shown, dpr) {
    ctx.lineWidth = 2 * dpr;
    const roi = drag && drag.mode === "roi" ? drag.roi : model.get("roi");
    if (roi && roi.length === 4) {
      const [ax, ay] = toCanvas(place, shown, roi[0], roi[2]);
      const [bx, by] = toCanvas(place, shown, roi[1], roi[3]);
      ctx.strokeStyle = "#ff3b30";
      ctx.strokeRect(ax, ay, bx - ax, by - ay);
    }
    const line = drag && drag.mode === "line" ? drag.line : model.get("line");
    if (line && line.length === 4) {
      const [ax, ay] = toCanvas(place, shown, line[0], line[1]);
      const [bx, by] = toCanvas(place, shown, line[2], line[3]);
      ctx.strokeStyle = "#00c7ff";
      ctx.beginPath();
      ctx.moveTo(ax, ay);
      ctx.lineTo(bx, by);
      ctx.stroke();
    }
  }

  /**
   * @param {MouseEvent} evt
   * @returns {number[] | null}  [y, x] in source pixels, null without an image
   */
  function toSource(evt) {
    if (!image || !image.place) return null;
    const [cx, cy] = canvasPoint(canvas, evt);
    return fromCanvas(image.place, image.region, cx, cy);
  }

  // ---- the mouse: on images (the wheel), and on any kind but curves
  const isImage = () => model.get("kind") === "image";
  const notCurve = () => model.get("kind") !== "curve";
  canvas.addEventListener("wheel", (/** @type {WheelEvent} */ evt) => {
    const p = isImage() ? toSource(evt) : null;
    if (!p) return;
    evt.preventDefault();
    zoom(zoomRegion(region(), p, wheelFactor(evt.deltaY), frameSizeOf(model.get("spec"))));
  }, { passive: false });
  canvas.addEventListener("mousedown", (evt) => {
    const p = notCurve() ? toSource(evt) : null;
    if (p) drag = { mode: ui.modeSelect.value, start: p, region: region() };
  });
  canvas.addEventListener("mousemove", (evt) => {
    const p = notCurve() ? toSource(evt) : null;
    if (!p || !image) return;
    if (!drag && !pixelBusy && isImage()) {
      pixelBusy = true;
      model.send({ type: "pixel", y: Math.floor(p[0]), x: Math.floor(p[1]) });
    }
    if (!drag) return;
    if (drag.mode === "zoom") {
      zoom(panRegion(drag.region, drag.start, p, image.region, frameSizeOf(model.get("spec"))));
    } else if (drag.mode === "roi") {
      drag.roi = roiOf(drag.start, p);
      paint();
    } else {
      drag.line = [drag.start[0], drag.start[1], p[0], p[1]];
      paint();
    }
  });
  canvas.addEventListener("dblclick", () => {
    if (notCurve()) zoom(null);
  });
  const release = () => {
    if (!drag) return;
    if (drag.mode === "roi" && drag.roi) setTrait(model, "roi", drag.roi);
    else if (drag.mode === "line" && drag.line) setTrait(model, "line", roundLine(drag.line));
    drag = null;
  };
  window.addEventListener("mouseup", release);

  // ---- the image tools
  ui.cmapSelect.addEventListener("change", () => setTrait(model, "colormap", ui.cmapSelect.value));
  ui.normSelect.addEventListener("change", () => setTrait(model, "norm", ui.normSelect.value));
  ui.autoSelect.addEventListener("change", () => {
    if (ui.autoSelect.value === "fixed" && image) { // from the range shown
      setTrait(model, "vmin", image.vmin);
      setTrait(model, "vmax", image.vmax);
    }
    setTrait(model, "autoscale", ui.autoSelect.value);
  });
  for (const [input, name] of [[ui.vminInput, "vmin"], [ui.vmaxInput, "vmax"]]) {
    input.addEventListener("change", () => setTrait(model, name, Number(input.value)));
  }
  ui.resetButton.addEventListener("click", () => zoom(null));
  model.on("change:palette", () => {
    palette = null;
    drawColorbar(ui.colorbar, model.get("palette"));
    paint();
  });
  model.on("change:roi change:line", () => paint());
  model.on("change:selection", () => {
    ui.selectionLabel.textContent = selectionText(model.get("selection"));
  });
  model.on("change:colormaps", () => syncColormaps(ui, model));
  syncColormaps(ui, model);
  drawColorbar(ui.colorbar, model.get("palette"));

  return {
    paint,
    get image() {
      return image;
    },
    get dragging() {
      return drag !== null;
    },
    /**
     * Decode in order of arrival, then call `then` with the indices; errors are shown.
     * @param {KernelImage} msg
     * @param {DataView[]} buffers
     * @param {(indices: Uint8Array) => void} then
     */
    decode(msg, buffers, then) {
      const job = inflate(buffers, msg.encoding);
      decoding = decoding.then(async () => then(await job))
        .catch((err) => error(`cannot decode image: ${err}`));
    },
    /**
     * Take an image to paint, unless it is older than the one shown: ids follow the
     * front end's requests; Python's updates carry the last one seen.
     * @param {KernelImage} msg
     * @param {Uint8Array} indices
     * @returns {boolean}  taken
     */
    show(msg, indices) {
      if (msg.id < shownId) return false;
      shownId = msg.id;
      image = { indices, h: msg.shape[0], w: msg.shape[1], region: msg.region, frame: msg.frame,
        factor: msg.factor, vmin: msg.vmin, vmax: msg.vmax };
      return true;
    },
    clear() {
      image = null;
    },
    /** @param {KernelPixel} msg */
    pixel(msg) {
      pixelBusy = false;
      ui.hoverLabel.textContent = pixelText(msg);
    },
    dispose() {
      window.removeEventListener("mouseup", release);
    },
  };
}

/**
 * @param {HTMLElement} root
 * @returns {{background: string, foreground: string}}  JupyterLab's theme colours
 */
function readTheme(root) {
  const css = getComputedStyle(root);
  return {
    background: css.getPropertyValue("--jp-layout-color1").trim() || "#fff",
    foreground: css.getPropertyValue("--jp-ui-font-color1").trim() || "#222",
  };
}

/**
 * A curve with its 1D zoom and pan (wheel zooms x, drag pans, shift-drag zooms on a
 * box) and its tools (log axes, zoom reset). The zoom is in axis units (log10 on log
 * axes); a decimated curve is asked again for the window in view (see curveWindow),
 * 150 ms after the zoom settles.
 * @param {Layout} ui
 * @param {AnyModel} model
 */
function makeCurveView(ui, model) {
  const { canvas, wrap, root } = ui;
  /** @type {Curve | null} */
  let curve = null;
  /** @type {CurveZoom | null} */
  let zoom = null; // null: the whole curve
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  /** @type {PlotPlace | null} */
  let place = null; // where drawPlot put the curve (for the mouse)
  /** @type {{mode: string, start: number[], place: PlotPlace, box?: number[][]} | null} */
  let drag = null;

  function paint() {
    canvas.width = Math.max(1, Math.round(wrap.clientWidth * (window.devicePixelRatio || 1)));
    place = null;
    if (!curve) return;
    const spec = model.get("spec");
    /** @type {Series[]} */
    const series = [{ y: curve.y, color: "#1f77b4", errors: curve.errors,
      xerrors: curve.xerrors }];
    curve.aux.forEach((y, i) => series.push({ y, color: AUX_COLORS[i % 3], dash: true }));
    place = drawPlot(canvas, curve.x, series, {
      xlabel: (spec.axes_labels || [""])[0] || "",
      ylabel: spec.signal_label || "",
      xlog: model.get("x_log"),
      ylog: model.get("y_log"),
      view: zoom,
    });
    // the zoom in data units (it is kept in log10 units on a log axis)
    root.dataset.curveView = JSON.stringify(zoom && {
      ...zoom,
      ...(model.get("x_log") ? { x0: 10 ** zoom.x0, x1: 10 ** zoom.x1 } : {}),
      ...(model.get("y_log") && zoom.y0 !== undefined && zoom.y1 !== undefined
        ? { y0: 10 ** zoom.y0, y1: 10 ** zoom.y1 } : {}),
    });
    if (place && drag && drag.box) { // box zoom being drawn
      const ctx = context2d(canvas);
      const at = /** @type {PlotPlace} */ (place);
      const [[ax, ay], [bx, by]] = drag.box.map(([X, Y]) => toPlot(at, X, Y));
      ctx.strokeStyle = "#ff3b30";
      ctx.lineWidth = window.devicePixelRatio || 1;
      ctx.strokeRect(ax, ay, bx - ax, by - ay);
    }
  }

  /** @param {CurveZoom | null} view */
  function setZoom(view) {
    zoom = view;
    paint();
    clearTimeout(timer);
    timer = setTimeout(askWindow, 150);
  }

  function askWindow() {
    if (!curve || model.get("kind") !== "curve") return;
    const msg = curveWindow(curve, zoom, model.get("x_log"));
    if (msg) model.send(msg);
  }

  function resetZoom() {
    if (zoom) setZoom(null);
  }

  /**
   * @param {MouseEvent} evt
   * @param {PlotPlace | null} [from]
   * @returns {number[] | null}  [x, y] in axis units
   */
  function pointOf(evt, from = place) {
    return from ? fromPlot(from, ...canvasPoint(canvas, evt)) : null;
  }

  /** @param {MouseEvent} evt */
  function move(evt) {
    const p = pointOf(evt, drag ? drag.place : place);
    if (!p) return;
    setText(ui.hoverLabel, curveHoverText(p, model.get("x_log"), model.get("y_log")));
    if (!drag) return;
    if (drag.mode === "pan") {
      const keepY = zoom !== null && zoom.y0 !== undefined;
      setZoom(panView(drag.place, drag.start, p, keepY));
    } else {
      drag.box = [drag.start, p];
      paint();
    }
  }

  // ---- the mouse on curves, and the curve tools
  const isCurve = () => model.get("kind") === "curve";
  canvas.addEventListener("wheel", (/** @type {WheelEvent} */ evt) => {
    const p = isCurve() ? pointOf(evt) : null;
    if (!p || !place) return;
    evt.preventDefault();
    setZoom(zoomView(place, p[0], wheelFactor(evt.deltaY)));
    move(evt); // the value under the mouse, in the new view
  }, { passive: false });
  canvas.addEventListener("mousedown", (evt) => {
    if (!isCurve()) return;
    const p = pointOf(evt);
    // not to the notebook: shift-mousedown there starts a selection of cells
    evt.stopPropagation();
    if (p && place) drag = { mode: evt.shiftKey ? "box" : "pan", start: p, place };
  });
  canvas.addEventListener("mousemove", (evt) => {
    if (isCurve()) move(evt);
  });
  canvas.addEventListener("dblclick", () => {
    if (isCurve()) resetZoom();
  });
  const release = () => {
    if (!drag) return;
    const { mode, box } = drag;
    drag = null;
    if (mode !== "box") return;
    const boxZoom = boxView(box, place);
    if (boxZoom) setZoom(boxZoom);
    else paint(); // the box drawn goes
  };
  window.addEventListener("mouseup", release);
  ui.curveReset.addEventListener("click", resetZoom);
  ui.xlog.addEventListener("change", () => setTrait(model, "x_log", ui.xlog.checked));
  ui.ylog.addEventListener("change", () => setTrait(model, "y_log", ui.ylog.checked));
  model.on("change:x_log change:y_log", () => {
    zoom = null; // its units (values or their log10) changed
    if (isCurve()) paint();
  });

  return {
    paint,
    get dragging() {
      return drag !== null;
    },
    /**
     * @param {KernelCurve} msg
     * @param {DataView[]} buffers
     */
    show(msg, buffers) {
      curve = decodeCurve(msg, buffers);
      root.dataset.curve = JSON.stringify({ start: msg.start, stop: msg.stop, total: msg.total,
        n: msg.n, decimated: msg.decimated, errors: msg.errors, xerrors: msg.xerrors });
      paint();
      if (zoom) askWindow(); // e.g. the whole curve after a pan out of a window
    },
    /** Another node: no curve, no zoom. */
    clear() {
      curve = null;
      zoom = null;
    },
    dispose() {
      clearTimeout(timer);
      window.removeEventListener("mouseup", release);
    },
  };
}

/**
 * The profile along the `line` trait, drawn under the image.
 * @param {HTMLCanvasElement} canvas
 * @param {AnyModel} model
 */
function makeProfileView(canvas, model) {
  /** @type {{distance: Float64Array, values: Float64Array} | null} */
  let profile = null;
  function paint() {
    const show = profile && model.get("line").length === 4;
    canvas.classList.toggle("phx-show", !!show);
    if (show && profile) {
      drawPlot(canvas, profile.distance, [{ y: profile.values, color: "#00a0d0" }], {
        xlabel: "distance (pixels)",
        ylabel: "profile",
        ylog: model.get("norm") === "log",
      });
    }
  }
  return {
    paint,
    /** @param {DataView[]} buffers  of a KernelProfile */
    show(buffers) {
      profile = { distance: float64Of(buffers[0]), values: float64Of(buffers[1]) };
      paint();
    },
    clear() {
      profile = null;
    },
  };
}

/**
 * The tree of the file: pages of children asked for as groups open; a click opens
 * a node (and expands or collapses a group).
 * @param {HTMLElement} el
 * @param {AnyModel} model
 */
function makeTree(el, model) {
  const expanded = new Set(["/"]);
  /** @type {Map<string, {items: TreeItem[], total: number}>} */
  const childrenOf = new Map();

  /**
   * @param {TreeRow} row
   * @returns {HTMLElement}
   */
  function rowElement(row) {
    const { path, more } = row;
    const node = more === undefined
      ? h("div", { class: row.className, title: row.title }, row.text,
        h("span", { class: "phx-nx" }, row.info))
      : h("div", { class: row.className }, row.text);
    node.style.paddingLeft = `${6 + row.depth * 12}px`;
    node.addEventListener("click", () => {
      if (more !== undefined) {
        model.send({ type: "children", path, offset: more });
        return;
      }
      if (row.group && !row.open && !row.broken) {
        expanded.add(path);
        if (!childrenOf.has(path)) model.send({ type: "children", path, offset: 0 });
      } else if (row.group) {
        expanded.delete(path);
      }
      model.send({ type: "open", path });
      render();
    });
    return node;
  }

  function render() {
    el.replaceChildren(...treeRows(childrenOf, expanded, model.get("node")).map(rowElement));
  }

  return {
    render,
    /** @param {KernelChildren} msg */
    add(msg) {
      const prev = msg.offset > 0 ? childrenOf.get(msg.path)?.items || [] : [];
      childrenOf.set(msg.path, { items: prev.concat(msg.items), total: msg.total });
      render();
    },
    /** Forget the children received (the file is reopened). */
    clear() {
      childrenOf.clear();
    },
  };
}

// ---- render --------------------------------------------------------------------------

/**
 * anywidget's render: build the layout, make the state, wire events to it.
 * @param {{model: AnyModel, el: HTMLElement}} props
 * @returns {() => void}  cleanup
 */
function render({ model, el }) {
  const ui = buildLayout();
  el.append(ui.root);
  // what the user looks at; region null: the `region` trait, or the whole frame
  /** @type {{frame: number, region: Region | null}} */
  const view = { frame: model.get("frame"), region: null };
  // The drawing area's size in CSS pixels, kept by a ResizeObserver: reading
  // clientWidth after a DOM change forces a synchronous layout of the page.
  /** @type {{w: number, h: number} | null} */
  let wrapSize = null;
  let disposed = false;
  const kind = () => model.get("kind");
  const displaySize = () => {
    const box = wrapSize || { w: ui.wrap.clientWidth, h: ui.wrap.clientHeight };
    return deviceSize(box, window.devicePixelRatio || 1);
  };
  const shownRegion = () => {
    const [H, W] = frameSizeOf(model.get("spec"));
    return view.region || (model.get("region").length === 4 ? model.get("region") : [0, H, 0, W]);
  };
  const stats = makeStats(ui.root);
  const requester = makeRequester((request, id) => {
    // the kernel does not echo the frames asked for: keep the model in step locally
    model.set("frame", request.frame);
    stats.sent(id);
    model.send({ type: "view", id, ...request });
  });
  const player = makePlayer((msg) => model.send(msg));
  const textDue = makeThrottle(TEXT_EVERY_MS);
  const zoom = (/** @type {Region | null} */ region) => {
    view.region = region;
    sendView();
  };
  const error = (/** @type {string} */ text) => showError(ui, text);
  const images = makeImageView(ui, model, { displaySize, region: shownRegion, zoom, error });
  const curves = makeCurveView(ui, model);
  const profile = makeProfileView(ui.profileCanvas, model);
  const tree = makeTree(ui.tree, model);
  const dims = makeDims(ui, model, (frame) => {
    view.frame = frame;
    ui.slider.value = String(frame);
    dims.show(frame);
    if (kind() === "curve") setTrait(model, "frame", frame);
    else sendView();
  });

  function sendView() {
    if (kind() !== "image") return;
    setPlaying(false); // zoom, pan, slider or keys during playback: pause there
    requester.request({ frame: view.frame, region: view.region || [], size: displaySize() });
  }

  /** @param {boolean} on */
  function setPlaying(on) {
    if (on === player.playing) return;
    if (on && (kind() !== "image" || model.get("n_frames") < 2)) return;
    showPlaying(ui, on);
    if (!on) {
      player.pause(view.frame);
      setText(ui.statusLabel, model.get("status"));
      return;
    }
    const { frame, region } = view;
    player.start({ frame, fps: model.get("fps"), region: region || [], size: displaySize() });
  }

  function paint() {
    if (kind() === "image") images.paint();
    else if (kind() === "curve") curves.paint();
  }

  function applyKind() {
    showKind(ui, model);
    dims.build();
    dims.show(view.frame);
    if (player.playing) { // the kernel stopped playing when it opened another node
      player.forget();
      showPlaying(ui, false);
    }
    images.clear();
    curves.clear();
    profile.clear();
    view.region = null;
    setText(ui.rangeLabel, kind() === "curve" ? model.get("status") : "");
    profile.paint();
    paint();
    if (kind() === "image") sendView();
    else if (kind() === "curve") model.send({ type: "curve" });
    tree.render();
  }

  /**
   * @param {KernelImage} msg
   * @param {DataView[]} buffers
   */
  function onImage(msg, buffers) {
    const arrived = performance.now();
    images.decode(msg, buffers, (indices) => {
      const decoded = performance.now();
      requester.replied(msg);
      // a played frame of a stopped playback is not shown: the pause shows the last
      if (msg.played && !player.arrived(msg)) return;
      if (disposed || !images.show(msg, indices)) return;
      if (msg.played) {
        view.frame = msg.frame;
        showFrame(ui, view.frame, model.get("n_frames"));
        dims.show(view.frame);
      }
      if (textDue(decoded, !msg.played)) {
        setText(ui.rangeLabel, `${fmt(msg.vmin)} … ${fmt(msg.vmax)} (${model.get("norm")})`);
        setText(ui.statusLabel, msg.status);
      }
      images.paint();
      stats.painted(msg, arrived, decoded);
    });
  }

  /** @type {Map<string, (msg: any, buffers: DataView[]) => void>} */
  const handlers = new Map([
    ["image", onImage],
    ["dropped", onUnanswered],
    ["failed", onUnanswered],
    ["children", (msg) => tree.add(msg)],
    ["pixel", (msg) => images.pixel(msg)],
    ["curve", (msg, buffers) => curves.show(msg, buffers)],
    ["profile", (_msg, buffers) => profile.show(buffers)],
  ]);
  /** @param {KernelDropped | KernelFailed} msg */
  function onUnanswered(msg) {
    stats.forget(msg.id);
    if (msg.played) player.arrived(msg);
    requester.replied(msg);
  }
  const onMessage = (/** @type {KernelMessage} */ msg, /** @type {DataView[]} */ buffers) =>
    handlers.get(msg.type)?.(msg, buffers);

  // ---- the frame bar, keys, and the buttons of every kind
  ui.slider.addEventListener("input", () => {
    view.frame = Number(ui.slider.value);
    dims.show(view.frame);
    if (kind() === "curve") setTrait(model, "frame", view.frame);
    else sendView();
  });
  ui.fpsInput.addEventListener("change", () => {
    setTrait(model, "fps", Number(ui.fpsInput.value) || 10);
    if (player.playing) { // the new rate applies from the next frame on
      setPlaying(false);
      setPlaying(true);
    }
  });
  ui.playButton.addEventListener("click", () => setPlaying(!player.playing));
  ui.root.addEventListener("keydown", (evt) => {
    if (evt.key !== "ArrowRight" && evt.key !== "ArrowLeft") return;
    view.frame = stepFrame(view.frame, model.get("n_frames"), evt.key === "ArrowRight" ? 1 : -1);
    ui.slider.value = String(view.frame);
    dims.show(view.frame);
    sendView();
  });
  ui.refreshButton.addEventListener("click", () => {
    setPlaying(false); // the kernel stops playing when it reopens the file
    tree.clear();
    model.send({ type: "children", path: "/", offset: 0 });
    model.send({ type: "refresh" });
  });
  ui.pngButton.addEventListener("click", () => savePng(ui.canvas, model.get("node")));

  // ---- model events
  const sync = () => {
    syncControls(ui, model, view.frame);
    dims.show(view.frame);
  };
  model.on("msg:custom", onMessage);
  model.on("change:kind change:node change:n_frames change:spec change:text", applyKind);
  model.on("change:colormap change:norm change:autoscale change:fps", sync);
  model.on("change:x_log change:y_log", sync);
  model.on("change:frame", () => {
    // the kernel echoes the frames this view asks for: follow Python only when idle
    const busy = player.playing || images.dragging || curves.dragging || !requester.idle;
    if (!busy) view.frame = model.get("frame");
    sync();
  });
  model.on("change:error", () => showError(ui, model.get("error")));
  model.on("change:status", () => {
    ui.statusLabel.textContent = model.get("status");
    // the frame bar, where the status goes, is hidden for a single curve
    if (kind() === "curve") setText(ui.rangeLabel, model.get("status"));
  });
  const observer = new ResizeObserver((entries) => {
    const box = entries[entries.length - 1].contentRect;
    const changed = !wrapSize || wrapSize.w !== box.width || wrapSize.h !== box.height;
    wrapSize = { w: box.width, h: box.height };
    paint();
    profile.paint();
    if (changed && images.image) sendView(); // an image at the new resolution
  });
  observer.observe(ui.wrap);

  sync();
  showError(ui, model.get("error"));
  ui.statusLabel.textContent = model.get("status");
  model.send({ type: "children", path: "/", offset: 0 });
  requestAnimationFrame(() => applyKind());

  return () => {
    disposed = true;
    if (player.playing) player.pause(view.frame);
    images.dispose();
    curves.dispose();
    observer.disconnect();
    model.off("msg:custom", onMessage);
  };
}

export default { render };
