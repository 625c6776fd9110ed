import {
  formatCount,
  formatDate,
  formatDateTime,
  formatSize,
  isReleased,
  yearRange
} from '../format';

describe('formatSize', () => {
  it.each([
    [0, '0 B'],
    [999, '999 B'],
    [1000, '1.0 KB'],
    [11_534_126, '12 MB'],
    [82_464, '82 KB'],
    [1_500_000_000, '1.5 GB'],
    [999_960, '1.0 MB'],
    [20e12, '20 TB']
  ])('%p bytes → %p', (bytes, text) => {
    expect(formatSize(bytes)).toBe(text);
  });
  it('is empty for nothing', () => {
    expect(formatSize(null)).toBe('');
    expect(formatSize(undefined)).toBe('');
    expect(formatSize(-1)).toBe('');
    expect(formatSize(NaN)).toBe('');
  });
});

describe('dates', () => {
  it('shows the UTC calendar date', () => {
    expect(formatDate('2022-05-17T23:59:00Z')).toBe('2022-05-17');
    expect(formatDate('2022-05-17T23:59:00-05:00')).toBe('2022-05-18');
    expect(formatDate(null)).toBe('');
    expect(formatDate('not a date')).toBe('');
    expect(formatDateTime('2022-05-17T09:07:00Z')).toBe('2022-05-17 09:07 UTC');
  });
  it('says public from isPublic, else from the release date', () => {
    const now = new Date('2026-01-01T00:00:00Z');
    expect(isReleased({ isPublic: false, releaseDate: '2020-01-01T00:00:00Z' }, now)).toBe(false);
    expect(isReleased({ releaseDate: '2025-01-01T00:00:00Z' }, now)).toBe(true);
    expect(isReleased({ releaseDate: '2027-01-01T00:00:00Z' }, now)).toBe(false);
    expect(isReleased({ releaseDate: null }, now)).toBe(false);
  });
  it('turns a year into a date range', () => {
    expect(yearRange('2022')).toEqual({ dateFrom: '2022-01-01', dateTo: '2022-12-31' });
    expect(yearRange('22')).toBeNull();
  });
  it('groups counts', () => {
    expect(formatCount(12345, 'en-US')).toBe('12,345');
    expect(formatCount(null)).toBe('');
  });
});
