// panhub NexusViewer front end: one ESM file, no bundler (anywidget).
// Images arrive as zlib-compressed bands of 8-bit colour indices; the palette is a
// model trait, so colours change without a round trip. View requests are
// latest-wins: at most MAX_IN_FLIGHT requests travel, and only the newest waits.
// Playback is driven by the kernel: it sends the next frames on its own, at most
// PLAY_WINDOW ahead of the frames acknowledged, which we acknowledge ACK_EVERY at a
// time (each message to the kernel costs JupyterLab a busy/idle status round).

const MAX_IN_FLIGHT = 2;
const REPLY_TIMEOUT_MS = 10000;
const PLAY_WINDOW = 6;
const ACK_EVERY = 3;
const TEXT_EVERY_MS = 250; // status texts refresh at most this often during playback

const CSS = `
.phx { contain: content; font-variant-numeric: tabular-nums; font: 12px/1.4 var(--jp-ui-font-family, sans-serif); color: var(--jp-ui-font-color1, #222);
  border: 1px solid var(--jp-border-color2, #ccc); border-radius: 4px; display: flex;
  flex-direction: column; max-width: 100%; background: var(--jp-layout-color1, #fff); }
.phx-bar { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; padding: 4px 6px;
  border-bottom: 1px solid var(--jp-border-color2, #ccc); }
.phx-bar select, .phx-bar input, .phx-bar button, .phx-foot button, .phx-foot input {
  font: inherit; padding: 1px 4px; }
.phx-bar .phx-path { font-weight: 600; margin-right: 8px; overflow: hidden; text-overflow: ellipsis;
  white-space: nowrap; max-width: 320px; }
.phx-body { display: flex; min-height: 420px; }
.phx-tree { width: 220px; overflow: auto; max-height: 560px; border-right: 1px solid
  var(--jp-border-color2, #ccc); padding: 4px 0; flex: none; }
.phx-node { padding: 1px 6px; cursor: pointer; white-space: nowrap; }
.phx-node:hover { background: var(--jp-layout-color2, #eee); }
.phx-node.phx-current { background: var(--jp-brand-color3, #cde); }
.phx-node .phx-nx { color: var(--jp-ui-font-color2, #777); font-size: 10px; margin-left: 4px; }
.phx-node.phx-broken { color: #b00; cursor: default; }
.phx-main { flex: 1; display: flex; flex-direction: column; min-width: 0; }
.phx-canvas-wrap { position: relative; flex: 1; min-height: 380px; background:
  repeating-conic-gradient(#bbb 0% 25%, #ddd 0% 50%) 50% / 16px 16px; }
.phx-canvas-wrap canvas { position: absolute; inset: 0; width: 100%; height: 100%; }
.phx-text { padding: 8px; white-space: pre-wrap; font-family: var(--jp-code-font-family, monospace);
  overflow: auto; max-height: 560px; }
.phx-side { display: flex; gap: 10px; align-items: center; padding: 3px 6px; flex-wrap: wrap;
  border-top: 1px solid var(--jp-border-color2, #ccc); min-height: 20px; }
.phx-colorbar { width: 200px; height: 10px; image-rendering: pixelated; }
.phx-foot { display: flex; gap: 6px; align-items: center; padding: 4px 6px;
  border-top: 1px solid var(--jp-border-color2, #ccc); }
.phx-foot input[type=range] { flex: 1; }
.phx-error { background: #fde8e8; color: #900; padding: 4px 8px; display: none; }
.phx-error.phx-show { display: block; }
.phx-note { color: var(--jp-ui-font-color2, #777); }
.phx-profile { width: 100%; height: 120px; display: none; }
.phx-profile.phx-show { display: block; }
`;

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

function bytesOf(view) {
  if (!view) return new Uint8Array(0);
  if (view instanceof ArrayBuffer) return new Uint8Array(view);
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

function float64Of(view) {
  const b = bytesOf(view);
  return new Float64Array(b.slice().buffer);
}

async function inflate(buffers, encoding) {
  if (encoding === "raw") {
    return buffers.length === 1 ? bytesOf(buffers[0]) : concat(buffers.map(bytesOf));
  }
  const parts = await Promise.all(
    buffers.map((buf) =>
      new Response(new Blob([bytesOf(buf)]).stream().pipeThrough(new DecompressionStream("deflate")))
        .arrayBuffer()
        .then((ab) => new Uint8Array(ab)),
    ),
  );
  return concat(parts);
}

function concat(parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

function fmt(v) {
  if (v === null || v === undefined || Number.isNaN(v)) return "–";
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e5 || a < 1e-3)) return v.toExponential(3);
  return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(5))); // 0.8, not 0.80000
}

function niceTicks(lo, hi, n = 5) {
  const span = hi - lo || 1;
  const step0 = span / n;
  const mag = 10 ** Math.floor(Math.log10(step0));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => span / s <= n) || mag * 10;
  const ticks = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-12 * span; v += step) ticks.push(v);
  return ticks;
}

