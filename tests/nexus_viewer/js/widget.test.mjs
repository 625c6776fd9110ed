// The pure parts of the viewer's front end, under Node (no DOM): `node --test
// tests/nexus_viewer/js`, also run by tests/nexus_viewer/test_widget_js.py.
import assert from "node:assert/strict";
import test from "node:test";
import { deflateSync } from "node:zlib";

import * as widget from "../../../extensions/nexus_viewer/panhub_nexus/static/widget.js";
import {
  axisTicks, boxView, bytesOf, clampRegion, colorbarOf, colorize, concat, curveHoverText,
  curveWindow, decodeCurve, deviceSize, float64Of, fmt, frameAxisText, frameSizeOf, frameText,
  fromCanvas, fromPlot, inflate, makePlayer, makeRequester, makeThrottle, niceTicks, paletteOf,
  panRegion, panView, pixelText, placeImage, plotExtent, ravelIndex, roiOf, roundLine,
  selectionText, stepFrame, toCanvas, toPlot, treeRows, unravelIndex, wheelFactor, zoomRegion,
  zoomView,
} from "../../../extensions/nexus_viewer/panhub_nexus/static/widget.js";

/** @param {number[]} values */
const float64Bytes = (values) => new Uint8Array(new Float64Array(values).buffer);

test("anywidget module: a default export with render, no named render", () => {
  assert.equal(typeof widget.default.render, "function");
  // a named `render` sends anywidget down its deprecated path (with a console warning)
  assert.equal("render" in widget, false);
});

test("bytesOf takes the part of the buffer a view covers", () => {
  const buffer = new Uint8Array([1, 2, 3, 4, 5]).buffer;
  assert.deepEqual(bytesOf(new DataView(buffer, 1, 3)), new Uint8Array([2, 3, 4]));
  assert.deepEqual(bytesOf(buffer), new Uint8Array([1, 2, 3, 4, 5]));
  assert.deepEqual(bytesOf(null), new Uint8Array(0));
});

test("float64Of copies unaligned buffers", () => {
  const bytes = new Uint8Array(17);
  bytes.set(float64Bytes([1.5, -2]), 1);
  assert.deepEqual(float64Of(new DataView(bytes.buffer, 1, 16)), new Float64Array([1.5, -2]));
});

test("concat joins parts end to end", () => {
  assert.deepEqual(concat([new Uint8Array([1]), new Uint8Array([]), new Uint8Array([2, 3])]),
    new Uint8Array([1, 2, 3]));
});

test("inflate joins raw bands and decompresses zlib bands", async () => {
  const bands = [new Uint8Array([0, 1, 2]), new Uint8Array([254, 255])];
  assert.deepEqual(await inflate(bands, "raw"), new Uint8Array([0, 1, 2, 254, 255]));
  assert.deepEqual(await inflate([new DataView(bands[0].buffer)], "raw"), bands[0]);
  const zipped = bands.map((b) => new DataView(deflateSync(b).buffer.slice(0)));
  assert.deepEqual(await inflate(zipped, "zlib"), new Uint8Array([0, 1, 2, 254, 255]));
});

test("fmt: 5 significant digits, exponents outside 1e-3 to 1e5", () => {
  const cases = [[null, "–"], [undefined, "–"], [NaN, "–"], [0, "0"], [42, "42"], [0.8, "0.8"],
    [1 / 3, "0.33333"], [-2.5, "-2.5"], [123456, "1.235e+5"], [0.0001, "1.000e-4"]];
  for (const [value, text] of cases) assert.equal(fmt(value), text, String(value));
});

test("niceTicks: steps of 1, 2 or 5 times a power of ten", () => {
  assert.deepEqual(niceTicks(0, 100), [0, 20, 40, 60, 80, 100]);
  assert.deepEqual(niceTicks(-3, 7), [-2, 0, 2, 4, 6]);
  assert.deepEqual(niceTicks(0, 39.5, 5), [0, 10, 20, 30]);
  assert.deepEqual(niceTicks(5, 5), [5]);
});

