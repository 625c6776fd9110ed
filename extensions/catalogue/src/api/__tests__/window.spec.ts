import { MAX_SCROLL_HEIGHT, getContentHeight, getWindow, moveByKey, scrollToRow } from '../window';

const base = { rowHeight: 28, viewportHeight: 28 * 11, headerHeight: 28, overscan: 10 };

describe('getWindow', () => {
  it('is empty without rows', () => {
    const w = getWindow({ ...base, total: 0, scrollTop: 0 });
    expect(w.last).toBeLessThan(w.first);
    expect(w.contentHeight).toBe(28);
  });

  it('renders the visible rows plus overscan', () => {
    const w = getWindow({ ...base, total: 100_000, scrollTop: 0 });
    expect(w).toMatchObject({ first: 0, firstVisible: 0, lastVisible: 9, last: 19, pageRows: 10 });
    expect(w.top).toBe(28);
    expect(w.contentHeight).toBe(28 + 100_000 * 28);
  });

  it('finds row 50,000 from its scroll position', () => {
    const w = getWindow({ ...base, total: 100_000, scrollTop: 50_000 * 28 });
    expect(w.firstVisible).toBe(50_000);
    expect(w.first).toBe(49_990);
    expect(w.last).toBe(50_019);
    expect(w.top).toBe(28 + 49_990 * 28);
  });

  it('handles a half-visible row and the end of the list', () => {
    const w = getWindow({ ...base, total: 100, scrollTop: 14 });
    expect(w.firstVisible).toBe(0);
    expect(w.lastVisible).toBe(10);
    const end = getWindow({ ...base, total: 100, scrollTop: 1e9 });
    expect(end.lastVisible).toBe(99);
    expect(end.last).toBe(99);
  });

  it('maps the scroll bar onto rows past the height cap', () => {
    const total = 1_000_000;
    expect(getContentHeight(total, 28, 28)).toBe(MAX_SCROLL_HEIGHT);
    const maxScroll = MAX_SCROLL_HEIGHT - base.viewportHeight;
    const end = getWindow({ ...base, total, scrollTop: maxScroll });
    expect(end.lastVisible).toBe(total - 1);
    const middle = getWindow({ ...base, total, scrollTop: maxScroll / 2 });
    expect(Math.abs(middle.firstVisible - total / 2)).toBeLessThan(10);
    // rendered rows start at or above the viewport's top
    expect(middle.top).toBeLessThanOrEqual(maxScroll / 2 + 28);
  });
});

describe('scrollToRow', () => {
  const input = { ...base, total: 1000, scrollTop: 280 }; // rows 10..19 visible
  it('leaves a visible row alone', () => {
    expect(scrollToRow(input, 15)).toBe(280);
  });
  it('scrolls up or down as little as it can', () => {
    expect(scrollToRow(input, 5)).toBe(140);
    expect(scrollToRow(input, 20)).toBe(21 * 28 - 280);
    expect(scrollToRow(input, 999)).toBe(28 + 1000 * 28 - base.viewportHeight);
  });
  it('reaches both ends past the height cap', () => {
    const big = { ...base, total: 1_000_000, scrollTop: 0 };
    expect(scrollToRow(big, 0)).toBe(0);
    const end = scrollToRow(big, 999_999);
    expect(getWindow({ ...big, scrollTop: end }).lastVisible).toBe(999_999);
  });
});

describe('moveByKey', () => {
  it('moves like a grid', () => {
    expect(moveByKey('ArrowDown', 0, 10, 5)).toBe(1);
    expect(moveByKey('ArrowUp', 0, 10, 5)).toBe(0);
    expect(moveByKey('PageDown', 0, 10, 5)).toBe(4);
    expect(moveByKey('PageDown', 8, 10, 5)).toBe(9);
    expect(moveByKey('PageUp', 8, 10, 5)).toBe(4);
    expect(moveByKey('Home', 8, 10, 5)).toBe(0);
    expect(moveByKey('End', 0, 10, 5)).toBe(9);
    expect(moveByKey('a', 0, 10, 5)).toBeNull();
    expect(moveByKey('End', 0, 0, 5)).toBeNull();
  });
});
