/**
 * Human-readable sizes and dates (no DOM). Dates from the catalogue are UTC ISO 8601
 * (`2022-05-17T09:07:00Z`); the panel shows the calendar date in UTC, so a proposal's
 * start never moves to another day with the browser's time zone.
 */

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB', 'PB', 'EB'];

/** `1234567` → `1.2 MB` (decimal units, like file managers); empty for null. */
export function formatSize(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes) || bytes < 0) {
    return '';
  }
  if (bytes < 1000) {
    return `${Math.round(bytes)} B`;
  }
  let value = bytes;
  let unit = 0;
  while (value >= 999.95 && unit < UNITS.length - 1) {
    value /= 1000;
    unit += 1;
  }
  const digits = value < 10 ? 1 : 0;
  return `${value.toFixed(digits)} ${UNITS[unit]}`;
}

/** One formatter per locale: building an `Intl.NumberFormat` costs more than a row. */
const COUNT_FORMATS = new Map<string, Intl.NumberFormat>();

/** `12345` → `12,345` (grouping per locale); empty for null. */
export function formatCount(count: number | null | undefined, locale?: string): string {
  if (count === null || count === undefined || !Number.isFinite(count)) {
    return '';
  }
  const key = locale ?? '';
  let format = COUNT_FORMATS.get(key);
  if (!format) {
    format = new Intl.NumberFormat(locale);
    COUNT_FORMATS.set(key, format);
  }
  return format.format(count);
}

/** Parse a catalogue date; null if missing or invalid. */
export function parseDate(value: string | null | undefined): Date | null {
  if (!value) {
    return null;
  }
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** `2022-05-17T09:07:00Z` → `2022-05-17`; empty when missing or invalid. */
export function formatDate(value: string | null | undefined): string {
  const date = parseDate(value);
  return date ? date.toISOString().slice(0, 10) : '';
}

/** `2022-05-17T09:07:00Z` → `2022-05-17 09:07 UTC`. */
export function formatDateTime(value: string | null | undefined): string {
  const date = parseDate(value);
  if (!date) {
    return '';
  }
  const iso = date.toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/** True when the release date has passed at `now` (or `isPublic` says so). */
export function isReleased(
  row: { isPublic?: boolean; releaseDate?: string | null },
  now: Date = new Date()
): boolean {
  if (typeof row.isPublic === 'boolean') {
    return row.isPublic;
  }
  const release = parseDate(row.releaseDate);
  return release !== null && release.getTime() <= now.getTime();
}

/** `YYYY` → the dates of that whole year as dateFrom/dateTo filters. */
export function yearRange(year: string): { dateFrom: string; dateTo: string } | null {
  if (!/^\d{4}$/.test(year)) {
    return null;
  }
  return { dateFrom: `${year}-01-01`, dateTo: `${year}-12-31` };
}