test("axisTicks: pixel centres carry the axis values", () => {
  assert.deepEqual(axisTicks(undefined, 40, 0, 40, 5),
    [{ c: 0.5, text: "0" }, { c: 10.5, text: "10" }, { c: 20.5, text: "20" }, { c: 30.5, text: "30" }]);
  // 40 pixels of 0.075 mm: 0 mm is the centre of pixel 0, 1.5 mm that of pixel 20
  const ticks = axisTicks([0, 39 * 0.075], 40, 0, 40, 6);
  assert.deepEqual(ticks.map((t) => t.text), ["0", "0.5", "1", "1.5", "2", "2.5"]);
  assert.equal(ticks[3].c, 20.5);
});

test("regions: clamped into the frame, zoomed around a point, panned", () => {
  const size = [48, 40];
  assert.deepEqual(frameSizeOf({}), [1, 1]);
  assert.deepEqual(frameSizeOf({ frame_size: size }), size);
  assert.deepEqual(clampRegion([-5, 10, 3, 4], size), [0, 15, 3, 5]); // at least 2 pixels
  assert.deepEqual(clampRegion([40, 60.4, 39, 80], size), [28, 48, 0, 40]);
  assert.deepEqual(zoomRegion([0, 48, 0, 40], [24, 20], 0.5, size), [12, 36, 10, 30]);
  assert.deepEqual(zoomRegion([12, 36, 10, 30], [24, 20], 4, size), [0, 48, 0, 40]);
  // dragged 2 rows down and 3 columns right while the image shown is still `from`
  assert.deepEqual(panRegion([12, 36, 10, 30], [20, 20], [22, 23], [12, 36, 10, 30], size),
    [10, 34, 7, 27]);
  // the image shown has followed the drag by one row: the point moved one less
  assert.deepEqual(panRegion([12, 36, 10, 30], [20, 20], [22, 23], [11, 35, 10, 30], size),
    [9, 33, 7, 27]);
});

test("ROI and line of a drag", () => {
  assert.deepEqual(roiOf([5.5, 2.2], [1.1, 7.7]), [1, 6, 2, 8]);
  assert.deepEqual(roundLine([1.234, 2.345, 3.0051, -0.004]), [1.23, 2.35, 3.01, -0]);
});

test("wheel, frame steps and device sizes", () => {
  assert.equal(wheelFactor(3), 1.25);
  assert.equal(wheelFactor(-3), 0.8);
  assert.equal(stepFrame(5, 6, 1), 0);
  assert.equal(stepFrame(0, 6, -1), 5);
  assert.equal(stepFrame(2, 6, -1), 1);
  assert.deepEqual(deviceSize({ w: 100.4, h: 50 }, 2), [100, 201]);
  assert.deepEqual(deviceSize({ w: 0, h: 0 }, 1), [1, 1]);
});

test("an image is fitted with square pixels, centred, and mapped both ways", () => {
  const place = placeImage(800, 600, [0, 100, 0, 200], 1);
  assert.deepEqual(place, { dx: 58, dy: 102.5, dw: 734, dh: 367, scale: 3.67 });
  const region = [10, 110, 20, 220];
  const [X, Y] = toCanvas(place, region, 60, 120);
  assert.deepEqual([X, Y], [58 + 100 * 3.67, 102.5 + 50 * 3.67]);
  assert.deepEqual(fromCanvas(place, region, X, Y).map((v) => Math.round(v * 1e9) / 1e9),
    [60, 120]);
});

test("plotExtent: y fits the points in view, 5 % padded, with error bars", () => {
  const y = { y: [0, 10, 5], color: "" };
  assert.deepEqual(plotExtent([1, 2, 3], [y]),
    { xlo: 1, xhi: 3, ylo: -0.5, yhi: 10.5, showErrors: true });
  assert.deepEqual(plotExtent([1, 2, 3], [{ ...y, errors: [1, 0, 0] }]),
    { xlo: 1, xhi: 3, ylo: -1.55, yhi: 10.55, showErrors: true });
  const zoomed = plotExtent([1, 2, 3], [y], { view: { x0: 2.5, x1: 3 } });
  assert.deepEqual(zoomed, { xlo: 2.5, xhi: 3, ylo: 4.95, yhi: 6.05, showErrors: true });
  assert.deepEqual(plotExtent([1, 2, 3], [y], { view: { x0: 1, x1: 2, y0: -1, y1: 1 } }),
    { xlo: 1, xhi: 2, ylo: -1, yhi: 1, showErrors: true });
  assert.deepEqual(plotExtent([10, 1000], [y], { xlog: true }).xhi, 3);
  assert.equal(plotExtent([NaN], [y]), null);
  assert.deepEqual(plotExtent([1], [{ y: [2], color: "" }]),
    { xlo: 1, xhi: 2, ylo: 1.95, yhi: 3.05, showErrors: true });
});

