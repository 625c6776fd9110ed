import { PageCache, PageCacheChange, pagesOf } from '../pages';

interface IRequest {
  offset: number;
  limit: number;
  signal: AbortSignal;
  resolve: (total: number) => void;
  reject: (error: unknown) => void;
}

/** A fake server: requests wait until the test answers them. */
function makeServer() {
  const requests: IRequest[] = [];
  const fetch = (offset: number, limit: number, signal: AbortSignal) =>
    new Promise<{ total: number; items: number[] }>((resolve, reject) => {
      const request: IRequest = {
        offset,
        limit,
        signal,
        resolve: total => {
          const items: number[] = [];
          for (let i = offset; i < Math.min(total, offset + limit); i++) {
            items.push(i);
          }
          resolve({ total, items });
        },
        reject
      };
      signal.addEventListener('abort', () => {
        const error = new Error('aborted');
        error.name = 'AbortError';
        reject(error);
      });
      requests.push(request);
    });
  return { requests, fetch };
}

const flush = () => new Promise(resolve => setTimeout(resolve, 0));

describe('pagesOf', () => {
  it('covers the rows, clamped to the total', () => {
    expect(pagesOf(0, 29, 100, null)).toEqual([0]);
    expect(pagesOf(95, 130, 100, 1000)).toEqual([0, 1]);
    expect(pagesOf(95, 130, 100, 120)).toEqual([0, 1]);
    expect(pagesOf(150, 180, 100, 120)).toEqual([]);
    expect(pagesOf(0, 10, 100, 0)).toEqual([]);
  });
});

describe('PageCache', () => {
  it('fetches the page a window needs, once', async () => {
    const server = makeServer();
    const changes: PageCacheChange[] = [];
    const cache = new PageCache(server.fetch, { onChange: c => changes.push(c) });
    cache.ensure(0, 30);
    cache.ensure(0, 30);
    expect(server.requests).toHaveLength(1);
    expect(cache.getRow(5)).toBeUndefined();
    server.requests[0].resolve(100_000);
    await flush();
    expect(cache.total).toBe(100_000);
    expect(cache.getRow(5)).toBe(5);
    expect(changes.map(c => c.kind)).toEqual(['loading', 'total', 'page']);
    cache.ensure(10, 40);
    expect(server.requests).toHaveLength(1);
  });

  it('keeps at most one request in flight and aborts one no longer needed', async () => {
    const server = makeServer();
    const cache = new PageCache(server.fetch);
    cache.ensure(0, 30);
    server.requests[0].resolve(100_000);
    await flush();
    cache.ensure(50_000, 50_030); // jump
    expect(cache.inFlight).toBe(500);
    cache.ensure(70_000, 70_030); // jump again before it arrives
    expect(server.requests[1].signal.aborted).toBe(true);
    expect(server.requests).toHaveLength(3);
    expect(cache.inFlight).toBe(700);
    server.requests[2].resolve(100_000);
    await flush();
    expect(cache.getRow(70_010)).toBe(70_010);
    expect(cache.hasRow(50_010)).toBe(false);
    expect(cache.error).toBeNull();
  });

  it('fetches the pages of a window that spans two, one after the other', async () => {
    const server = makeServer();
    const cache = new PageCache(server.fetch);
    cache.ensure(0, 10);
    server.requests[0].resolve(1000);
    await flush();
    cache.ensure(190, 220);
    expect(server.requests.map(r => r.offset)).toEqual([0, 100]);
    server.requests[1].resolve(1000);
    await flush();
    expect(server.requests.map(r => r.offset)).toEqual([0, 100, 200]);
    server.requests[2].resolve(1000);
    await flush();
    expect(cache.getRow(220)).toBe(220);
    expect(server.requests).toHaveLength(3);
  });

  it('fetches the page of the rows on screen before a page of overscan rows', async () => {
    const server = makeServer();
    const cache = new PageCache(server.fetch);
    cache.ensure(0, 10);
    server.requests[0].resolve(100_000);
    await flush();
    // a jump to row 50,000: 10 overscan rows above it are on page 499
    cache.ensure(49_990, 50_034, 50_000, 50_024);
    expect(server.requests.map(r => r.offset)).toEqual([0, 50_000]);
    server.requests[1].resolve(100_000);
    await flush();
    expect(server.requests.map(r => r.offset)).toEqual([0, 50_000, 49_900]);
    server.requests[2].resolve(100_000);
    await flush();
    expect(cache.getRow(49_990)).toBe(49_990);
    expect(server.requests).toHaveLength(3);
  });

  it('keeps the most recently used pages only', async () => {
    const server = makeServer();
    const cache = new PageCache(server.fetch, { pageSize: 10, maxPages: 3 });
    for (const page of [0, 1, 2]) {
      cache.ensure(page * 10, page * 10 + 5);
      server.requests[server.requests.length - 1].resolve(1000);
      await flush();
    }
    expect(cache.getRow(0)).toBe(0); // page 0 becomes the most recent
    cache.ensure(30, 35);
    server.requests[server.requests.length - 1].resolve(1000);
    await flush();
    expect(cache.cachedPages).toEqual([2, 0, 3]);
    expect(cache.hasRow(15)).toBe(false);
  });

  it('starts over when the total changes between pages', async () => {
    const server = makeServer();
    const changes: PageCacheChange[] = [];
    const cache = new PageCache(server.fetch, { onChange: c => changes.push(c) });
    cache.ensure(0, 10);
    server.requests[0].resolve(1000);
    await flush();
    cache.ensure(500, 510);
    server.requests[1].resolve(1001);
    await flush();
    expect(cache.total).toBe(1001);
    expect(cache.hasRow(0)).toBe(false);
    expect(cache.getRow(505)).toBe(505);
    expect(changes[changes.length - 1]).toEqual({ kind: 'total', total: 1001, previous: 1000 });
  });

  it('never asks for rows beyond the total', async () => {
    const server = makeServer();
    const cache = new PageCache(server.fetch);
    cache.ensure(0, 10);
    server.requests[0].resolve(42);
    await flush();
    cache.ensure(0, 500);
    expect(server.requests).toHaveLength(1);
    expect(cache.getRow(41)).toBe(41);
    expect(cache.getRow(42)).toBeUndefined();
  });

  it('stops on a failure until retry', async () => {
    const server = makeServer();
    const changes: PageCacheChange[] = [];
    const cache = new PageCache(server.fetch, { onChange: c => changes.push(c) });
    cache.ensure(0, 10);
    server.requests[0].reject(new Error('catalogue down'));
    await flush();
    expect((cache.error as Error).message).toBe('catalogue down');
    expect(changes[changes.length - 1].kind).toBe('error');
    cache.ensure(0, 10);
    expect(server.requests).toHaveLength(1);
    cache.retry();
    expect(server.requests).toHaveLength(2);
    server.requests[1].resolve(3);
    await flush();
    expect(cache.error).toBeNull();
    expect(cache.getRow(2)).toBe(2);
  });

  it('ignores answers that arrive after clear or dispose', async () => {
    const server = makeServer();
    const changes: PageCacheChange[] = [];
    const cache = new PageCache(server.fetch, { onChange: c => changes.push(c) });
    cache.ensure(0, 10);
    cache.dispose();
    expect(server.requests[0].signal.aborted).toBe(true);
    await flush();
    cache.ensure(0, 10);
    expect(server.requests).toHaveLength(1);
    expect(changes.map(c => c.kind)).toEqual(['loading']);
  });
});
