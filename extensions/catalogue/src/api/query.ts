/**
 * Search parameters: the panel's filters as the query string of `GET investigations`
 * and `GET facets`.
 *
 * Only the catalogue's own parameters are emitted (`web.params.SEARCH_PARAMETERS`):
 * the service refuses unknown ones, and the server extension whitelists the same set.
 */

/** The catalogue's search parameters, in the order they are emitted. */
export const SEARCH_PARAMETERS = [
  'text',
  'access',
  'mine',
  'beamline',
  'user',
  'technique',
  'dateFrom',
  'dateTo',
  'sort',
  'limit',
  'offset'
] as const;

export type SearchParameter = (typeof SEARCH_PARAMETERS)[number];

/** Public/Embargoed filter. */
export type Access = 'all' | 'public' | 'embargoed';

/** The filters of the panel (what the user chose; kept in the state database). */
export interface IFilters {
  text: string;
  access: Access;
  mine: boolean;
  beamline: string[];
  user: string[];
  technique: string[];
  /** `YYYY-MM-DD` or empty. */
  dateFrom: string;
  /** `YYYY-MM-DD` (inclusive: the catalogue reads a bare date as that whole day) or empty. */
  dateTo: string;
}

/** Fields the catalogue sorts by (`search.SORT_FIELDS`). */
export const SORT_FIELDS = [
  'startDate',
  'endDate',
  'releaseDate',
  'name',
  'title',
  'fileSize',
  'fileCount',
  'doi',
  'beamline',
  'sampleCount',
  'datasetCount',
  'logbookCount'
] as const;

export type SortField = (typeof SORT_FIELDS)[number];

/** One sort key. */
export interface ISort {
  field: SortField;
  descending: boolean;
}

/** The catalogue's default order (newest first). */
export const DEFAULT_SORT: ISort = { field: 'startDate', descending: true };

/** No filter at all. */
export function makeEmptyFilters(): IFilters {
  return {
    text: '',
    access: 'all',
    mine: false,
    beamline: [],
    user: [],
    technique: [],
    dateFrom: '',
    dateTo: ''
  };
}

/** Most characters of free text the catalogue accepts (`MAX_TEXT_LENGTH`). */
export const MAX_TEXT_LENGTH = 200;
/** Most values of one list filter (`MAX_VALUES`). */
export const MAX_VALUES = 50;
/** Largest offset (`MAX_OFFSET`). */
export const MAX_OFFSET = 1_000_000;

const DATE = /^\d{4}-\d{2}-\d{2}$/;

function cleanList(values: readonly unknown[] | undefined): string[] {
  const seen = new Set<string>();
  for (const value of values ?? []) {
    // a comma would split one value into two on the server
    const text = typeof value === 'string' ? value.trim() : '';
    if (text && !text.includes(',')) {
      seen.add(text);
    }
  }
  return [...seen].sort().slice(0, MAX_VALUES);
}

/**
 * Filters from anything (the state database, settings): unknown keys dropped, bad
 * values replaced by the empty filter's, lists deduplicated and sorted.
 */
export function normalizeFilters(raw: unknown): IFilters {
  const given = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const empty = makeEmptyFilters();
  const text = typeof given.text === 'string' ? given.text.slice(0, MAX_TEXT_LENGTH) : '';
  const access = ['all', 'public', 'embargoed'].includes(given.access as string)
    ? (given.access as Access)
    : empty.access;
  const date = (value: unknown) => (typeof value === 'string' && DATE.test(value) ? value : '');
  return {
    text,
    access,
    mine: given.mine === true,
    beamline: cleanList(given.beamline as unknown[]),
    user: cleanList(given.user as unknown[]),
    technique: cleanList(given.technique as unknown[]),
    dateFrom: date(given.dateFrom),
    dateTo: date(given.dateTo)
  };
}

/** A sort from anything; the default when unknown. */
export function normalizeSort(raw: unknown): ISort {
  const given = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  if (!SORT_FIELDS.includes(given.field as SortField)) {
    return { ...DEFAULT_SORT };
  }
  return { field: given.field as SortField, descending: given.descending === true };
}

/** The `sort` parameter: `-startDate` for descending. */
export function formatSort(sort: ISort): string {
  return `${sort.descending ? '-' : ''}${sort.field}`;
}

/** True when no filter narrows the search. */
export function isEmptyFilters(filters: IFilters): boolean {
  return makeSearchParams(filters).toString() === '';
}

/**
 * The query string's parameters for `filters` (and, for a page, `sort`, `limit`,
 * `offset`). Empty filters emit nothing; lists are repeated parameters.
 */
export function makeSearchParams(
  filters: IFilters,
  page?: { sort?: ISort; limit?: number; offset?: number }
): URLSearchParams {
  const f = normalizeFilters(filters);
  const params = new URLSearchParams();
  const text = f.text.trim();
  if (text) {
    params.append('text', text);
  }
  if (f.access !== 'all') {
    params.append('access', f.access);
  }
  if (f.mine) {
    params.append('mine', 'true');
  }
  for (const name of ['beamline', 'user', 'technique'] as const) {
    for (const value of f[name]) {
      params.append(name, value);
    }
  }
  if (f.dateFrom) {
    params.append('dateFrom', f.dateFrom);
  }
  if (f.dateTo) {
    params.append('dateTo', f.dateTo);
  }
  if (page?.sort) {
    params.append('sort', formatSort(page.sort));
  }
  if (page?.limit !== undefined) {
    params.append('limit', String(Math.max(1, Math.floor(page.limit))));
  }
  if (page?.offset !== undefined) {
    params.append('offset', String(Math.min(MAX_OFFSET, Math.max(0, Math.floor(page.offset)))));
  }
  return params;
}

/** `path?query`, or `path` alone when there is no parameter. */
export function withQuery(path: string, params: URLSearchParams): string {
  const query = params.toString();
  return query ? `${path}?${query}` : path;
}

/** A stable key of a search (filters and sort), to tell one result set from another. */
export function makeSearchKey(filters: IFilters, sort: ISort): string {
  return makeSearchParams(filters, { sort }).toString();
}