test("plot coordinates: axis units to canvas and back", () => {
  const place = { m: { l: 60, r: 10, t: 8, b: 34 }, w: 470, hgt: 242, xlo: 0, xhi: 4, ylo: -1,
    yhi: 1, xlog: false, ylog: false };
  assert.deepEqual(toPlot(place, 0, 1), [60, 8]);
  assert.deepEqual(toPlot(place, 4, -1), [460, 208]);
  assert.deepEqual(fromPlot(place, 260, 108), [2, 0]);
});

test("curve zooms: wheel around x, pan, box of at least 1 %", () => {
  const place = { m: { l: 0, r: 0, t: 0, b: 0 }, w: 1, hgt: 1, xlo: 0, xhi: 10, ylo: 0,
    yhi: 100, xlog: false, ylog: false };
  assert.deepEqual(zoomView(place, 4, 0.5), { x0: 2, x1: 7 });
  assert.deepEqual(panView(place, [5, 50], [4, 40], false), { x0: 1, x1: 11 });
  assert.deepEqual(panView(place, [5, 50], [4, 40], true), { x0: 1, x1: 11, y0: 10, y1: 110 });
  assert.deepEqual(boxView([[6, 20], [2, 80]], place), { x0: 2, x1: 6, y0: 20, y1: 80 });
  assert.equal(boxView([[6, 20], [6.05, 80]], place), null); // a click, not a zoom
  assert.equal(boxView(undefined, place), null);
  assert.equal(boxView([[6, 20], [2, 80]], null), null);
});

test("decodeCurve: x, y, errors, auxiliary signals, indices", () => {
  const buffers = [[1, 2], [3, 4], [0.1, 0.2], [5, 6], [7, 8], [10, 11]].map(float64Bytes);
  const msg = { type: "curve", n: 2, errors: true, auxiliary: 2, start: 10, stop: 12, total: 50,
    decimated: false };
  const curve = decodeCurve(msg, buffers);
  assert.deepEqual(curve.x, new Float64Array([1, 2]));
  assert.deepEqual(curve.errors, new Float64Array([0.1, 0.2]));
  assert.deepEqual(curve.aux, [new Float64Array([5, 6]), new Float64Array([7, 8])]);
  assert.deepEqual(curve.index, new Float64Array([10, 11]));
  assert.deepEqual([curve.start, curve.stop, curve.total, curve.decimated], [10, 12, 50, false]);
  assert.equal(curve.xerrors, null);
  const plain = decodeCurve({ ...msg, errors: false, auxiliary: 0 }, buffers.slice(0, 3));
  assert.equal(plain.errors, null);
  assert.deepEqual(plain.index, new Float64Array([0.1, 0.2]));
  // NXcanSAS: I errors then Q resolutions, before the auxiliary signals
  const sas = decodeCurve({ ...msg, xerrors: true, auxiliary: 1 }, buffers.slice(0, 6));
  assert.deepEqual(sas.errors, new Float64Array([0.1, 0.2]));
  assert.deepEqual(sas.xerrors, new Float64Array([5, 6]));
  assert.deepEqual(sas.aux, [new Float64Array([7, 8])]);
  assert.deepEqual(sas.index, new Float64Array([10, 11]));
});

