import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isRedisUrl, storeFromEnv } from '../../src/state/stores/from-env.js';

describe('storeFromEnv', () => {
  it.each<[string, Record<string, string | undefined>, unknown]>([
    ['nothing set', {}, undefined],
    ['blank values count as unset', { INTERMISSION_STATE_FILE: '  ', INTERMISSION_REDIS_URL: '' }, undefined],
    ['a state file, made absolute', { INTERMISSION_STATE_FILE: 'state.json' }, { kind: 'file', path: resolve('state.json') }],
    [
      'a Redis URL, default key',
      { INTERMISSION_REDIS_URL: 'redis://localhost:6379' },
      { kind: 'redis', url: 'redis://localhost:6379', key: undefined },
    ],
    [
      'a TLS Redis URL with its key, trimmed',
      { INTERMISSION_REDIS_URL: ' rediss://cache:6380 ', INTERMISSION_REDIS_KEY: ' app:state ' },
      { kind: 'redis', url: 'rediss://cache:6380', key: 'app:state' },
    ],
    ['a key alone names no store', { INTERMISSION_REDIS_KEY: 'app:state' }, undefined],
  ])('%s', (_name, env, spec) => {
    expect(storeFromEnv(env)).toEqual({ spec, issues: [] });
  });

  it('refuses both stores at once, naming both variables', () => {
    const { spec, issues } = storeFromEnv({ INTERMISSION_STATE_FILE: 's.json', INTERMISSION_REDIS_URL: 'redis://localhost' });
    expect(spec).toBeUndefined();
    expect(issues).toEqual([
      {
        field: 'INTERMISSION_STATE_FILE',
        code: 'ERR_INTERMISSION_STORE',
        message: expect.stringContaining('INTERMISSION_REDIS_URL are both set') as string,
      },
    ]);
  });

  it.each(['http://localhost:6379', 'localhost:6379', 'redis//localhost', 'not a url'])('refuses %j as a Redis URL', (url) => {
    const { spec, issues } = storeFromEnv({ INTERMISSION_REDIS_URL: url });
    expect(spec).toBeUndefined();
    expect(issues.map((issue) => issue.field)).toEqual(['INTERMISSION_REDIS_URL']);
  });

  it('never puts a password in a message', () => {
    const { issues } = storeFromEnv({ INTERMISSION_REDIS_URL: 'http://user:hunter2@cache' });
    expect(issues[0]?.message).not.toContain('hunter2');
  });
});

describe('isRedisUrl', () => {
  it.each([
    ['redis://localhost', true],
    ['rediss://user:pw@cache:6380/2', true],
    ['REDIS://localhost', true],
    ['http://localhost', false],
    ['', false],
  ])('%j: %s', (url, expected) => {
    expect(isRedisUrl(url)).toBe(expected);
  });
});
