/**
 * The active filters in words, for "no results" and the live region (no DOM).
 */
import type { IFilters } from './query';

/** A translation function (`trans.__`), identity by default. */
export type Translate = (text: string, ...args: unknown[]) => string;

/** Replace `%1`, `%2`… like `trans.__` does, for tests and the default. */
export const plain: Translate = (text, ...args) =>
  text.replace(/%(\d+)/g, (whole, n) => {
    const value = args[Number(n) - 1];
    return value === undefined ? whole : String(value);
  });

/** One phrase per active filter, in the order the filters panel shows them. */
export function describeFilters(filters: IFilters, __: Translate = plain): string[] {
  const parts: string[] = [];
  if (filters.text.trim()) {
    parts.push(__('text “%1”', filters.text.trim()));
  }
  if (filters.access === 'public') {
    parts.push(__('public only'));
  } else if (filters.access === 'embargoed') {
    parts.push(__('embargoed only'));
  }
  if (filters.mine) {
    parts.push(__('my data'));
  }
  if (filters.beamline.length) {
    parts.push(__('beamline %1', filters.beamline.join(', ')));
  }
  if (filters.technique.length) {
    parts.push(__('technique %1', filters.technique.join(', ')));
  }
  if (filters.user.length) {
    parts.push(__('user %1', filters.user.join(', ')));
  }
  if (filters.dateFrom) {
    parts.push(__('started on or after %1', filters.dateFrom));
  }
  if (filters.dateTo) {
    parts.push(__('ended on or before %1', filters.dateTo));
  }
  return parts;
}