test("frame selectors: flat index and position in the leading dims, axis values", () => {
  const shape = [2, 3, 2];
  for (let i = 0; i < 12; i++) assert.equal(ravelIndex(unravelIndex(i, shape), shape), i);
  assert.deepEqual(unravelIndex(7, shape), [1, 0, 1]); // the last dim varies fastest
  assert.equal(ravelIndex([1, 2, 1], shape), 11);
  assert.equal(ravelIndex([5, -1, 0], shape), 6); // clamped into the shape
  assert.deepEqual(unravelIndex(4, [5]), [4]);
  const temperature = { label: "temperature (K)", values: [300, 350.5] };
  assert.equal(frameAxisText(temperature, 1, 2), "temperature (K) = 350.5");
  assert.equal(frameAxisText({ label: "dim 1", values: [] }, 2, 3), "dim 1: 3 / 3");
  assert.equal(frameAxisText(undefined, 0, 4), "frame: 1 / 4");
});

test("curveWindow: a zoomed decimated curve asks for the points in view", () => {
  // 1,000,000 points decimated to min/max of 2 x 4 bins: x = index / 1000
  const index = [0, 124999, 125000, 249999, 250000, 374999, 375000, 499999, 500000, 624999,
    625000, 749999, 750000, 874999, 875000, 999999];
  const curve = { x: new Float64Array(index.map((i) => i / 1000)), y: new Float64Array(16),
    errors: null, aux: [], index: new Float64Array(index), start: 0, stop: 1e6, total: 1e6,
    decimated: true };
  assert.equal(curveWindow(curve, null, false), null); // the whole curve is shown
  // points 249999 to 375000 in view, and a bin (125000) each side
  assert.deepEqual(curveWindow(curve, { x0: 200, x1: 380 }, false),
    { type: "curve", window: [124999, 500001] });
  assert.equal(curveWindow(curve, { x0: 0, x1: 800 }, false), null); // not worth it
  assert.equal(curveWindow({ ...curve, decimated: false }, { x0: 200, x1: 380 }, false), null);
  const part = { ...curve, start: 125000, stop: 500000 };
  assert.deepEqual(curveWindow(part, null, false), { type: "curve" }); // reset
  assert.deepEqual(curveWindow(part, { x0: -10, x1: 300 }, false), { type: "curve" }); // out
  // on a log x axis the view is in log10 units
  assert.deepEqual(curveWindow(curve, { x0: Math.log10(200), x1: Math.log10(380) }, true),
    { type: "curve", window: [124999, 500001] });
});

test("treeRows: open groups depth first, broken nodes, more rows", () => {
  const item = (name, kind, extra = {}) => ({ name, path: `/${name}`, kind, link: "hard",
    target: "", nx_class: "", shape: null, dtype: "", ...extra });
  const childrenOf = new Map([
    ["/", { items: [item("entry", "group", { nx_class: "NXentry" }), item("gone", "broken"),
      item("x", "dataset", { shape: [3, 4], dtype: "float64" })], total: 3 }],
    ["/entry", { items: [{ ...item("data", "group"), path: "/entry/data" }], total: -1 }],
  ]);
  const rows = treeRows(childrenOf, new Set(["/", "/entry"]), "/x");
  assert.deepEqual(rows.map((r) => [r.text, r.depth, r.className, r.info]), [
    ["▾ entry", 0, "phx-node", "NXentry"],
    ["▸ data", 1, "phx-node", "group"],
    ["… more", 1, "phx-node phx-note", undefined],
    ["⚠ gone", 0, "phx-node phx-broken", "broken"],
    ["• x", 0, "phx-node phx-current", "float64 [3×4]"],
  ]);
  assert.equal(rows[2].path, "/entry");
  assert.equal(rows[2].more, 1);
  assert.equal(rows[3].broken, true);
  const linked = item("l", "dataset", { link: "soft", target: "/x", shape: [] });
  const [row] = treeRows(new Map([["/", { items: [linked], total: 5 }]]), new Set(), "");
  assert.equal(row.title, "soft link → /x");
  assert.equal(treeRows(new Map([["/", { items: [linked], total: 5 }]]), new Set(), "")[1].text,
    "… 4 more");
});

