"""The catalogue side panel in JupyterLab, in Debian's Chromium, against a big catalogue.

Run from the repository root::

    PANHUB_BENCH_SCALE=1 /opt/panhub/venv/bin/python tests/benchmarks/bench_panel.py

``PANHUB_BENCH_SCALE=1`` is 100,000 investigations (issue 13's figures; building the
catalogue takes about 40 s the first time); the default 0.1 (10,000) is CI's and takes
under 3 minutes. The catalogue (one dataset and one file per investigation) is kept in
``/var/tmp/panhub-bench-panel/`` under its size and a hash of ``generate.py``
(``tests/support/bench_cache.py``, shared with ``bench_panosc.py``), so a
re-run starts at once. The real catalogue application serves it
(``tests/support/catalogue_server.py``, an admin token: every row is visible), a
throw-away JupyterLab from the venv runs the panel's server extension from the working
tree with ``PANHUB_CATALOGUE_URL`` and ``JUPYTERHUB_API_TOKEN`` set, and Chromium opens
the panel. Measured in the page (``performance.now()``; a state counts as shown in the
first animation frame where the DOM has it):

* ``first_rows_s``: click on the sidebar tab to the first result row drawn with text
  (the handshake and the first page included), on a fresh Lab each time (``?reset``);
* ``search_reflected_s``: a word typed a key at a time, like a person, then the time
  from its last keystroke until the grid's total (``aria-rowcount``) and first row are
  the catalogue's answer for it (the search delay, 150 ms, included);
* ``filter_reflected_s``: a Beamline facet checkbox, then Public/Embargoed/All, clicked:
  the same;
* ``scroll_50000_s``: ``scrollTop`` of the grid set to row 50,000 (half the list at
  another scale; then rows 200 and 400 away, on pages not yet fetched), from the top
  with no request in flight, until the row with that ``aria-rowindex`` is in the DOM
  with text;
* ``longtask_max_ms``: the longest main-thread task (``PerformanceObserver``
  ``longtask``, registered before the page's scripts) over two scroll sequences: 40
  jumps across the whole list (as when the scroll bar is dragged) and 40 wheel turns;
  long animation frames over 50 ms are kept with their scripts, to say where time went;
* ``max_in_flight``: the most concurrent requests of each route of the server extension
  (``window.fetch`` wrapped before the page's scripts), over the whole run.

Peers measured in the same run, with the same query strings as the panel sends (checked
against the page's requests): the catalogue's API itself (the service's own latency)
and the same routes through the Lab's server extension (the extra hop), and the
service's own HTML front page in the same Chromium. Results go to
``tests/benchmarks/results/panel.json`` (``PANHUB_BENCH_OUTPUT`` names another file
there), with the targets beside the figures and the ratios panel time / API time.
Benchmarks report; they do not assert targets.

The Lab serves the venv's build of ``@panhub/catalogue``; to measure the working tree's
panel, build it (``jlpm build:prod`` in extensions/catalogue) and name a folder holding
``@panhub/catalogue`` -> ``extensions/catalogue/labextension`` in
``PANHUB_BENCH_LABEXTENSIONS`` (served before the venv's copy). Ports: 8730 and 8731
(``PANHUB_BENCH_PANEL_PORT``); ``PANHUB_BENCH_REPEATS`` (5) measurements per figure.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import secrets
import statistics
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE_SRC = ROOT / "extensions" / "catalogue"
sys.path[:0] = [str(ROOT), str(CATALOGUE_SRC)]

from tests.support.bench_cache import catalogue_file  # noqa: E402
from tests.support.browser import launch  # noqa: E402
from tests.support.catalogue_server import running_catalogue  # noqa: E402
from tests.support.lab import running_lab  # noqa: E402

SCALE = float(os.environ.get("PANHUB_BENCH_SCALE", "0.1"))
N = max(100, round(100_000 * SCALE))
REPEATS = int(os.environ.get("PANHUB_BENCH_REPEATS", "5"))
PORT = int(os.environ.get("PANHUB_BENCH_PANEL_PORT", "8730"))  # and PORT + 1 for the Lab
RESULTS = (
    ROOT / "tests" / "benchmarks" / "results" / os.environ.get("PANHUB_BENCH_OUTPUT", "panel.json")
)
# an unfiltered search's page (the panel's first request), as makeSearchParams writes it
SORT = "-startDate"
PAGE = 100
# the panel's search delay: the setting searchDebounce's default
DEBOUNCE_S = (
    json.loads((ROOT / "extensions/catalogue/schema/plugin.json").read_text())["properties"][
        "searchDebounce"
    ]["default"]
    / 1000
)
TYPING_DELAY_MS = 120  # between keys: faster than the debounce, as a person types
WORDS = ["lysozyme", "battery", "zeolite", "polymer", "corrosion", "perovskite", "catalyst"]
BEAMLINE = "BL03"
SCROLL_STEPS = 40
TARGETS = {
    "first_rows_s": 1.0,
    "search_reflected_s": 0.3,
    "search_proposal_reflected_s": 0.3,
    "filter_reflected_s": 0.3,
    "scroll_50000_s": 0.2,
    "longtask_max_ms": 50,
    "max_in_flight": 1,
}

TAB = '.jp-SideBar .lm-TabBar-tab[data-id="panhub-catalogue"]'
GRID = ".panhub-CatalogueResults-grid"
SEARCH = ".panhub-CatalogueFilters-text"

# Before any script of the page: requests counted per route, long tasks and long
# animation frames recorded, and a watcher that notes the first animation frame in
# which a condition holds.
INIT_SCRIPT = r"""
(() => {
  const B = (window.__bench = {
    inflight: {}, maxInflight: {}, requests: [], longtasks: [], loafs: [], marks: {},
    lastInput: null, lastChange: null, tabDown: null,
  });
  const kindOf = url => {
    const m = /\/panhub-catalogue\/api\/([a-z-]+)/.exec(url);
    return m ? m[1] : null;
  };
  const realFetch = window.fetch;
  window.fetch = function (input, init) {
    const url = typeof input === 'string' ? input : (input && input.url) || String(input);
    const kind = kindOf(url);
    if (!kind) {
      return realFetch.apply(this, arguments);
    }
    B.inflight[kind] = (B.inflight[kind] || 0) + 1;
    B.maxInflight[kind] = Math.max(B.maxInflight[kind] || 0, B.inflight[kind]);
    const record = { kind, url, start: performance.now(), end: null, aborted: false };
    B.requests.push(record);
    let open = true;
    const done = () => {
      if (open) { open = false; B.inflight[kind] -= 1; record.end = performance.now(); }
    };
    // an aborted request is over when abort() returns (its promise rejects later)
    const signal = (init && init.signal) || (input && input.signal);
    if (signal) {
      signal.addEventListener('abort', () => { record.aborted = true; done(); });
    }
    return realFetch.apply(this, arguments).then(
      response => {
        // in flight until the body is read (the panel reads it with text())
        const text = response.text.bind(response);
        response.text = () => text().finally(done);
        const json = response.json.bind(response);
        response.json = () => json().finally(done);
        return response;
      },
      error => { record.aborted = true; done(); throw error; }
    );
  };
  try {
    new PerformanceObserver(list => {
      for (const e of list.getEntries()) B.longtasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: 'longtask', buffered: true });
  } catch (e) { B.noLongtask = String(e); }
  try {
    new PerformanceObserver(list => {
      for (const e of list.getEntries()) {
        B.loafs.push({
          start: e.startTime, duration: e.duration, blocking: e.blockingDuration,
          // where the frame's time went after its scripts: style and layout, then paint
          styleAndLayout: e.styleAndLayoutStart ? Math.round(e.startTime + e.duration - e.styleAndLayoutStart) : 0,
          render: e.renderStart ? Math.round(e.startTime + e.duration - e.renderStart) : 0,
          scripts: (e.scripts || []).map(s => ({
            invoker: s.invoker, fn: s.sourceFunctionName, src: s.sourceURL,
            duration: Math.round(s.duration), forcedLayout: Math.round(s.forcedStyleAndLayoutDuration || 0),
          })),
        });
      }
    }).observe({ type: 'long-animation-frame', buffered: true });
  } catch (e) { B.noLoaf = String(e); }
  document.addEventListener('input', e => {
    if (e.target && e.target.matches && e.target.matches('.panhub-CatalogueFilters-text')) B.lastInput = performance.now();
  }, true);
  document.addEventListener('change', e => {
    if (e.target && e.target.closest && e.target.closest('.panhub-CatalogueFilters')) B.lastChange = performance.now();
  }, true);
  for (const type of ['pointerdown', 'mousedown']) {
    document.addEventListener(type, e => {
      if (B.tabDown === null && e.target && e.target.closest && e.target.closest('[data-id="panhub-catalogue"]')) B.tabDown = performance.now();
    }, true);
  }
  B.grid = () => document.querySelector('.panhub-CatalogueResults-grid');
  // the row of index `index` (0-based) drawn with text, and of investigation `id` if given
  B.rowShown = (index, id) => {
    const grid = B.grid();
    if (!grid || grid.hidden) return false;
    const rows = grid.querySelectorAll(`.panhub-CatalogueResults-row[aria-rowindex="${index + 2}"]`);
    for (const row of rows) {
      if (row.hidden || row.classList.contains('panhub-mod-loading')) continue;
      if (id !== undefined && id !== null && row.dataset.investigationId !== String(id)) continue;
      if ((row.textContent || '').trim()) return true;
    }
    return false;
  };
  // the total and the first row of a search's answer are in the grid
  B.reflects = (total, firstId) => {
    const grid = B.grid();
    return !!grid && grid.getAttribute('aria-rowcount') === String(total + 1) && B.rowShown(0, firstId);
  };
  // note in marks[name] the time of the first animation frame in which test() holds
  B.watch = (name, test, timeoutMs) => {
    delete B.marks[name];
    const t0 = performance.now();
    const tick = () => {
      let ok = false;
      try { ok = test(); } catch (e) { ok = false; }
      if (ok) B.marks[name] = performance.now();
      else if (performance.now() - t0 > timeoutMs) B.marks[name] = -1;
      else requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  };
})();
"""


# ---------------------------------------------------------------- the peers


def query(**params: str | int) -> str:
    """A search's query string in the panel's order (src/api/query.ts makeSearchParams)."""
    order = ["text", "access", "mine", "beamline", "user", "technique", "dateFrom",
             "dateTo", "sort", "limit", "offset"]  # fmt: skip
    return urllib.parse.urlencode([(k, params[k]) for k in order if k in params])


def page_query(offset: int = 0, **filters: str) -> str:
    return query(**filters, sort=SORT, limit=PAGE, offset=offset)


def get_json(url: str, token: str) -> tuple[float, Any]:
    request = urllib.request.Request(url, headers={"Authorization": f"token {token}"})
    start = time.perf_counter()
    with urllib.request.urlopen(request, timeout=60) as answer:
        body = json.loads(answer.read())
    return time.perf_counter() - start, body


def median_s(samples: list[float]) -> float:
    return round(statistics.median(samples), 4)


class Peer:
    """Times a route on the catalogue's API or through the Lab's server extension."""

    def __init__(self, base: str, token: str) -> None:
        self.base, self.token = base, token

    def time(self, route: str, repeats: int = REPEATS) -> tuple[float, Any]:
        """Median seconds of ``repeats`` requests (after one unmeasured), and the answer."""
        _, body = get_json(self.base + route, self.token)
        samples = [get_json(self.base + route, self.token)[0] for _ in range(repeats)]
        return median_s(samples), body


# ---------------------------------------------------------------- the browser


def mark(page: Page, name: str, timeout_s: float = 30.0) -> float:
    """Wait for a watch to end; the time it noted (``performance.now()``, ms)."""
    page.wait_for_function(f"() => window.__bench.marks[{json.dumps(name)}] !== undefined",
                           timeout=(timeout_s + 5) * 1000)  # fmt: skip
    value = page.evaluate(f"() => window.__bench.marks[{json.dumps(name)}]")
    if value < 0:
        raise TimeoutError(f"{name}: not shown within {timeout_s} s")
    return float(value)


def watch(page: Page, name: str, test: str, timeout_s: float = 30.0) -> None:
    page.evaluate(
        f"() => window.__bench.watch({json.dumps(name)}, () => {test}, {timeout_s * 1000})"
    )


def open_lab(page: Page, lab: str) -> None:
    """A fresh Lab (``?reset``: no panel open, no saved filters), settled."""
    url, token = lab.split("|")
    page.goto(f"{url}/lab?reset&token={token}")
    page.wait_for_selector(TAB, timeout=90_000)
    page.wait_for_selector(".jp-Launcher", timeout=90_000)
    # the Lab's start-up work is over before the panel is opened
    page.evaluate("() => new Promise(r => requestIdleCallback(r, { timeout: 3000 }))")
    page.wait_for_timeout(500)


def open_panel(page: Page) -> float:
    """Click the sidebar tab; seconds from the press to the first row drawn with text."""
    watch(page, "first", "window.__bench.rowShown(0)")
    page.click(TAB)
    shown = mark(page, "first")
    return (shown - page.evaluate("() => window.__bench.tabDown")) / 1000


BREAKDOWNS: dict[str, list[dict[str, float]]] = {}


def reflected(page: Page, name: str, answer: dict[str, Any], since: str, sent: str) -> float:
    """Seconds from the last input/change event until the grid shows ``answer``.

    Notes where the time went (in BREAKDOWNS): from the event to the request of the rows
    (``sent`` is its query string), the request, and from its answer to the rows drawn.
    """
    shown = mark(page, name)
    event = page.evaluate(f"() => window.__bench.{since}")
    request = page.evaluate(
        """([sent, event]) => window.__bench.requests.filter(r => r.kind === 'investigations'
             && r.start >= event && r.url.includes(sent) && !r.aborted)[0] || null""",
        [sent, event],
    )
    if request and request["end"] is not None:
        BREAKDOWNS.setdefault(name.split()[0], []).append({
            "event_to_request_ms": round(request["start"] - event, 1),
            "request_ms": round(request["end"] - request["start"], 1),
            "answer_to_drawn_ms": round(shown - request["end"], 1),
        })  # fmt: skip
    return (shown - event) / 1000


def expect(page: Page, name: str, answer: dict[str, Any]) -> None:
    first = answer["items"][0]["id"] if answer["items"] else None
    watch(page, name, f"window.__bench.reflects({answer['total']}, {json.dumps(first)})")


def settle(page: Page) -> None:
    """As a person between two changes: the panel's requests answered, a moment to look.

    An aborted request still runs in the Lab's server and the catalogue (a facet count
    takes 0.4 s at 100,000 investigations): a change made at once would queue behind the
    last one's facets, which is measured apart (``where_the_time_went_ms``) but not here.
    """
    page.wait_for_function("() => Object.values(window.__bench.inflight).every(n => n === 0)")
    page.wait_for_timeout(700)


def search(page: Page, word: str, answer: dict[str, Any], everything: dict[str, Any]) -> float:
    """Type ``word`` a key at a time; seconds from its last key to its answer shown."""
    box = page.locator(SEARCH)
    box.click()
    settle(page)
    expect(page, f"search {word}", answer)
    page.keyboard.type(word, delay=TYPING_DELAY_MS)
    seconds = reflected(page, f"search {word}", answer, "lastInput", page_query(text=word))
    # back to every row (select all, delete), not measured
    expect(page, "cleared", everything)
    box.press("Control+a")
    box.press("Backspace")
    mark(page, "cleared")
    return seconds


def click_filter(page: Page, selector: str, name: str, answer: dict[str, Any], sent: str) -> float:
    settle(page)
    expect(page, f"filter {name}", answer)
    page.locator(selector).click()
    return reflected(page, f"filter {name}", answer, "lastChange", sent)


def scroll_to(page: Page, row: int, first_id: int) -> float:
    """Set the grid's scrollTop to show ``row`` at the top; seconds until it is drawn."""
    return page.evaluate(
        """([row, id]) => new Promise((resolve, reject) => {
          const B = window.__bench, grid = B.grid();
          // the window math of src/api/window.ts: linear under MAX_SCROLL_HEIGHT
          const rowHeight = 28, content = grid.scrollHeight, header = rowHeight;
          const total = Number(grid.getAttribute('aria-rowcount')) - 1;
          const linear = header + total * rowHeight <= 15000000;
          const maxScroll = content - grid.clientHeight;
          const body = grid.clientHeight - header;
          const top = linear ? row * rowHeight
            : (row / Math.max(1, total - body / rowHeight)) * maxScroll;
          const t0 = performance.now();
          grid.scrollTop = top;
          const tick = () => {
            if (B.rowShown(row, id)) resolve((performance.now() - t0) / 1000);
            else if (performance.now() - t0 > 30000) reject(new Error('row ' + row + ' not shown'));
            else requestAnimationFrame(tick);
          };
          requestAnimationFrame(tick);
        })""",
        [row, first_id],
    )


