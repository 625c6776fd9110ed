import { CatalogueClient, CatalogueRequestError, IRequestInit, Requester, SEARCH_PARAMETERS } from '../api';
import { CatalogueModel } from '../model';

/** A tiny fake of the server extension's routes: `total` rows, or an error status. */
function makeFakeRoutes(options: { total?: number; version?: number; search?: number } = {}) {
  const calls: string[] = [];
  const total = options.total ?? 250;
  const request = (async (endpoint: string, init: IRequestInit = {}) => {
    calls.push(endpoint);
    const [path, query = ''] = endpoint.split('?');
    const params = new URLSearchParams(query);
    if (path === 'version') {
      if (options.version) {
        throw new CatalogueRequestError(options.version, `HTTP ${options.version}`);
      }
      return { version: '0.1.0' };
    }
    if (options.search) {
      throw new CatalogueRequestError(options.search, 'the catalogue service is not reachable');
    }
    if (path === 'facets') {
      return { facets: { beamline: [{ value: 'BL04', count: total }] } };
    }
    if (path === 'investigations') {
      const offset = Number(params.get('offset'));
      const limit = Number(params.get('limit'));
      const n = params.get('mine') === 'true' ? 3 : total;
      const items = [];
      for (let i = offset; i < Math.min(n, offset + limit); i++) {
        items.push({ id: i + 1, name: `2026${String(i).padStart(4, '0')}`, isPublic: i % 2 === 0 });
      }
      return { total: n, limit, offset, items };
    }
    throw new CatalogueRequestError(404, `no route ${path} (${init.method ?? 'GET'})`);
  }) as Requester;
  return { calls, request };
}

const flush = () => new Promise(resolve => setTimeout(resolve, 0));

describe('CatalogueModel', () => {
  it('shakes hands, then searches rows and facets', async () => {
    const fake = makeFakeRoutes();
    const model = new CatalogueModel(new CatalogueClient(fake.request));
    const states: string[] = [];
    model.connectionChanged.connect((_, s) => states.push(s));
    await model.connect();
    await flush();
    expect(states).toEqual(['checking', 'ready']);
    expect(fake.calls[0]).toBe('version');
    expect(model.cache.total).toBe(250);
    expect(model.cache.getRow(99)?.name).toBe('20260099');
    expect(model.facets.beamline).toEqual([{ value: 'BL04', count: 250 }]);
    expect(fake.calls).toContain('investigations?sort=-startDate&limit=100&offset=0');
    for (const call of fake.calls.filter(c => c.includes('?'))) {
      new URLSearchParams(call.split('?')[1]).forEach((_v, key) => {
        expect(SEARCH_PARAMETERS).toContain(key);
      });
    }
  });

  it('asks for the facets once the first page has answered, one request at a time', async () => {
    const fake = makeFakeRoutes();
    const pending: (() => void)[] = [];
    let inFlight = 0;
    let most = 0;
    const request = (async (endpoint: string, init?: IRequestInit) => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      await new Promise<void>(resolve => pending.push(resolve));
      inFlight -= 1;
      return fake.request(endpoint, init);
    }) as Requester;
    const model = new CatalogueModel(new CatalogueClient(request));
    const answer = async () => {
      pending.shift()!();
      await flush();
    };
    const connected = model.connect();
    await answer(); // version
    await connected;
    expect(fake.calls).toEqual(['version']);
    await answer(); // the first page; only then the facets
    expect(fake.calls[1]).toBe('investigations?sort=-startDate&limit=100&offset=0');
    expect(model.cache.total).toBe(250);
    expect(pending).toHaveLength(1);
    await answer();
    expect(fake.calls[2]).toBe('facets');
    expect(model.facets.beamline).toEqual([{ value: 'BL04', count: 250 }]);
    model.setFilters({ mine: true }); // the rows again first
    expect(pending).toHaveLength(1);
    await answer();
    await answer();
    expect(fake.calls.slice(3)).toEqual(['investigations?mine=true&sort=-startDate&limit=100&offset=0', 'facets?mine=true']);
    expect(most).toBe(1);
  });

  it('says the server extension is missing on a 404 handshake', async () => {
    const model = new CatalogueModel(new CatalogueClient(makeFakeRoutes({ version: 404 }).request));
    await model.connect();
    expect(model.connection).toBe('missing-server');
  });

  it('says the catalogue is unavailable on a 502 handshake', async () => {
    const model = new CatalogueModel(new CatalogueClient(makeFakeRoutes({ version: 502 }).request));
    await model.connect();
    expect(model.connection).toBe('unavailable');
  });

  it('keeps a failed search for Retry', async () => {
    const model = new CatalogueModel(new CatalogueClient(makeFakeRoutes({ search: 504 }).request));
    await model.connect();
    await flush();
    expect(model.cache.error).toBeInstanceOf(CatalogueRequestError);
    expect((model.cache.error as CatalogueRequestError).isUnavailable).toBe(true);
  });

  it('starts a new result set when a filter changes, and saves filters and sort', async () => {
    const fake = makeFakeRoutes();
    const model = new CatalogueModel(new CatalogueClient(fake.request));
    const saved: unknown[] = [];
    model.stateChanged.connect((_, s) => saved.push(s));
    await model.connect();
    await flush();
    const first = model.cache;
    model.setFilters({ mine: true });
    expect(model.cache).not.toBe(first);
    await flush();
    expect(model.cache.total).toBe(3);
    model.setFilters({ mine: true }); // no change, no search
    expect(saved).toHaveLength(2);
    model.setSort({ field: 'title', descending: false });
    await flush();
    expect(fake.calls[fake.calls.length - 1]).toBe('investigations?mine=true&sort=title&limit=100&offset=0');
    expect(saved[saved.length - 1]).toMatchObject({ filters: { mine: true }, sort: { field: 'title' } });
  });

  it('restores saved state, ignoring what it does not know', () => {
    const model = new CatalogueModel(new CatalogueClient(makeFakeRoutes().request));
    model.restore({ filters: { beamline: ['BL04'], evil: 1 } as never, sort: { field: 'nope' } as never });
    expect(model.filters.beamline).toEqual(['BL04']);
    expect(model.sort).toEqual({ field: 'startDate', descending: true });
  });

  it('keeps Proposal among the columns', () => {
    const model = new CatalogueModel(new CatalogueClient(makeFakeRoutes().request));
    model.setColumns(['title', 'bogus']);
    expect(model.columns).toEqual(['proposal', 'title']);
  });
});