test("palette: indices to RGBA words; the colour bar repeats the last valid colour", () => {
  const bytes = new Uint8Array(256 * 4).map((_, i) => i % 251);
  const palette = paletteOf(new DataView(bytes.buffer));
  assert.equal(palette.length, 256);
  const out = new Uint32Array(3);
  colorize(out, new Uint8Array([0, 255, 1]), palette);
  assert.deepEqual(out, new Uint32Array([palette[0], palette[255], palette[1]]));
  const bar = colorbarOf(bytes);
  assert.deepEqual(bar.subarray(0, 1020), new Uint8ClampedArray(bytes.subarray(0, 1020)));
  assert.deepEqual(bar.subarray(1020), new Uint8ClampedArray(bytes.subarray(1016, 1020)));
});

test("texts", () => {
  assert.equal(frameText(0, 24), "1 / 24");
  assert.equal(pixelText({ type: "pixel", id: 0, y: 3, x: 4, value: 0.5 }), "(3, 4) = 0.5");
  assert.equal(pixelText({ type: "pixel", id: 0, y: 3, x: 4, value: null }), "(3, 4) = masked");
  assert.equal(curveHoverText([2, 0.5], true, false), "x 100, y 0.5");
  assert.equal(selectionText({}), "");
  assert.equal(selectionText({ region: [0, 2, 0, 3], n_pixels: 6, n_valid: 5, sum: 10, mean: 2,
    max: 4 }), "ROI 0,2,0,3: sum 10, mean 2, max 4 (5/6 valid)");
});

test("makeThrottle: at most every ms, unless forced", () => {
  const due = makeThrottle(250);
  assert.equal(due(300), true);
  assert.equal(due(400), false);
  assert.equal(due(400, true), true);
  assert.equal(due(600), false);
  assert.equal(due(650), true);
});

test("makeRequester: latest wins, at most 2 in flight", () => {
  const sent = [];
  let clock = 0;
  const requester = makeRequester((request, id) => sent.push([id, request.frame]), () => clock);
  assert.equal(requester.idle, true);
  for (const frame of [1, 2, 3, 4]) requester.request({ frame, region: [], size: [1, 1] });
  assert.deepEqual(sent, [[1, 1], [2, 2]]); // frame 3 was superseded by 4 while waiting
  assert.equal(requester.idle, false);
  requester.replied({ reply: false }); // Python's own update: no slot freed
  assert.deepEqual(sent.length, 2);
  requester.replied({ reply: true });
  assert.deepEqual(sent, [[1, 1], [2, 2], [3, 4]]);
  requester.replied({ reply: true });
  requester.replied({ reply: true });
  assert.equal(requester.idle, true);
  // replies lost (kernel restart): after 10 s the slots are freed
  requester.request({ frame: 5, region: [], size: [1, 1] });
  requester.request({ frame: 6, region: [], size: [1, 1] });
  requester.request({ frame: 7, region: [], size: [1, 1] });
  assert.equal(sent.length, 5);
  clock = 10001;
  requester.request({ frame: 8, region: [], size: [1, 1] });
  assert.deepEqual(sent.at(-1), [6, 8]);
});

test("makePlayer: play, acknowledge every 3 frames of this playback, pause", () => {
  const sent = [];
  const player = makePlayer((msg) => sent.push(msg));
  assert.equal(player.arrived({ played: 1, frame: 0 }), false); // not playing
  player.start({ frame: 4, fps: 20, region: [], size: [10, 20] });
  assert.deepEqual(sent, [{ type: "play", play: 1, frame: 4, fps: 20, window: 6, region: [],
    size: [10, 20] }]);
  for (const frame of [5, 6, 7, 8]) assert.equal(player.arrived({ played: 1, frame }), true);
  assert.equal(player.arrived({ played: 9, frame: 9 }), false); // another playback's
  assert.deepEqual(sent.slice(1), [{ type: "ack", play: 1, shown: 3, frame: 7 }]);
  player.pause(8);
  assert.equal(player.playing, false);
  assert.deepEqual(sent.at(-1), { type: "pause", frame: 8 });
  player.start({ frame: 8, fps: 20, region: [], size: [10, 20] });
  assert.equal(sent.at(-1).play, 2);
  assert.equal(player.arrived({ played: 1, frame: 9 }), false); // a late frame of the first
  player.forget(); // the kernel stopped on its own: no message
  assert.equal(player.playing, false);
  assert.equal(sent.length, 4);
});