def scroll_sequences(page: Page) -> dict[str, Any]:
    """40 jumps across the list, then 40 wheel turns; long tasks and frames over them."""
    page.evaluate("() => { window.__bench.grid().scrollTop = 0; }")
    page.wait_for_timeout(500)
    t0 = page.evaluate("() => performance.now()")
    page.evaluate(
        """async steps => {
          const grid = window.__bench.grid();
          const max = grid.scrollHeight - grid.clientHeight;
          for (let i = 1; i <= steps; i++) {
            grid.scrollTop = Math.round((max * i) / steps);
            await new Promise(r => setTimeout(r, 100));
          }
          grid.scrollTop = 0;
        }""",
        SCROLL_STEPS,
    )
    page.wait_for_timeout(500)
    box = page.locator(GRID).bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    for _ in range(SCROLL_STEPS):
        page.mouse.wheel(0, 600)
        page.wait_for_timeout(40)
    page.wait_for_timeout(1000)
    t1 = page.evaluate("() => performance.now()")
    tasks, frames = page.evaluate(
        """([t0, t1]) => [
          window.__bench.longtasks.filter(e => e.start >= t0 && e.start <= t1),
          window.__bench.loafs.filter(e => e.start >= t0 && e.start <= t1 && e.duration > 50),
        ]""",
        [t0, t1],
    )
    return {
        "seconds": round((t1 - t0) / 1000, 2),
        "longtask_max_ms": round(max((t["duration"] for t in tasks), default=0.0), 1),
        "longtasks_over_50ms": len(tasks),
        "long_animation_frames": frames[:10],
    }