// Draw curves (x, list of {y, color, dash, errors}) with axes and labels. `view`
// ({x0, x1} and optionally {y0, y1}, in axis units: log10 of the values on log axes)
// zooms; y fits the points in view unless given. Returns the placement (for the mouse).
function drawPlot(canvas, x, series, { xlabel = "", ylabel = "", xlog = false, ylog = false,
  view = null } = {}) {
  const dpr = window.devicePixelRatio || 1;
  const w = Math.max(50, canvas.clientWidth) * dpr;
  const hgt = Math.max(50, canvas.clientHeight) * dpr;
  canvas.width = w;
  canvas.height = hgt;
  const ctx = canvas.getContext("2d");
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, w, hgt);
  const tx = (v) => (xlog ? Math.log10(v) : v);
  const ty = (v) => (ylog ? Math.log10(v) : v);
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
  const showErrors = x.length <= 4000; // error bars drawn: y fits them too
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
  if (view && view.y0 !== undefined) [ylo, yhi] = [view.y0, view.y1];
  const m = { l: 60 * dpr, r: 10 * dpr, t: 8 * dpr, b: 34 * dpr };
  const px = (v) => m.l + ((tx(v) - xlo) / (xhi - xlo)) * (w - m.l - m.r);
  const py = (v) => hgt - m.b - ((ty(v) - ylo) / (yhi - ylo)) * (hgt - m.t - m.b);
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
  ctx.save();
  ctx.translate(12 * dpr, hgt / 2 + 30 * dpr);
  ctx.rotate(-Math.PI / 2);
  ctx.restore();
  ctx.fillText(ylabel, m.l + 6 * dpr, m.t + 12 * dpr);
  ctx.save();
  ctx.beginPath();
  ctx.rect(m.l, m.t, w - m.l - m.r, hgt - m.t - m.b);
  ctx.clip();
  for (const s of series) {
    ctx.strokeStyle = s.color;
    ctx.setLineDash(s.dash ? [4 * dpr, 3 * dpr] : []);
    if (s.errors && showErrors) { // under the line, which stays visible
      ctx.globalAlpha = 0.35;
      ctx.beginPath();
      for (let i = 0; i < x.length; i++) {
        const X = px(x[i]);
        ctx.moveTo(X, py(s.y[i] - s.errors[i]));
        ctx.lineTo(X, py(s.y[i] + s.errors[i]));
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

function render({ model, el }) {
  if (!document.getElementById("panhub-nexus-css")) {
    document.head.append(h("style", { id: "panhub-nexus-css" }, CSS));
  }
  const root = h("div", { class: "phx", tabindex: "0" });
  root.dataset.framesShown = "0";
  root.dataset.framesChanged = "0";
  el.append(root);

  // ---- layout -----------------------------------------------------------------
  const pathLabel = h("span", { class: "phx-path" });
  const cmapSelect = h("select", { title: "colormap" });
  const normSelect = h("select", { title: "colour scale" });
  for (const n of ["linear", "log", "sqrt"]) normSelect.append(h("option", { value: n }, n));
  const autoSelect = h("select", { title: "autoscale" });
  for (const n of ["percentile", "minmax", "stddev3", "fixed"]) autoSelect.append(h("option", { value: n }, n));
  const vminInput = h("input", { type: "number", step: "any", size: "7", placeholder: "min", title: "min" });
  const vmaxInput = h("input", { type: "number", step: "any", size: "7", placeholder: "max", title: "max" });
  const modeSelect = h("select", { title: "mouse tool" });
  for (const [v, label] of [["zoom", "zoom/pan"], ["line", "line profile"], ["roi", "rectangle ROI"]]) {
    modeSelect.append(h("option", { value: v }, label));
  }
  const resetButton = h("button", { title: "show the whole frame" }, "reset zoom");
  const pngButton = h("button", { title: "save the view as PNG" }, "PNG");
  const refreshButton = h("button", { title: "reopen the file (still being written?)" }, "refresh");
  const xlog = h("input", { type: "checkbox" });
  const ylog = h("input", { type: "checkbox" });
  const imageTools = h("span", {}, cmapSelect, " ", normSelect, " ", autoSelect, " ", vminInput, vmaxInput, " ",
    modeSelect, " ", resetButton);
  const curveReset = h("button", { title: "show the whole curve (or double-click it)" }, "reset zoom");
  const curveTools = h("span", { title: "wheel: zoom; drag: pan; shift-drag: zoom on a box" },
    h("label", {}, xlog, "log x"), " ", h("label", {}, ylog, "log y"), " ", curveReset);
  const bar = h("div", { class: "phx-bar" }, pathLabel, imageTools, curveTools, pngButton, refreshButton);
  const errorBox = h("div", { class: "phx-error" });
  const tree = h("div", { class: "phx-tree" });
  const canvas = h("canvas");
  const wrap = h("div", { class: "phx-canvas-wrap" }, canvas);
  const textBox = h("div", { class: "phx-text" });
  const colorbar = h("canvas", { class: "phx-colorbar", width: "256", height: "1" });
  const rangeLabel = h("span", { class: "phx-note" });
  const hoverLabel = h("span", {});
  const selectionLabel = h("span", {});
  const noteLabel = h("span", { class: "phx-note" });
  const side = h("div", { class: "phx-side" }, colorbar, rangeLabel, hoverLabel, selectionLabel, noteLabel);
  const profileCanvas = h("canvas", { class: "phx-profile" });
  const main = h("div", { class: "phx-main" }, wrap, textBox, side, profileCanvas);
  const slider = h("input", { type: "range", min: "0", max: "0", value: "0", step: "1" });
  const frameLabel = h("span", {});
  const playButton = h("button", { title: "play the stack" }, "▶");
  const fpsInput = h("input", { type: "number", min: "1", max: "120", size: "3", title: "frames per second" });
  const statusLabel = h("span", { class: "phx-note" });
  const foot = h("div", { class: "phx-foot" }, playButton, slider, frameLabel, fpsInput, "fps", statusLabel);
  root.append(bar, errorBox, h("div", { class: "phx-body" }, tree, main), foot);

  // ---- state ------------------------------------------------------------------
  let inFlight = 0;
  let pending = null;
  let nextId = 1;
  let lastReply = performance.now();
  let shownId = 0;
  let image = null; // {indices, w, h, region, frame, vmin, vmax}
  let curve = null;
  let curveView = null; // {x0, x1[, y0, y1]} in axis units, null: the whole curve
  let curveTimer = null;
  let plotPlace = null; // where drawPlot put the curve (for the mouse)
  let profile = null;
  let frame = model.get("frame");
  let region = null; // what the user looks at, [y0, y1, x0, x1]
  let playing = false;
  let playId = 0; // playback session; the kernel echoes it with the frames it plays
  let playShown = 0; // frames of this session received (painted, dropped or failed)
  let playAcked = 0;
  let lastText = 0;
  let drag = null;
  let pixelBusy = false;
  let paintChain = Promise.resolve();
  let disposed = false;
  const expanded = new Set(["/"]);
  // where the time of an image update goes, in ms, for benchmarks (data-stats)
  const sentAt = new Map();
  const stats = { images: 0, served: 0, decode: 0, paint: 0, replies: 0, roundTrip: 0 };
  const childrenOf = new Map();

  const frameSize = () => model.get("spec").frame_size || [1, 1];
  const fullRegion = () => [0, frameSize()[0], 0, frameSize()[1]];
  const currentRegion = () => region || (model.get("region").length === 4 ? model.get("region") : fullRegion());

  // The drawing area's size in CSS pixels, kept by a ResizeObserver: reading
  // clientWidth after a DOM change forces a synchronous layout of the page.
  let wrapSize = null;

  function displaySize() {
    const dpr = window.devicePixelRatio || 1;
    const { w, h: hh } = wrapSize || { w: wrap.clientWidth, h: wrap.clientHeight };
    return [Math.max(1, Math.round(hh * dpr)), Math.max(1, Math.round(w * dpr))];
  }

  function sendView(changes = {}) {
    if (model.get("kind") !== "image") return;
    setPlaying(false); // zoom, pan, slider or keys during playback: pause there
    pending = { frame, region: region || [], size: displaySize(), ...changes };
    pump();
  }

  function pump() {
    if (!pending) return;
    if (inFlight >= MAX_IN_FLIGHT && performance.now() - lastReply < REPLY_TIMEOUT_MS) return;
    if (inFlight >= MAX_IN_FLIGHT) inFlight = 0; // a reply got lost (kernel restart): start over
    const request = pending;
    pending = null;
    inFlight += 1;
    // the kernel does not echo the frames asked for: keep the model in step locally
    model.set("frame", request.frame);
    sentAt.set(nextId, performance.now());
    model.send({ type: "view", id: nextId++, ...request });
  }

  function replied(msg) {
    if (msg.reply) {
      inFlight = Math.max(0, inFlight - 1);
      lastReply = performance.now();
    }
    pump();
  }

  // ---- playback (kernel-driven, see the top of this file) --------------------------
  function setPlaying(on) {
    if (on === playing) return;
    if (on && (model.get("kind") !== "image" || model.get("n_frames") < 2)) return;
    playing = on;
    playButton.textContent = playing ? "⏸" : "▶";
    root.dataset.playing = String(playing);
    if (playing) {
      playId += 1;
      playShown = 0;
      playAcked = 0;
      model.send({ type: "play", play: playId, frame, fps: model.get("fps"), window: PLAY_WINDOW,
        region: region || [], size: displaySize() });
    } else {
      model.send({ type: "pause", frame });
      setText(statusLabel, model.get("status"));
    }
  }

  // A frame of the current playback arrived (shown, or dropped by the kernel).
  function playedArrived(msg) {
    if (!playing || msg.played !== playId) return false;
    playShown += 1;
    if (playShown - playAcked >= ACK_EVERY) {
      playAcked = playShown;
      model.send({ type: "ack", play: playId, shown: playShown, frame: msg.frame });
    }
    return true;
  }

  // ---- painting -----------------------------------------------------------------
  function palette32() {
    const bytes = bytesOf(model.get("palette"));
    return new Uint32Array(bytes.slice().buffer);
  }

  function paintColorbar() {
    const pal = bytesOf(model.get("palette"));
    const ctx = colorbar.getContext("2d");
    const data = ctx.createImageData(256, 1);
    for (let i = 0; i < 255; i++) {
      data.data.set(pal.subarray(i * 4, i * 4 + 4), i * 4);
    }
    data.data.set(pal.subarray(254 * 4, 255 * 4), 255 * 4);
    ctx.putImageData(data, 0, 0);
  }

  // theme colours, read once the widget is in the page
  let background = null;
  let foreground = null;
  function readTheme() {
    const css = getComputedStyle(root);
    background = css.getPropertyValue("--jp-layout-color1").trim() || "#fff";
    foreground = css.getPropertyValue("--jp-ui-font-color1").trim() || "#222";
  }

  // Reused between frames: resizing a canvas reallocates its backing store.
  let off = null;
  let offData = null;
  let pal32 = null;

  function fitCanvas(target) {
    const [hh, w] = displaySize();
    if (target.width !== w) target.width = w;
    if (target.height !== hh) target.height = hh;
  }

  function paintImage() {
    fitCanvas(canvas);
    const ctx = canvas.getContext("2d");
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    if (!image) return;
    if (!pal32) pal32 = palette32();
    if (!off || off.width !== image.w || off.height !== image.h) {
      off = new OffscreenCanvas(image.w, image.h);
      offData = off.getContext("2d").createImageData(image.w, image.h);
    }
    const out = new Uint32Array(offData.data.buffer);
    const idx = image.indices;
    const pal = pal32;
    for (let i = 0; i < idx.length; i++) out[i] = pal[idx[i]];
    off.getContext("2d").putImageData(offData, 0, 0);
    const [y0, y1, x0, x1] = image.region;
    const dpr = window.devicePixelRatio || 1;
    const m = { l: 58 * dpr, r: 8 * dpr, t: 6 * dpr, b: 34 * dpr }; // room for the axes
    const aw = Math.max(1, canvas.width - m.l - m.r), ah = Math.max(1, canvas.height - m.t - m.b);
    const scale = Math.min(aw / (x1 - x0), ah / (y1 - y0));
    const dw = (x1 - x0) * scale, dh = (y1 - y0) * scale;
    const dx = m.l + (aw - dw) / 2, dy = m.t + (ah - dh) / 2;
    image.place = { dx, dy, scale };
    root.dataset.place = JSON.stringify({ dx, dy, scale, region: image.region, w: image.w, h: image.h,
      factor: image.factor });
    // the checkerboard behind the canvas shows through invalid pixels only
    if (!background) readTheme();
    ctx.fillStyle = background;
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.clearRect(dx, dy, dw, dh);
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(off, 0, 0, image.w, image.h, dx, dy, dw, dh);
    paintAxes(ctx, dpr);
    paintOverlay(ctx);
  }

  // Tick labels in axis values (evenly spaced NeXus axes) or pixel indices.
  function paintAxes(ctx, dpr) {
    const spec = model.get("spec");
    const ranges = spec.axes_range || [];
    const labels = spec.axes_labels || [];
    const [H, W] = frameSize();
    const { dx, dy, scale } = image.place;
    const [y0, y1, x0, x1] = image.region;
    ctx.fillStyle = foreground;
    ctx.strokeStyle = foreground;
    ctx.lineWidth = dpr;
    ctx.font = `${11 * dpr}px sans-serif`;
    ctx.strokeRect(dx, dy, (x1 - x0) * scale, (y1 - y0) * scale);
    for (const [axis, n, c0, c1] of [[1, W, x0, x1], [0, H, y0, y1]]) {
      // pixel i spans [i, i + 1): its centre i + 0.5 has the axis value of index i
      const [v0, vLast] = ranges[axis] || [0, n - 1];
      const step = n > 1 ? (vLast - v0) / (n - 1) : 1;
      const value = (c) => v0 + (c - 0.5) * step;
      const lo = Math.min(value(c0), value(c1)), hi = Math.max(value(c0), value(c1));
      for (const v of niceTicks(lo, hi, axis === 1 ? 6 : 5)) {
        const c = (v - v0) / step + 0.5;
        const text = fmt(Number(v.toPrecision(12)));
        if (axis === 1) {
          const X = dx + (c - x0) * scale;
          ctx.fillRect(X, dy + (y1 - y0) * scale, dpr, 4 * dpr);
          ctx.fillText(text, X - ctx.measureText(text).width / 2, dy + (y1 - y0) * scale + 15 * dpr);
        } else {
          const Y = dy + (c - y0) * scale;
          ctx.fillRect(dx - 4 * dpr, Y, 4 * dpr, dpr);
          ctx.fillText(text, dx - 6 * dpr - ctx.measureText(text).width, Y + 4 * dpr);
        }
      }
      const label = labels[axis] || (ranges[axis] ? "" : axis === 1 ? "x (pixel)" : "y (pixel)");
      if (axis === 1) {
        ctx.fillText(label, dx + (x1 - x0) * scale - ctx.measureText(label).width, canvas.height - 4 * dpr);
      } else {
        ctx.save();
        ctx.translate(12 * dpr, dy + ctx.measureText(label).width);
        ctx.rotate(-Math.PI / 2);
        ctx.fillText(label, 0, 0);
        ctx.restore();
      }
    }
  }

  function toCanvas(y, x) {
    const { dx, dy, scale } = image.place;
    return [dx + (x - image.region[2]) * scale, dy + (y - image.region[0]) * scale];
  }

  function paintOverlay(ctx) {
    const dpr = window.devicePixelRatio || 1;
    ctx.lineWidth = 2 * dpr;
    const roi = drag && drag.mode === "roi" ? drag.roi : model.get("roi");
    if (roi && roi.length === 4) {
      const [ax, ay] = toCanvas(roi[0], roi[2]);
      const [bx, by] = toCanvas(roi[1], roi[3]);
      ctx.strokeStyle = "#ff3b30";
      ctx.strokeRect(ax, ay, bx - ax, by - ay);
    }
    const line = drag && drag.mode === "line" ? drag.line : model.get("line");
    if (line && line.length === 4) {
      const [ax, ay] = toCanvas(line[0], line[1]);
      const [bx, by] = toCanvas(line[2], line[3]);
      ctx.strokeStyle = "#00c7ff";
      ctx.beginPath();
      ctx.moveTo(ax, ay);
      ctx.lineTo(bx, by);
      ctx.stroke();
    }
  }

  function paintCurve() {
    canvas.width = Math.max(1, Math.round(wrap.clientWidth * (window.devicePixelRatio || 1)));
    plotPlace = null;
    if (!curve) return;
    const spec = model.get("spec");
    const series = [{ y: curve.y, color: "#1f77b4", errors: curve.errors }];
    const colors = ["#ff7f0e", "#2ca02c", "#d62728"];
    curve.aux.forEach((y, i) => series.push({ y, color: colors[i % 3], dash: true }));
    plotPlace = drawPlot(canvas, curve.x, series, {
      xlabel: (spec.axes_labels || [""])[0] || "",
      ylabel: spec.signal_label || "",
      xlog: model.get("x_log"),
      ylog: model.get("y_log"),
      view: curveView,
    });
    root.dataset.curveView = JSON.stringify(curveView);
    if (plotPlace && drag && drag.box) { // box zoom being drawn
      const ctx = canvas.getContext("2d");
      const [[ax, ay], [bx, by]] = drag.box.map(([X, Y]) => toPlot(X, Y));
      ctx.strokeStyle = "#ff3b30";
      ctx.lineWidth = window.devicePixelRatio || 1;
      ctx.strokeRect(ax, ay, bx - ax, by - ay);
    }
  }

  // ---- 1D zoom and pan ----------------------------------------------------------
  // The view is in axis units (log10 on log axes). A decimated curve (min/max per
  // bin) is asked again for the window in view, so zooming shows every point.
  function fromPlot(evt, place = plotPlace) {
    if (!place) return null;
    const dpr = window.devicePixelRatio || 1;
    const rect = canvas.getBoundingClientRect();
    const cx = (evt.clientX - rect.left) * dpr, cy = (evt.clientY - rect.top) * dpr;
    const { m, w, hgt, xlo, xhi, ylo, yhi } = place;
    return [xlo + ((cx - m.l) / (w - m.l - m.r)) * (xhi - xlo),
      ylo + ((hgt - m.b - cy) / (hgt - m.t - m.b)) * (yhi - ylo)];
  }

  function toPlot(X, Y) {
    const { m, w, hgt, xlo, xhi, ylo, yhi } = plotPlace;
    return [m.l + ((X - xlo) / (xhi - xlo)) * (w - m.l - m.r),
      hgt - m.b - ((Y - ylo) / (yhi - ylo)) * (hgt - m.t - m.b)];
  }

  function setCurveView(view) {
    curveView = view;
    paintCurve();
    clearTimeout(curveTimer);
    curveTimer = setTimeout(requestCurveWindow, 150);
  }

  function requestCurveWindow() {
    if (!curve || model.get("kind") !== "curve") return;
    const { start, stop, total, index } = curve;
    const partial = start > 0 || stop < total;
    if (!curveView) {
      if (partial) model.send({ type: "curve" }); // reset: the whole curve again
      return;
    }
    const tx = model.get("x_log") ? Math.log10 : (v) => v;
    let lo = Infinity, hi = -Infinity, xmin = Infinity, xmax = -Infinity;
    for (let i = 0; i < curve.x.length; i++) {
      const v = tx(curve.x[i]);
      if (!Number.isFinite(v)) continue;
      xmin = Math.min(xmin, v);
      xmax = Math.max(xmax, v);
      if (v >= curveView.x0 && v <= curveView.x1) {
        lo = Math.min(lo, index[i]);
        hi = Math.max(hi, index[i]);
      }
    }
    if (partial && (curveView.x0 < xmin || curveView.x1 > xmax)) {
      model.send({ type: "curve" }); // panned or zoomed out of the window: all again
      return;
    }
    if (!curve.decimated || !Number.isFinite(lo)) return;
    const bin = Math.ceil((stop - start) / Math.max(1, curve.x.length / 2)); // a bin each side
    const w0 = Math.max(0, lo - bin), w1 = Math.min(total, hi + bin + 1);
    if (w1 - w0 < 0.5 * (stop - start)) model.send({ type: "curve", window: [w0, w1] });
  }

  function resetCurveView() {
    if (curveView) setCurveView(null);
  }

  function paintProfile() {
    const show = profile && model.get("line").length === 4;
    profileCanvas.classList.toggle("phx-show", !!show);
    if (show) {
      drawPlot(profileCanvas, profile.distance, [{ y: profile.values, color: "#00a0d0" }], {
        xlabel: "distance (pixels)",
        ylabel: "profile",
        ylog: model.get("norm") === "log",
      });
    }
  }

  function paint() {
    const kind = model.get("kind");
    if (kind === "image") paintImage();
    else if (kind === "curve") paintCurve();
  }

  // ---- layout by kind -------------------------------------------------------------
  function applyKind() {
    const kind = model.get("kind");
    const isImage = kind === "image";
    wrap.style.display = isImage || kind === "curve" ? "" : "none";
    textBox.style.display = kind === "scalar" || kind === "text" ? "" : "none";
    imageTools.style.display = isImage ? "" : "none";
    curveTools.style.display = kind === "curve" ? "" : "none";
    colorbar.style.display = isImage ? "" : "none";
    foot.style.display = model.get("n_frames") > 1 ? "" : "none";
    slider.max = String(Math.max(0, model.get("n_frames") - 1));
    fpsInput.value = String(model.get("fps"));
    if (playing) { // the kernel stopped playing when it opened another node
      playing = false;
      playButton.textContent = "▶";
      root.dataset.playing = "false";
    }
    textBox.textContent = model.get("text");
    noteLabel.textContent = model.get("spec").note || "";
    pathLabel.textContent = `${model.get("path").split("/").pop()} :: ${model.get("node")}`;
    pathLabel.title = model.get("path");
    image = null;
    curve = null;
    curveView = null;
    setText(rangeLabel, kind === "curve" ? model.get("status") : "");
    profile = null;
    region = null;
    paintProfile();
    paint();
    if (isImage) sendView();
    else if (kind === "curve") model.send({ type: "curve" });
    renderTree();
  }

  function syncColormaps() {
    cmapSelect.replaceChildren(...model.get("colormaps").map((c) => h("option", { value: c }, c)));
    cmapSelect.value = model.get("colormap");
  }

  // cheap: runs on every frame change (no DOM rebuilt)
  function syncControls() {
    if (cmapSelect.value !== model.get("colormap")) cmapSelect.value = model.get("colormap");
    normSelect.value = model.get("norm");
    autoSelect.value = model.get("autoscale");
    const fixed = model.get("autoscale") === "fixed";
    vminInput.style.display = vmaxInput.style.display = fixed ? "" : "none";
    xlog.checked = model.get("x_log");
    ylog.checked = model.get("y_log");
    slider.value = String(frame);
    setText(frameLabel, `${frame + 1} / ${model.get("n_frames")}`);
  }

  function setText(node, text) {
    if (node.textContent !== text) node.textContent = text;
  }

  // ---- tree -----------------------------------------------------------------------
  function renderTree() {
    const rows = [];
    const walk = (path, depth) => {
      const entry = childrenOf.get(path);
      if (!entry) return;
      for (const item of entry.items) {
        const isGroup = item.kind === "group";
        const open = expanded.has(item.path);
        const cls = ["phx-node"];
        if (item.path === model.get("node")) cls.push("phx-current");
        if (item.kind === "broken" || item.kind === "external-missing") cls.push("phx-broken");
        const icon = isGroup ? (open ? "▾ " : "▸ ") : item.kind === "dataset" ? "• " : "⚠ ";
        const info = item.nx_class || (item.shape ? `${item.dtype} [${item.shape.join("×")}]` : item.kind);
        const row = h("div", { class: cls.join(" "), title: item.target ? `${item.link} link → ${item.target}` : item.path },
          icon + item.name, h("span", { class: "phx-nx" }, info));
        row.style.paddingLeft = `${6 + depth * 12}px`;
        row.addEventListener("click", () => {
          if (item.kind === "broken" || item.kind === "external-missing") return;
          if (isGroup && !open) {
            expanded.add(item.path);
            if (!childrenOf.has(item.path)) model.send({ type: "children", path: item.path, offset: 0 });
          } else if (isGroup) {
            expanded.delete(item.path);
          }
          model.send({ type: "open", path: item.path });
          renderTree();
        });
        rows.push(row);
        if (isGroup && open) walk(item.path, depth + 1);
      }
      // total < 0: more children follow, not counted (counting reads the whole group)
      if (entry.total < 0 || entry.items.length < entry.total) {
        const left = entry.total < 0 ? "more" : `${entry.total - entry.items.length} more`;
        const more = h("div", { class: "phx-node phx-note" }, `… ${left}`);
        more.style.paddingLeft = `${6 + depth * 12}px`;
        more.addEventListener("click", () => model.send({ type: "children", path, offset: entry.items.length }));
        rows.push(more);
      }
    };
    walk("/", 0);
    tree.replaceChildren(...rows);
  }

  // ---- messages from Python -----------------------------------------------------------
  function onMessage(msg, buffers) {
    if (msg.type === "image") {
      const arrived = performance.now();
      const job = inflate(buffers, msg.encoding);
      paintChain = paintChain.then(async () => {
        const indices = await job;
        const decoded = performance.now();
        replied(msg);
        // a played frame of a stopped playback is not shown: the pause shows the last
        if (msg.played && !playedArrived(msg)) return;
        // ids follow the front end's requests; Python's updates carry the last one seen
        if (disposed || msg.id < shownId) return;
        shownId = msg.id;
        image = { indices, h: msg.shape[0], w: msg.shape[1], region: msg.region, frame: msg.frame,
          factor: msg.factor, vmin: msg.vmin, vmax: msg.vmax };
        if (msg.played) {
          frame = msg.frame;
          slider.value = String(frame);
          setText(frameLabel, `${frame + 1} / ${model.get("n_frames")}`);
        }
        if (!msg.played || decoded - lastText >= TEXT_EVERY_MS) {
          lastText = decoded;
          setText(rangeLabel, `${fmt(msg.vmin)} … ${fmt(msg.vmax)} (${model.get("norm")})`);
          setText(statusLabel, msg.status);
        }
        paintImage();
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
      }).catch((err) => showError(`cannot decode image: ${err}`));
    } else if (msg.type === "dropped" || msg.type === "failed") {
      sentAt.delete(msg.id);
      if (msg.played) playedArrived(msg);
      replied(msg);
    } else if (msg.type === "children") {
      const prev = msg.offset > 0 ? childrenOf.get(msg.path)?.items || [] : [];
      childrenOf.set(msg.path, { items: prev.concat(msg.items), total: msg.total });
      renderTree();
    } else if (msg.type === "pixel") {
      pixelBusy = false;
      hoverLabel.textContent = `(${msg.y}, ${msg.x}) = ${msg.value === null ? "masked" : fmt(msg.value)}`;
    } else if (msg.type === "curve") {
      const arrays = buffers.map(float64Of);
      const first = msg.errors ? 3 : 2;
      curve = { x: arrays[0], y: arrays[1], errors: msg.errors ? arrays[2] : null,
        aux: arrays.slice(first, first + msg.auxiliary), index: arrays[first + msg.auxiliary],
        start: msg.start, stop: msg.stop, total: msg.total, decimated: msg.decimated };
      root.dataset.curve = JSON.stringify({ start: msg.start, stop: msg.stop, total: msg.total,
        n: msg.n, decimated: msg.decimated });
      paintCurve();
      if (curveView) requestCurveWindow(); // e.g. the whole curve after a pan out of a window
    } else if (msg.type === "profile") {
      profile = { distance: float64Of(buffers[0]), values: float64Of(buffers[1]) };
      paintProfile();
    }
  }

  function showError(text) {
    errorBox.textContent = text;
    errorBox.classList.toggle("phx-show", !!text);
  }

  // ---- mouse ------------------------------------------------------------------------
  function toSource(evt) {
    if (!image || !image.place) return null;
    const dpr = window.devicePixelRatio || 1;
    const rect = canvas.getBoundingClientRect();
    const cx = (evt.clientX - rect.left) * dpr, cy = (evt.clientY - rect.top) * dpr;
    const { dx, dy, scale } = image.place;
    return [image.region[0] + (cy - dy) / scale, image.region[2] + (cx - dx) / scale];
  }

  function clampRegion(r) {
    const [H, W] = frameSize();
    let [y0, y1, x0, x1] = r;
    const hh = Math.min(H, Math.max(2, y1 - y0)), ww = Math.min(W, Math.max(2, x1 - x0));
    y0 = Math.min(Math.max(0, y0), H - hh);
    x0 = Math.min(Math.max(0, x0), W - ww);
    return [Math.round(y0), Math.round(y0 + hh), Math.round(x0), Math.round(x0 + ww)];
  }

  canvas.addEventListener("wheel", (evt) => {
    if (model.get("kind") === "curve") { // zoom x around the mouse; y fits the points
      const p = fromPlot(evt);
      if (!p) return;
      evt.preventDefault();
      const f = evt.deltaY > 0 ? 1.25 : 0.8;
      const { xlo, xhi } = plotPlace;
      setCurveView({ x0: p[0] - (p[0] - xlo) * f, x1: p[0] + (xhi - p[0]) * f });
      onCurveMove(evt); // the value under the mouse, in the new view
      return;
    }
    if (model.get("kind") !== "image") return;
    const p = toSource(evt);
    if (!p) return;
    evt.preventDefault();
    const f = evt.deltaY > 0 ? 1.25 : 0.8;
    const [y0, y1, x0, x1] = currentRegion();
    region = clampRegion([p[0] - (p[0] - y0) * f, p[0] + (y1 - p[0]) * f, p[1] - (p[1] - x0) * f,
      p[1] + (x1 - p[1]) * f]);
    sendView();
  }, { passive: false });

  canvas.addEventListener("mousedown", (evt) => {
    if (model.get("kind") === "curve") { // drag pans, shift-drag zooms on a box
      const p = fromPlot(evt);
      // not to the notebook: shift-mousedown there starts a selection of cells
      evt.stopPropagation();
      if (p) drag = { mode: evt.shiftKey ? "box" : "pan", start: p, place: plotPlace };
      return;
    }
    const p = toSource(evt);
    if (!p) return;
    drag = { mode: modeSelect.value, start: p, region: currentRegion() };
  });

  canvas.addEventListener("mousemove", (evt) => {
    if (model.get("kind") === "curve") {
      onCurveMove(evt);
      return;
    }
    const p = toSource(evt);
    if (!p) return;
    if (!drag && !pixelBusy && model.get("kind") === "image") {
      pixelBusy = true;
      model.send({ type: "pixel", y: Math.floor(p[0]), x: Math.floor(p[1]) });
    }
    if (!drag) return;
    if (drag.mode === "zoom") {
      const [y0, y1, x0, x1] = drag.region;
      const dy = drag.start[0] - p[0] + (image.region[0] - drag.region[0]);
      const dx = drag.start[1] - p[1] + (image.region[2] - drag.region[2]);
      region = clampRegion([y0 + dy, y1 + dy, x0 + dx, x1 + dx]);
      sendView();
    } else if (drag.mode === "roi") {
      const ys = [drag.start[0], p[0]].sort((a, b) => a - b), xs = [drag.start[1], p[1]].sort((a, b) => a - b);
      drag.roi = [Math.floor(ys[0]), Math.ceil(ys[1]), Math.floor(xs[0]), Math.ceil(xs[1])];
      paintImage();
    } else {
      drag.line = [drag.start[0], drag.start[1], p[0], p[1]];
      paintImage();
    }
  });

  function onCurveMove(evt) {
    const p = fromPlot(evt, drag ? drag.place : plotPlace);
    if (!p) return;
    const value = (v, log) => fmt(log ? 10 ** v : v);
    setText(hoverLabel, `x ${value(p[0], model.get("x_log"))}, y ${value(p[1], model.get("y_log"))}`);
    if (!drag) return;
    if (drag.mode === "pan") {
      const { xlo, xhi, ylo, yhi } = drag.place;
      const dx = drag.start[0] - p[0], dy = drag.start[1] - p[1];
      const keepY = curveView && curveView.y0 !== undefined;
      setCurveView(keepY ? { x0: xlo + dx, x1: xhi + dx, y0: ylo + dy, y1: yhi + dy }
        : { x0: xlo + dx, x1: xhi + dx });
    } else {
      drag.box = [drag.start, p];
      paintCurve();
    }
  }

  window.addEventListener("mouseup", onMouseUp);
  function onMouseUp() {
    if (!drag) return;
    if (drag.mode === "box") {
      const box = drag.box;
      drag = null;
      const xs = box ? [box[0][0], box[1][0]].sort((a, b) => a - b) : null;
      const ys = box ? [box[0][1], box[1][1]].sort((a, b) => a - b) : null;
      const { xlo, xhi, ylo, yhi } = plotPlace || {};
      // a box of at least 1% of the plot each way; a click is not a zoom
      if (box && xs[1] - xs[0] > 0.01 * (xhi - xlo) && ys[1] - ys[0] > 0.01 * (yhi - ylo)) {
        setCurveView({ x0: xs[0], x1: xs[1], y0: ys[0], y1: ys[1] });
      } else {
        paintCurve();
      }
      return;
    }
    if (drag.mode === "roi" && drag.roi) {
      model.set("roi", drag.roi);
      model.save_changes();
    } else if (drag.mode === "line" && drag.line) {
      model.set("line", drag.line.map((v) => Math.round(v * 100) / 100));
      model.save_changes();
    }
    drag = null;
  }

  canvas.addEventListener("dblclick", () => {
    if (model.get("kind") === "curve") {
      resetCurveView();
      return;
    }
    region = null;
    sendView({ region: [] });
  });

  // ---- controls -------------------------------------------------------------------------
  const setTrait = (name, value) => {
    model.set(name, value);
    model.save_changes();
  };
  cmapSelect.addEventListener("change", () => setTrait("colormap", cmapSelect.value));
  normSelect.addEventListener("change", () => setTrait("norm", normSelect.value));
  autoSelect.addEventListener("change", () => {
    if (autoSelect.value === "fixed" && image) {
      setTrait("vmin", image.vmin);
      setTrait("vmax", image.vmax);
    }
    setTrait("autoscale", autoSelect.value);
  });
  vminInput.addEventListener("change", () => setTrait("vmin", Number(vminInput.value)));
  vmaxInput.addEventListener("change", () => setTrait("vmax", Number(vmaxInput.value)));
  curveReset.addEventListener("click", resetCurveView);
  resetButton.addEventListener("click", () => {
    region = null;
    sendView({ region: [] });
  });
  refreshButton.addEventListener("click", () => {
    setPlaying(false); // the kernel stops playing when it reopens the file
    childrenOf.clear();
    model.send({ type: "children", path: "/", offset: 0 });
    model.send({ type: "refresh" });
  });
  xlog.addEventListener("change", () => setTrait("x_log", xlog.checked));
  ylog.addEventListener("change", () => setTrait("y_log", ylog.checked));
  pngButton.addEventListener("click", () => {
    canvas.toBlob((blob) => {
      const a = h("a", { href: URL.createObjectURL(blob), download: `${model.get("node").replaceAll("/", "_") || "view"}.png` });
      a.click();
      setTimeout(() => URL.revokeObjectURL(a.href), 1000);
    }, "image/png");
  });
  slider.addEventListener("input", () => {
    frame = Number(slider.value);
    frameLabel.textContent = `${frame + 1} / ${model.get("n_frames")}`;
    if (model.get("kind") === "curve") setTrait("frame", frame);
    else sendView();
  });
  fpsInput.addEventListener("change", () => {
    setTrait("fps", Number(fpsInput.value) || 10);
    if (playing) { // the new rate applies from the next frame on
      setPlaying(false);
      setPlaying(true);
    }
  });
  playButton.addEventListener("click", () => {
    setPlaying(!playing);
  });
  root.addEventListener("keydown", (evt) => {
    if (evt.key === "ArrowRight" || evt.key === "ArrowLeft") {
      const n = model.get("n_frames");
      frame = (frame + (evt.key === "ArrowRight" ? 1 : n - 1)) % n;
      slider.value = String(frame);
      sendView();
    }
  });


  // ---- model events -------------------------------------------------------------------
  model.on("msg:custom", onMessage);
  model.on("change:palette", () => {
    pal32 = null;
    paintColorbar();
    paintImage();
  });
  model.on("change:kind change:node change:n_frames change:spec change:text", applyKind);
  model.on("change:colormaps", syncColormaps);
  model.on("change:colormap change:norm change:autoscale change:fps", () => {
    syncControls();
  });
  model.on("change:x_log change:y_log", () => {
    syncControls();
    curveView = null; // its units (values or their log10) changed
    if (model.get("kind") === "curve") paintCurve();
  });
  model.on("change:frame", () => {
    // the kernel echoes the frames this view asks for: follow Python only when idle
    if (!playing && !drag && !inFlight && !pending) frame = model.get("frame");
    syncControls();
  });
  model.on("change:error", () => showError(model.get("error")));
  model.on("change:status", () => {
    statusLabel.textContent = model.get("status");
    // the frame bar, where the status goes, is hidden for a single curve
    if (model.get("kind") === "curve") setText(rangeLabel, model.get("status"));
  });
  model.on("change:roi change:line", () => paintImage());
  model.on("change:selection", () => {
    const s = model.get("selection");
    selectionLabel.textContent = s && s.n_pixels
      ? `ROI ${s.region.join(",")}: sum ${fmt(s.sum)}, mean ${fmt(s.mean)}, max ${fmt(s.max)} (${s.n_valid}/${s.n_pixels} valid)`
      : "";
  });
  const observer = new ResizeObserver((entries) => {
    const box = entries[entries.length - 1].contentRect;
    const changed = !wrapSize || wrapSize.w !== box.width || wrapSize.h !== box.height;
    wrapSize = { w: box.width, h: box.height };
    paint();
    paintProfile();
    if (changed && image) sendView(); // an image at the new resolution
  });
  observer.observe(wrap);

  syncColormaps();
  syncControls();
  paintColorbar();
  showError(model.get("error"));
  statusLabel.textContent = model.get("status");
  model.send({ type: "children", path: "/", offset: 0 });
  requestAnimationFrame(() => applyKind());

  return () => {
    disposed = true;
    if (playing) model.send({ type: "pause", frame });
    clearTimeout(curveTimer);
    observer.disconnect();
    window.removeEventListener("mouseup", onMouseUp);
    model.off("msg:custom", onMessage);
  };
}

export default { render };
