/**
 * A cache of fixed-size server pages behind a virtual list.
 *
 * Rows are fetched by page (100 rows by default) for the window the list shows, kept
 * in a least-recently-used set of pages (20 by default), and fetched one at a time:
 * at most one request is in flight, and a request for a page the window no longer
 * needs is aborted. A total that changes between pages (rows added or removed in the
 * catalogue) drops every other page, so the list never mixes two states; rows beyond
 * the total are never requested. No DOM here: `fetchPage` is given.
 */

/** What the cache needs from a page. */
export interface IRowPage<T> {
  total: number;
  items: T[];
}

/** Fetch `limit` rows from `offset`; must reject when `signal` aborts. */
export type PageFetcher<T> = (
  offset: number,
  limit: number,
  signal: AbortSignal
) => Promise<IRowPage<T>>;

/** Why the cache changed. */
export type PageCacheChange =
  | { kind: 'page'; page: number }
  | { kind: 'total'; total: number; previous: number | null }
  | { kind: 'error'; error: unknown }
  | { kind: 'loading'; page: number };

export interface IPageCacheOptions {
  pageSize?: number;
  maxPages?: number;
  /** Called after each change (the model turns it into a Lumino signal). */
  onChange?: (change: PageCacheChange) => void;
  /** Tells an abort apart from a failure; by default `error.name === 'AbortError'`. */
  isAbort?: (error: unknown) => boolean;
}

const defaultIsAbort = (error: unknown): boolean =>
  typeof error === 'object' && error !== null && (error as { name?: string }).name === 'AbortError';

/** The pages `[first, last]` rows fall on (clamped to the total when known). */
export function pagesOf(
  first: number,
  last: number,
  pageSize: number,
  total: number | null
): number[] {
  let end = last;
  if (total !== null) {
    end = Math.min(end, total - 1);
  }
  const start = Math.max(0, first);
  if (end < start) {
    return total === null ? [0] : [];
  }
  const pages: number[] = [];
  for (let p = Math.floor(start / pageSize); p <= Math.floor(end / pageSize); p++) {
    pages.push(p);
  }
  return pages;
}

export class PageCache<T> {
  readonly pageSize: number;
  readonly maxPages: number;

  constructor(
    private readonly fetchPage: PageFetcher<T>,
    options: IPageCacheOptions = {}
  ) {
    this.pageSize = options.pageSize ?? 100;
    this.maxPages = Math.max(1, options.maxPages ?? 20);
    this._onChange = options.onChange;
    this._isAbort = options.isAbort ?? defaultIsAbort;
  }

  /** Rows in the result set; null until the first page arrives. */
  get total(): number | null {
    return this._total;
  }

  /** The last failure (cleared by the next page that arrives, or by {@link retry}). */
  get error(): unknown {
    return this._error;
  }

  /** The page being fetched, or null. */
  get inFlight(): number | null {
    return this._inFlight?.page ?? null;
  }

  /** Pages held, least recently used first. */
  get cachedPages(): number[] {
    return [...this._pages.keys()];
  }

  /** Requests made so far (aborted ones included). */
  get requestCount(): number {
    return this._requests;
  }

  /** The row at `index`, if its page is held (marks the page as recently used). */
  getRow(index: number): T | undefined {
    if (index < 0 || (this._total !== null && index >= this._total)) {
      return undefined;
    }
    const page = Math.floor(index / this.pageSize);
    const rows = this._pages.get(page);
    if (!rows) {
      return undefined;
    }
    this._touch(page, rows);
    return rows[index - page * this.pageSize];
  }

  /** True if the page holding row `index` is held. */
  hasRow(index: number): boolean {
    return this._pages.has(Math.floor(index / this.pageSize));
  }

  /**
   * Show rows `[first, last]`: fetch the first missing page they fall on, aborting a
   * request for a page outside them. The pages of the rows on screen,
   * `[visibleFirst, visibleLast]` (default: all of them), come first: after a jump, the
   * rows the user sees do not wait for a page of overscan rows. Nothing happens after a
   * failure until {@link retry}.
   */
  ensure(first: number, last: number, visibleFirst = first, visibleLast = last): void {
    this._wanted = [first, last, visibleFirst, visibleLast];
    if (this._disposed || this._error !== null) {
      return;
    }
    const visible = pagesOf(
      Math.max(first, visibleFirst),
      Math.min(last, visibleLast),
      this.pageSize,
      this._total
    );
    const all = pagesOf(first, last, this.pageSize, this._total);
    const needed = [...visible, ...all.filter(page => !visible.includes(page))];
    for (const page of needed) {
      const rows = this._pages.get(page);
      if (rows) {
        this._touch(page, rows);
      }
    }
    if (this._inFlight) {
      if (needed.includes(this._inFlight.page)) {
        return;
      }
      this._inFlight.controller.abort();
      this._inFlight = null;
    }
    const missing = needed.find(page => !this._pages.has(page));
    if (missing !== undefined) {
      this._load(missing);
    }
  }

  /** Forget the failure and fetch the wanted rows again. */
  retry(): void {
    this._error = null;
    this.ensure(...this._wanted);
  }

  /** Abort the request in flight and forget every page and the total. */
  clear(): void {
    this._inFlight?.controller.abort();
    this._inFlight = null;
    this._pages.clear();
    this._total = null;
    this._error = null;
  }

  /** Stop for good (the view is gone). */
  dispose(): void {
    this.clear();
    this._disposed = true;
  }

  private _touch(page: number, rows: T[]): void {
    this._pages.delete(page);
    this._pages.set(page, rows);
  }

  private _load(page: number): void {
    const controller = new AbortController();
    const request = { page, controller };
    this._inFlight = request;
    this._requests += 1;
    this._emit({ kind: 'loading', page });
    this.fetchPage(page * this.pageSize, this.pageSize, controller.signal).then(
      result => {
        if (this._inFlight !== request) {
          return; // aborted or cleared meanwhile
        }
        this._inFlight = null;
        this._error = null;
        const total = Math.max(0, Math.floor(result.total));
        if (this._total !== null && total !== this._total) {
          // the catalogue changed between two pages: start over from this one
          const previous = this._total;
          this._pages.clear();
          this._total = total;
          this._store(page, result.items);
          this._emit({ kind: 'total', total, previous });
        } else {
          const first = this._total === null;
          this._total = total;
          this._store(page, result.items);
          if (first) {
            this._emit({ kind: 'total', total, previous: null });
          }
          this._emit({ kind: 'page', page });
        }
        this.ensure(...this._wanted);
      },
      error => {
        if (this._inFlight !== request) {
          return;
        }
        this._inFlight = null;
        if (this._isAbort(error)) {
          return;
        }
        this._error = error ?? new Error('request failed');
        this._emit({ kind: 'error', error: this._error });
      }
    );
  }

  private _store(page: number, items: T[]): void {
    this._pages.set(page, items.slice(0, this.pageSize));
    while (this._pages.size > this.maxPages) {
      const oldest = this._pages.keys().next().value as number;
      this._pages.delete(oldest);
    }
  }

  private _emit(change: PageCacheChange): void {
    this._onChange?.(change);
  }

  private _pages = new Map<number, T[]>();
  private _total: number | null = null;
  private _error: unknown = null;
  private _inFlight: { page: number; controller: AbortController } | null = null;
  private _wanted: [number, number, number, number] = [0, 0, 0, 0];
  private _requests = 0;
  private _disposed = false;
  private _onChange?: (change: PageCacheChange) => void;
  private _isAbort: (error: unknown) => boolean;
}
