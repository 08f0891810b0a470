import { createServer, type ServerResponse } from 'node:http';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { headerMap } from '../../src/pages/header-map.js';

// The private caching enforcement writes its two headers straight into Node's map of a response's
// headers when it finds one it can trust (src/pages/header-map.ts). These tests pin that the map is
// found on the Node versions the package supports, and that what is written there is what goes out.

function serve(route: (res: ServerResponse) => void) {
  return createServer((_req, res) => route(res));
}

describe('headerMap', () => {
  it("is Node's own map on this Node: what setHeader wrote is there, what is written there is what getHeader reads", async () => {
    let seen: { before?: unknown; names?: string[]; read?: unknown } = {};
    const server = serve((res) => {
      res.setHeader('X-Set', 'one');
      const map = headerMap(res);
      if (map) {
        seen.before = map['x-set'];
        map['cache-control'] = ['Cache-Control', 'private, no-store'];
        seen = { ...seen, names: res.getHeaderNames(), read: res.getHeader('cache-control') };
      }
      res.end('ok');
    });
    const res = await request(server).get('/');
    expect(seen).toEqual({ before: ['X-Set', 'one'], names: ['x-set', 'cache-control'], read: 'private, no-store' });
    expect(res.headers['cache-control']).toBe('private, no-store');
    expect(res.headers['x-set']).toBe('one');
  });

  it('is undefined on a response with no header set yet: callers then use the public methods', async () => {
    let map: unknown = 'unread';
    const server = serve((res) => {
      map = headerMap(res);
      res.end('ok');
    });
    await request(server).get('/');
    expect(map).toBeUndefined();
  });
});