def html_front_page(browser: Any, url: str, token: str) -> float:
    """The service's own front page (server-rendered, 20 rows): navigation to its rows."""
    context = browser.new_context(extra_http_headers={"Authorization": f"token {token}"})
    page = context.new_page()
    samples = []
    for _ in range(REPEATS + 1):
        page.goto(url)
        page.wait_for_selector("li a")
        samples.append(page.evaluate(
            "() => performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd / 1000"
        ))  # fmt: skip
    context.close()
    return median_s(samples[1:])


# ---------------------------------------------------------------- the run


@contextlib.contextmanager
def served(db: Path, work: Path) -> Iterator[tuple[str, str, str]]:
    """The catalogue and a Lab reaching it; yields (catalogue URL, its token, lab)."""
    token = secrets.token_hex(16)
    with running_catalogue(
        f"sqlite:///{db}", PORT, [f"{token}=benchadmin:admin"], work / "catalogue.log"
    ) as catalogue:
        env = {"PANHUB_CATALOGUE_URL": catalogue, "JUPYTERHUB_API_TOKEN": token}
        (work / "root").mkdir()
        with running_lab(
            work, port=PORT + 1, root_dir=work / "root", pythonpath=[CATALOGUE_SRC], env=env,
            extra_args=[f"--LabServerApp.extra_labextensions_path={p}"
                        for p in filter(None, [os.environ.get("PANHUB_BENCH_LABEXTENSIONS")])],
        ) as lab:  # fmt: skip
            yield catalogue, token, lab


