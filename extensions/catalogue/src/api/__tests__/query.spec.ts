import {
  DEFAULT_SORT,
  SEARCH_PARAMETERS,
  formatSort,
  isEmptyFilters,
  makeEmptyFilters,
  makeSearchKey,
  makeSearchParams,
  normalizeFilters,
  normalizeSort,
  withQuery
} from '../query';
import { describeFilters } from '../describe';

describe('makeSearchParams', () => {
  it('emits nothing for empty filters', () => {
    expect(makeSearchParams(makeEmptyFilters()).toString()).toBe('');
    expect(isEmptyFilters(makeEmptyFilters())).toBe(true);
  });

  it('emits every filter, lists repeated, page last', () => {
    const filters = {
      ...makeEmptyFilters(),
      text: '  zeolite  ',
      access: 'public' as const,
      mine: true,
      beamline: ['BL04-MSPD', 'BL01'],
      user: ['alice'],
      technique: ['SAXS'],
      dateFrom: '2022-01-01',
      dateTo: '2022-12-31'
    };
    const params = makeSearchParams(filters, { sort: DEFAULT_SORT, limit: 100, offset: 200 });
    expect(params.toString()).toBe(
      'text=zeolite&access=public&mine=true&beamline=BL01&beamline=BL04-MSPD&user=alice' +
        '&technique=SAXS&dateFrom=2022-01-01&dateTo=2022-12-31&sort=-startDate&limit=100&offset=200'
    );
  });

  it('emits only the catalogue search parameters, whatever it is given', () => {
    const hostile = {
      ...makeEmptyFilters(),
      text: 'x',
      evil: 'drop table',
      beamline: ['a,b', 'ok', 7, ''],
      dateFrom: 'yesterday',
      access: 'everything'
    } as unknown as ReturnType<typeof makeEmptyFilters>;
    const params = makeSearchParams(hostile, { limit: 0, offset: -5 });
    params.forEach((_value, key) => {
      expect(SEARCH_PARAMETERS).toContain(key);
    });
    expect(params.getAll('beamline')).toEqual(['ok']);
    expect(params.get('dateFrom')).toBeNull();
    expect(params.get('access')).toBeNull();
    expect(params.get('limit')).toBe('1');
    expect(params.get('offset')).toBe('0');
  });

  it('keeps text to the catalogue limit and caps the offset', () => {
    const params = makeSearchParams(
      { ...makeEmptyFilters(), text: 'a'.repeat(500) },
      { offset: 5e9 }
    );
    expect(params.get('text')).toHaveLength(200);
    expect(params.get('offset')).toBe('1000000');
  });

  it('quotes what a query string must', () => {
    const params = makeSearchParams({ ...makeEmptyFilters(), text: 'a&b=c #d' });
    expect(withQuery('investigations', params)).toBe('investigations?text=a%26b%3Dc+%23d');
    expect(withQuery('facets', new URLSearchParams())).toBe('facets');
  });
});

describe('normalize', () => {
  it('restores saved state and drops what it does not know', () => {
    expect(normalizeFilters(null)).toEqual(makeEmptyFilters());
    expect(normalizeFilters({ mine: 'yes', beamline: ['b', 'a', 'a'], junk: 1 })).toEqual({
      ...makeEmptyFilters(),
      beamline: ['a', 'b']
    });
  });

  it('sorts by catalogue fields only', () => {
    expect(normalizeSort({ field: 'title', descending: false })).toEqual({
      field: 'title',
      descending: false
    });
    expect(normalizeSort({ field: 'password' })).toEqual(DEFAULT_SORT);
    expect(formatSort({ field: 'name', descending: false })).toBe('name');
    expect(formatSort({ field: 'fileSize', descending: true })).toBe('-fileSize');
  });

  it('keys a search by its filters and sort', () => {
    const a = makeSearchKey(makeEmptyFilters(), DEFAULT_SORT);
    const b = makeSearchKey({ ...makeEmptyFilters(), mine: true }, DEFAULT_SORT);
    expect(a).not.toBe(b);
    expect(makeSearchKey({ ...makeEmptyFilters(), text: ' ' }, DEFAULT_SORT)).toBe(a);
  });
});

describe('describeFilters', () => {
  it('names every active filter', () => {
    expect(describeFilters(makeEmptyFilters())).toEqual([]);
    expect(
      describeFilters({
        ...makeEmptyFilters(),
        text: 'zeolite',
        access: 'embargoed',
        mine: true,
        beamline: ['BL04'],
        dateTo: '2020-01-01'
      })
    ).toEqual([
      'text “zeolite”',
      'embargoed only',
      'my data',
      'beamline BL04',
      'ended on or before 2020-01-01'
    ]);
  });
});
