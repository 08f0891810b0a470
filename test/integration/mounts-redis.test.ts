import request from 'supertest';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { intermission, redisStore, type RedisStore } from '../../src/index.js';
import { expressVersions, recordingLogger, REAL_SITE } from '../helpers/app.js';
import { describeRedis, startRedis, type RedisServer } from '../helpers/redis-server.js';

const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (closers.length) await closers.pop()!();
});

async function eventually(check: () => Promise<boolean>, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not met within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describeRedis('several gates on one Redis, one key each', () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(async () => {
    await server.stop();
  });

  it.each(expressVersions)('follows only its own key (%s)', async (_name, expressFactory) => {
    const suffix = expressFactory === expressVersions[0][1] ? '5' : '4';
    const keys = { api: `intermission:api${suffix}`, blog: `intermission:blog${suffix}` };
    const writers: Record<'api' | 'blog', RedisStore> = {
      api: redisStore({ url: server.url, key: keys.api }),
      blog: redisStore({ url: server.url, key: keys.blog }),
    };
    closers.push(
      () => writers.api.close(),
      () => writers.blog.close(),
    );
    await writers.api.set({ mode: 'maintenance', updatedAt: new Date().toISOString() });
    await writers.blog.set({ mode: 'coming-soon', updatedAt: new Date().toISOString() });

    const logger = recordingLogger();
    const api = intermission({ configFile: false, env: {}, logger, store: redisStore({ url: server.url, key: keys.api }) });
    const blog = intermission({ configFile: false, env: {}, logger, store: redisStore({ url: server.url, key: keys.blog }) });
    closers.push(
      () => api.close(),
      () => blog.close(),
    );
    await Promise.all([api.ready(), blog.ready()]);
    const app = expressFactory();
    app.use('/api', api);
    app.use('/blog', blog);
    app.get('/api/status', (_req, res) => void res.json({ real: REAL_SITE }));
    app.get('/blog/post', (_req, res) => void res.send(`${REAL_SITE} post`));
    app.get('/', (_req, res) => void res.send(`${REAL_SITE} home`));

    expect((await request(app).get('/api/status').set('Accept', 'application/json')).body).toMatchObject({ status: 'maintenance' });
    expect((await request(app).get('/blog/post')).text).toContain('Coming soon');
    expect((await request(app).get('/')).text).toBe(`${REAL_SITE} home`);

    // `intermission up --redis-key intermission:blog…`: only the blog opens.
    await writers.blog.set({ mode: 'off', updatedAt: new Date().toISOString() });
    await eventually(async () => (await request(app).get('/blog/post')).text === `${REAL_SITE} post`);
    expect((await request(app).get('/api/status')).status).toBe(503);
    expect(api.status()).toMatchObject({ mode: 'maintenance' });
    expect(blog.status()).toMatchObject({ mode: 'off' });
  });
});