def ratio(a: float, b: float) -> float:
    return round(a / b, 2) if b > 0 else float("nan")


def run(db: Path, work: Path) -> dict[str, Any]:
    row = min(50_000, N // 2)
    # rows around row 50,000 on other pages each time (none cached from an earlier jump),
    # each like row 50,000 itself: its 10 overscan rows above are on the page before
    rows = [row + (k + 1) // 2 * (-1) ** k * 2 * PAGE for k in range(REPEATS)]
    everything_q = page_query()
    filters = {
        "beamline": ("beamline", BEAMLINE),
        "public": ("access", "public"),
        "embargoed": ("access", "embargoed"),
    }
    queries = {
        "first": everything_q,
        **{f"search {w}": page_query(text=w) for w in WORDS[:REPEATS]},
        **{name: page_query(**{k: v}) for name, (k, v) in filters.items()},
        **{f"scroll {r}": page_query(offset=(r // PAGE) * PAGE) for r in rows},
    }
    result: dict[str, Any] = {}
    with served(db, work) as (catalogue, token, lab):
        url, lab_token = lab.split("|")
        api = Peer(f"{catalogue}api/", token)
        hop = Peer(f"{url}/panhub-catalogue/api/", lab_token)
        answers = {name: api.time(f"investigations?{q}")[1] for name, q in queries.items()}
        everything = answers["first"]
        assert everything["total"] == N, (everything["total"], N)
        # a user's own proposal number: the search people type most, one hit each
        proposals = [i["name"] for i in everything["items"][:REPEATS]]
        for name in proposals:
            queries[f"search {name}"] = page_query(text=name)
            answers[f"search {name}"] = api.time(f"investigations?{queries[f'search {name}']}")[1]
        peers: dict[str, dict[str, float]] = {"api": {}, "lab_extension": {}}
        for label, peer in (("api", api), ("lab_extension", hop)):
            times = {name: peer.time(f"investigations?{q}")[0] for name, q in queries.items()}
            peers[label] = {
                "first_page_s": times["first"],
                "search_page_s": median_s([times[f"search {w}"] for w in WORDS[:REPEATS]]),
                "filter_page_s": median_s([times[n] for n in filters]),
                "page_at_row_s": median_s([times[f"scroll {r}"] for r in rows]),
                "facets_s": peer.time("facets")[0],
                "facets_search_s": peer.time(f"facets?{query(text=WORDS[0])}")[0],
            }
        peers["lab_extension"]["version_s"] = hop.time("version")[0]
        print("peers", json.dumps(peers), flush=True)

        with sync_playwright() as p:
            browser = launch(p)
            try:
                context = browser.new_context(viewport={"width": 1400, "height": 1000})
                context.add_init_script(INIT_SCRIPT)
                first_rows, in_flight, requests = [], {}, []
                page = None
                for n in range(REPEATS):
                    if page is not None:
                        page.close()
                    page = context.new_page()
                    open_lab(page, lab)
                    if n == 0:
                        loaded = page.evaluate(
                            "() => !!document.querySelector('.jp-SideBar "
                            '.lm-TabBar-tab[data-id="panhub-catalogue"]\')'
                        )
                        assert loaded, "the @panhub/catalogue panel is not in this Lab"
                    first_rows.append(open_panel(page))
                assert page is not None
                page.wait_for_function(f"() => window.__bench.reflects({N}, "
                                       f"{everything['items'][0]['id']})")  # fmt: skip
                # let the facets arrive (the list filters render from them)
                page.wait_for_selector(
                    f'.panhub-CatalogueFilters-list[data-filter="beamline"] input[value="{BEAMLINE}"]',
                    state="attached",
                )
                searches = [
                    search(page, w, answers[f"search {w}"], everything) for w in WORDS[:REPEATS]
                ]
                proposal_searches = [
                    search(page, n, answers[f"search {n}"], everything) for n in proposals
                ]
                page.click('.panhub-CatalogueFilters-list[data-filter="beamline"] summary')
                box = f'.panhub-CatalogueFilters-list[data-filter="beamline"] input[value="{BEAMLINE}"]'
                radio = ".panhub-CatalogueFilters-access input[value={}]".format
                filter_times: dict[str, list[float]] = {}
                for _ in range(max(1, REPEATS // 2)):
                    for name, selector, answer, sent in (
                        ("beamline", box, answers["beamline"], queries["beamline"]),
                        ("beamline off", box, everything, everything_q),
                        ("public", radio("public"), answers["public"], queries["public"]),
                        (
                            "embargoed",
                            radio("embargoed"),
                            answers["embargoed"],
                            queries["embargoed"],
                        ),
                        ("all", radio("all"), everything, everything_q),
                    ):
                        seconds = click_filter(page, selector, name, answer, sent)
                        filter_times.setdefault(name, []).append(seconds)
                scrolls = []
                for r in rows:
                    page.evaluate("() => { window.__bench.grid().scrollTop = 0; }")
                    page.wait_for_function("() => window.__bench.rowShown(0)")
                    settle(page)  # the jump alone
                    page_answer = answers[f"scroll {r}"]
                    first_id = page_answer["items"][r % PAGE]["id"]
                    scrolls.append(scroll_to(page, r, first_id))
                sequences = scroll_sequences(page)
                in_flight = page.evaluate("() => window.__bench.maxInflight")
                requests = page.evaluate("() => window.__bench.requests")
                page.screenshot(path=str(work / "panel.png"))
                with contextlib.suppress(OSError):
                    (ROOT / "artifacts").mkdir(exist_ok=True)
                    page.screenshot(path=str(ROOT / "artifacts" / "bench_panel.png"))
                page.close()
                context.close()
                html = html_front_page(browser, catalogue, token)
            finally:
                browser.close()

    sent = {
        urllib.parse.urlsplit(r["url"]).query for r in requests if r["kind"] == "investigations"
    }
    # JupyterLab's cache buster (a bare number) is not part of the search
    sent = {"&".join(p for p in q.split("&") if "=" in p) for q in sent}
    all_filter_times = [t for times in filter_times.values() for t in times]
    result = {
        "first_rows_s": median_s(first_rows),
        "first_rows_samples_s": [round(s, 3) for s in first_rows],
        "search_reflected_s": median_s(searches),
        "search_reflected_samples_s": [round(s, 3) for s in searches],
        "search_hits": {w: answers[f"search {w}"]["total"] for w in WORDS[:REPEATS]},
        "search_proposal_reflected_s": median_s(proposal_searches),
        "search_proposal_samples_s": [round(s, 3) for s in proposal_searches],
        "search_reflected_minus_debounce_s": round(median_s(searches) - DEBOUNCE_S, 4),
        "filter_reflected_s": median_s(all_filter_times),
        "filter_reflected_by_change_s": {k: median_s(v) for k, v in filter_times.items()},
        "scroll_50000_s": median_s(scrolls),
        "scroll_rows": rows,
        "scroll_samples_s": [round(s, 3) for s in scrolls],
        "scroll_sequences": sequences,
        "longtask_max_ms": sequences["longtask_max_ms"],
        "max_in_flight": max(in_flight.get("investigations", 0), in_flight.get("facets", 0)),
        "max_in_flight_by_route": in_flight,
        "requests": {
            "investigations": sum(r["kind"] == "investigations" for r in requests),
            "facets": sum(r["kind"] == "facets" for r in requests),
            "aborted": sum(bool(r["aborted"]) for r in requests),
        },
        "where_the_time_went_ms": {
            kind: {key: median_s([b[key] for b in items]) for key in items[0]}
            for kind, items in BREAKDOWNS.items()
        },
        "same_parameters_as_peers": {q for q in queries.values()} <= sent,
        "peers": peers,
        "html_front_page_s": html,
    }
    api_peer, hop_peer = peers["api"], peers["lab_extension"]
    handshake = hop_peer["version_s"] + hop_peer["first_page_s"]
    result["ratios"] = {
        "first_rows_over_api_page": ratio(result["first_rows_s"], api_peer["first_page_s"]),
        "first_rows_over_lab_handshake_and_page": ratio(result["first_rows_s"], handshake),
        "first_rows_over_html_front_page": ratio(result["first_rows_s"], html),
        "search_over_api": ratio(result["search_reflected_s"], api_peer["search_page_s"]),
        "search_minus_debounce_over_lab_extension": ratio(
            result["search_reflected_minus_debounce_s"], hop_peer["search_page_s"]
        ),
        "filter_over_api": ratio(result["filter_reflected_s"], api_peer["filter_page_s"]),
        "scroll_over_api_page": ratio(result["scroll_50000_s"], api_peer["page_at_row_s"]),
        "scroll_over_lab_extension_page": ratio(
            result["scroll_50000_s"], hop_peer["page_at_row_s"]
        ),
        "lab_extension_over_api_page": ratio(hop_peer["first_page_s"], api_peer["first_page_s"]),
    }
    return result


def main() -> None:
    report: dict[str, Any] = {
        "scale": SCALE,
        "investigations": N,
        "repeats": REPEATS,
        "targets": TARGETS,
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "chromium": "/usr/bin/chromium",
        },
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        # other work on the machine makes every figure noisier (2 cores: check this)
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }
    start = time.perf_counter()
    db = catalogue_file(N)
    with tempfile.TemporaryDirectory(prefix="bench-panel-") as tmp:
        report.update(run(db, Path(tmp)))
    report["seconds"] = round(time.perf_counter() - start, 1)
    report["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    report["meets_targets"] = {name: (report[name] <= target) for name, target in TARGETS.items()}
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    print_summary(report)
    print(f"wrote {RESULTS}")


def print_summary(report: dict[str, Any]) -> None:
    api, hop = report["peers"]["api"], report["peers"]["lab_extension"]
    lines: list[tuple[str, Callable[[float], str], float, str]] = [
        ("first_rows_s", "{:.3f} s".format, report["first_rows_s"],
         f"API page {api['first_page_s'] * 1000:.0f} ms, Lab handshake + page "
         f"{(hop['version_s'] + hop['first_page_s']) * 1000:.0f} ms, HTML front page "
         f"{report['html_front_page_s'] * 1000:.0f} ms"),
        ("search_reflected_s", "{:.3f} s".format, report["search_reflected_s"],
         f"debounce {DEBOUNCE_S * 1000:.0f} ms; API {api['search_page_s'] * 1000:.0f} ms, "
         f"via Lab {hop['search_page_s'] * 1000:.0f} ms"),
        ("search_proposal_reflected_s", "{:.3f} s".format, report["search_proposal_reflected_s"],
         "a proposal number typed (one hit)"),
        ("filter_reflected_s", "{:.3f} s".format, report["filter_reflected_s"],
         f"API {api['filter_page_s'] * 1000:.0f} ms, via Lab {hop['filter_page_s'] * 1000:.0f} ms"),
        ("scroll_50000_s", "{:.3f} s".format, report["scroll_50000_s"],
         f"row {report['scroll_rows'][0]}; API page {api['page_at_row_s'] * 1000:.0f} ms, "
         f"via Lab {hop['page_at_row_s'] * 1000:.0f} ms"),
        ("longtask_max_ms", "{:.0f} ms".format, report["longtask_max_ms"],
         f"{report['scroll_sequences']['longtasks_over_50ms']} long tasks over "
         f"{report['scroll_sequences']['seconds']} s of scrolling"),
        ("max_in_flight", "{}".format, report["max_in_flight"],
         json.dumps(report["max_in_flight_by_route"])),
    ]  # fmt: skip
    print(f"scale {report['scale']}: {report['investigations']:,} investigations, "
          f"median of {report['repeats']}")  # fmt: skip
    for name, fmt, value, note in lines:
        target = report["targets"][name]
        verdict = "ok" if report["meets_targets"][name] else "OVER"
        print(f"  {name}: {fmt(value)} (target <= {target}, {verdict}); {note}")
    print(f"  ratios: {json.dumps(report['ratios'])}")


if __name__ == "__main__":
    main()
