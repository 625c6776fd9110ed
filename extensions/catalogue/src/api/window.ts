/**
 * Virtual-window arithmetic of a fixed-row-height list (no DOM).
 *
 * The scrolled content is `header + total × rowHeight` pixels high, capped at
 * {@link MAX_SCROLL_HEIGHT} (browsers stop laying out near 33 M px). Under the cap a
 * row sits at `header + index × rowHeight`; over it, the scroll position maps
 * linearly onto the rows, and the rendered rows are placed relative to the viewport,
 * so 1,000,000 rows still scroll end to end.
 */

/** Tallest scrolled content, in pixels. */
export const MAX_SCROLL_HEIGHT = 15_000_000;

export interface IWindowInput {
  /** Rows in the result set. */
  total: number;
  /** Height of one row, in pixels (> 0). */
  rowHeight: number;
  /** Height of the scrolling viewport, in pixels (header included). */
  viewportHeight: number;
  /** The viewport's `scrollTop`. */
  scrollTop: number;
  /** Height of a sticky header at the top of the scrolled content. */
  headerHeight?: number;
  /** Rows rendered above and below the visible ones. */
  overscan?: number;
}

export interface IWindow {
  /** First and last row index to render (inclusive); `last < first` when empty. */
  first: number;
  last: number;
  /** First and last row at least partly visible. */
  firstVisible: number;
  lastVisible: number;
  /** Top of row `first`, in pixels from the top of the scrolled content. */
  top: number;
  /** Height of the scrolled content. */
  contentHeight: number;
  /** Rows that fit in the viewport (at least 1). */
  pageRows: number;
}

/** Height of the scrolled content for `total` rows. */
export function getContentHeight(total: number, rowHeight: number, headerHeight = 0): number {
  return Math.min(MAX_SCROLL_HEIGHT, headerHeight + Math.max(0, total) * rowHeight);
}

/** Rows that fit in the viewport below the header. */
export function getPageRows(viewportHeight: number, rowHeight: number, headerHeight = 0): number {
  return Math.max(1, Math.floor((viewportHeight - headerHeight) / rowHeight));
}

/** The rows to render for a scroll position. */
export function getWindow(input: IWindowInput): IWindow {
  const { rowHeight } = input;
  const header = input.headerHeight ?? 0;
  const overscan = input.overscan ?? 10;
  const total = Math.max(0, Math.floor(input.total));
  const body = Math.max(0, input.viewportHeight - header);
  const pageRows = getPageRows(input.viewportHeight, rowHeight, header);
  const contentHeight = getContentHeight(total, rowHeight, header);
  if (total === 0) {
    return { first: 0, last: -1, firstVisible: 0, lastVisible: -1, top: header, contentHeight, pageRows };
  }
  const maxScroll = Math.max(0, contentHeight - input.viewportHeight);
  const scrollTop = Math.min(Math.max(0, input.scrollTop), maxScroll);
  let exact: number; // fractional index of the row at the top of the body
  let topOfExact: number; // where that fractional row starts, in content pixels
  if (header + total * rowHeight <= MAX_SCROLL_HEIGHT) {
    exact = scrollTop / rowHeight;
    topOfExact = header + exact * rowHeight;
  } else {
    const scrollable = Math.max(0, total - body / rowHeight);
    exact = maxScroll > 0 ? (scrollTop / maxScroll) * scrollable : 0;
    topOfExact = scrollTop + header;
  }
  const firstVisible = Math.min(total - 1, Math.floor(exact));
  const lastVisible = Math.min(total - 1, Math.max(firstVisible, Math.ceil(exact + body / rowHeight) - 1));
  const first = Math.max(0, firstVisible - overscan);
  const last = Math.min(total - 1, lastVisible + overscan);
  const top = topOfExact - (exact - first) * rowHeight;
  return { first, last, firstVisible, lastVisible, top, contentHeight, pageRows };
}

/**
 * The `scrollTop` that shows row `index` entirely, changing `scrollTop` as little as
 * possible (nothing when it is visible already).
 */
export function scrollToRow(input: IWindowInput, index: number): number {
  const { rowHeight } = input;
  const header = input.headerHeight ?? 0;
  const total = Math.max(0, Math.floor(input.total));
  const row = Math.min(Math.max(0, index), Math.max(0, total - 1));
  const contentHeight = getContentHeight(total, rowHeight, header);
  const maxScroll = Math.max(0, contentHeight - input.viewportHeight);
  const body = Math.max(rowHeight, input.viewportHeight - header);
  if (header + total * rowHeight <= MAX_SCROLL_HEIGHT) {
    const rowTop = row * rowHeight; // relative to the body's top at scrollTop 0
    if (rowTop < input.scrollTop) {
      return rowTop;
    }
    if (rowTop + rowHeight > input.scrollTop + body) {
      return Math.min(maxScroll, rowTop + rowHeight - body);
    }
    return input.scrollTop;
  }
  const scrollable = Math.max(1, total - body / rowHeight);
  const current = getWindow({ ...input, overscan: 0 });
  if (row >= current.firstVisible + 1 && row <= current.lastVisible - 1) {
    return input.scrollTop;
  }
  const target = row <= current.firstVisible ? row : row - body / rowHeight + 1;
  return Math.min(maxScroll, Math.max(0, (target / scrollable) * maxScroll));
}

/** The row a key moves the active row to, or null for other keys. */
export function moveByKey(
  key: string,
  index: number,
  total: number,
  pageRows: number
): number | null {
  if (total <= 0) {
    return null;
  }
  const clamp = (value: number) => Math.min(total - 1, Math.max(0, value));
  switch (key) {
    case 'ArrowDown':
      return clamp(index + 1);
    case 'ArrowUp':
      return clamp(index - 1);
    case 'PageDown':
      return clamp(index + Math.max(1, pageRows - 1));
    case 'PageUp':
      return clamp(index - Math.max(1, pageRows - 1));
    case 'Home':
      return 0;
    case 'End':
      return total - 1;
    default:
      return null;
  }
}
