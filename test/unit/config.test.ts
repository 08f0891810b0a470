import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/resolve.js';
import { fileStore, IntermissionConfigError, intermission, type StateStore } from '../../src/index.js';

const SECRET = 'a'.repeat(32);

function resolve(options: Record<string, unknown>, env: Record<string, string> = {}) {
  return resolveConfig({ configFile: false, env, ...options });
}

function configFile(content: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'intermission-config-'));
  const path = join(dir, 'intermission.json');
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

describe('resolveConfig', () => {
  describe('defaults', () => {
    it('is off with the documented defaults', () => {
      const { config, issues } = resolve({});
      expect(issues).toEqual([]);
      expect(config).toMatchObject({
        mode: 'off',
        modeSource: 'default',
        retryAfter: 3600,
        statusCode: 200,
        previewPath: '/__intermission/preview',
        cookie: { name: 'intermission_bypass', maxAge: 43200 },
        noindex: false,
        secrets: [],
      });
      expect(config?.paths).toEqual(['/healthz', '/readyz', '/livez', '/robots.txt', '/favicon.ico', '/.well-known/*']);
    });

    it('treats an explicit undefined as the default', () => {
      const { config } = resolve({ mode: undefined, retryAfter: undefined, cookie: { name: undefined }, allow: { ips: undefined } });
      expect(config?.mode).toBe('off');
      expect(config?.retryAfter).toBe(3600);
      expect(config?.cookie.name).toBe('intermission_bypass');
    });

    it('drops the default open paths when asked', () => {
      expect(resolve({ allow: { defaultPaths: false, paths: ['/status'] } }).config?.paths).toEqual(['/status']);
    });
  });

  describe('precedence: defaults < config file < options < env', () => {
    it('lets each layer override the one below', () => {
      const file = configFile({ mode: 'coming-soon', retryAfter: 10, noindex: true });
      const fromFile = resolveConfig({ configFile: file, env: {} }).config;
      expect(fromFile).toMatchObject({ mode: 'coming-soon', modeSource: 'config file', retryAfter: 10, noindex: true });

      const fromOptions = resolveConfig({ configFile: file, env: {}, mode: 'maintenance' }).config;
      expect(fromOptions).toMatchObject({ mode: 'maintenance', modeSource: 'options', retryAfter: 10 });

      const fromEnv = resolveConfig({
        configFile: file,
        env: { INTERMISSION_MODE: 'off', INTERMISSION_RETRY_AFTER: '99' },
        mode: 'maintenance',
      }).config;
      expect(fromEnv).toMatchObject({ mode: 'off', modeSource: 'env', retryAfter: 99, noindex: true });
    });

    it('reads INTERMISSION_CONFIG, and config/intermission.json only when it exists', () => {
      const file = configFile({ mode: 'maintenance' });
      expect(resolveConfig({ env: { INTERMISSION_CONFIG: file } }).config?.mode).toBe('maintenance');
      const missing = resolveConfig({ env: { INTERMISSION_CONFIG: '/nonexistent/intermission.json' } });
      expect(missing.issues[0]).toMatchObject({ code: 'ERR_INTERMISSION_CONFIG_FILE' });
    });

    it('parses list variables and secrets for rotation', () => {
      const { config } = resolve(
        {},
        {
          INTERMISSION_ALLOW_IPS: ' 10.0.0.0/8, 192.168.1.1 ,',
          INTERMISSION_ALLOW_PATHS: '/status,/hooks/*',
          INTERMISSION_SECRET: `${SECRET},${'b'.repeat(40)}`,
          INTERMISSION_UNTIL: '2026-12-24T18:00:00Z',
        },
      );
      expect(config?.ips).toEqual(['10.0.0.0/8', '192.168.1.1']);
      expect(config?.paths).toContain('/hooks/*');
      expect(config?.secrets).toEqual([SECRET, 'b'.repeat(40)]);
      expect(config?.until).toBe(Date.parse('2026-12-24T18:00:00Z'));
    });

    it('treats empty variables as unset', () => {
      expect(resolve({ mode: 'maintenance' }, { INTERMISSION_MODE: '' }).config?.mode).toBe('maintenance');
    });
  });

  describe('store', () => {
    const get = () => null;
    const cases: [string, unknown, RegExp[]][] = [
      ['an empty object', {}, [/^has no get\(\) method .*fileStore\(path\), redisStore\(\{ url \}\)/]],
      ['null', null, [/^expected a StateStore, got null; pass fileStore/]],
      ['a Redis URL instead of a store', 'redis://localhost:6379', [/^expected a StateStore, got string; /]],
      ['get that is not a function', { get: 'state' }, [/^has no get\(\) method/]],
      ['set that is not a function', { get, set: true }, [/^store\.set is boolean true, not a function; .*set\(\) is optional/]],
      [
        'two methods that are not functions, and no get',
        { subscribe: {}, close: 1 },
        [/^has no get\(\) method/, /^store\.subscribe is an object, not a function/, /^store\.close is number 1, not a function/],
      ],
    ];
    it.each(cases)('refuses %s, naming the method and the fix', (_name, store, messages) => {
      const { config, issues } = resolve({ store });
      expect(config).toBeUndefined();
      expect(issues.map((issue) => [issue.field, issue.code])).toEqual(messages.map(() => ['store', 'ERR_INTERMISSION_STORE']));
      messages.forEach((message, index) => expect(issues[index]?.message).toMatch(message));
    });

    it('accepts a store with only get(), and a real store instance with methods on its prototype', () => {
      const store: StateStore = { get };
      expect(resolve({ store }).config?.store).toEqual({ kind: 'options', store });
      const dir = mkdtempSync(join(tmpdir(), 'intermission-config-store-'));
      const real = fileStore(join(dir, 'state.json'));
      expect(resolve({ store: real }).issues).toEqual([]);
      void real.close?.();
    });

    it('checks the option even when the environment names another store', () => {
      const { issues } = resolve({ store: {} }, { INTERMISSION_STATE_FILE: '/tmp/state.json' });
      expect(issues).toEqual([expect.objectContaining({ field: 'store', code: 'ERR_INTERMISSION_STORE' })]);
    });

    it('is reported by intermission() with every other problem in one IntermissionConfigError, before any store is opened', () => {
      let thrown: unknown;
      try {
        intermission({ configFile: false, env: {}, mode: 'closed' as 'off', store: { set() {} } as unknown as StateStore });
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(IntermissionConfigError);
      const error = thrown as IntermissionConfigError;
      expect(error.issues.map((issue) => issue.field)).toEqual(['store', 'mode']);
      expect(error.message).toMatch(
        /^Intermission: invalid configuration \(2 problems\):\n {2}- store: has no get\(\) method \(store\.get must be a function\); /,
      );
      expect(error.message).toContain('docs/errors.md#err_intermission_store');
    });
  });

  describe('errors', () => {
    const cases: [string, Record<string, unknown>, Record<string, string>, string, string][] = [
      ['a typo in the mode env var', {}, { INTERMISSION_MODE: 'mantenance' }, 'INTERMISSION_MODE', 'ERR_INTERMISSION_INVALID_MODE'],
      ['a typo in the mode option', { mode: 'Maintenance' }, {}, 'mode', 'ERR_INTERMISSION_INVALID_MODE'],
      ['a short secret', { secret: 'short' }, {}, 'secret', 'ERR_INTERMISSION_INVALID_SECRET'],
      ['a short secret in a list', { secret: [SECRET, 'x'] }, {}, 'secret[1]', 'ERR_INTERMISSION_INVALID_SECRET'],
      [
        'a non-numeric retry env var',
        {},
        { INTERMISSION_RETRY_AFTER: '1e3' },
        'INTERMISSION_RETRY_AFTER',
        'ERR_INTERMISSION_INVALID_NUMBER',
      ],
      ['a negative retryAfter', { retryAfter: -1 }, {}, 'retryAfter', 'ERR_INTERMISSION_INVALID_NUMBER'],
      ['NaN retryAfter', { retryAfter: Number.NaN }, {}, 'retryAfter', 'ERR_INTERMISSION_INVALID_NUMBER'],
      ['Infinity retryAfter', { retryAfter: Number.POSITIVE_INFINITY }, {}, 'retryAfter', 'ERR_INTERMISSION_INVALID_NUMBER'],
      ['a date without a zone', { until: '2026-12-24T18:00' }, {}, 'until', 'ERR_INTERMISSION_INVALID_DATE'],
      ['a date that does not exist', { launchAt: '2026-02-30T10:00:00Z' }, {}, 'launchAt', 'ERR_INTERMISSION_INVALID_DATE'],
      ['an invalid Date object', { until: new Date('nope') }, {}, 'until', 'ERR_INTERMISSION_INVALID_DATE'],
      ['a bad launch env var', {}, { INTERMISSION_LAUNCH_AT: 'tomorrow' }, 'INTERMISSION_LAUNCH_AT', 'ERR_INTERMISSION_INVALID_DATE'],
      ['a non-canonical IP', { allow: { ips: ['010.0.0.1'] } }, {}, 'allow.ips[0]', 'ERR_INTERMISSION_INVALID_IP'],
      ['a short IP', {}, { INTERMISSION_ALLOW_IPS: '10.0.0.1,127.1' }, 'INTERMISSION_ALLOW_IPS (item 2)', 'ERR_INTERMISSION_INVALID_IP'],
      ['an impossible CIDR', { allow: { ips: ['10.0.0.0/33'] } }, {}, 'allow.ips[0]', 'ERR_INTERMISSION_INVALID_CIDR'],
      ['an IPv4 range that admits everyone', { allow: { ips: ['0.0.0.0/0'] } }, {}, 'allow.ips[0]', 'ERR_INTERMISSION_INVALID_CIDR'],
      [
        'an IPv6 range that admits every IPv4 client',
        { allow: { ips: ['10.0.0.1', '::ffff:0:0/96'] } },
        {},
        'allow.ips[1]',
        'ERR_INTERMISSION_INVALID_CIDR',
      ],
      [
        'an IPv6 range that admits everyone',
        {},
        { INTERMISSION_ALLOW_IPS: '::/0' },
        'INTERMISSION_ALLOW_IPS (item 1)',
        'ERR_INTERMISSION_INVALID_CIDR',
      ],
      ['a path without a slash', { allow: { paths: ['healthz'] } }, {}, 'allow.paths[0]', 'ERR_INTERMISSION_INVALID_PATH'],
      ['a cookie maxAge in milliseconds', { cookie: { maxAge: 43_200_000 } }, {}, 'cookie.maxAge', 'ERR_INTERMISSION_INVALID_NUMBER'],
      ['a bypass that is not a function', { allow: { bypass: true } }, {}, 'allow.bypass', 'ERR_INTERMISSION_INVALID_OPTION'],
      ['a logger without warn', { logger: { error() {} } }, {}, 'logger', 'ERR_INTERMISSION_INVALID_OPTION'],
      ['a preview path with dot segments', { previewPath: '/a/../b' }, {}, 'previewPath', 'ERR_INTERMISSION_INVALID_OPTION'],
    ];
    it.each(cases)('reports %s', (_name, options, env, field, code) => {
      const { config, issues } = resolve(options, env);
      expect(config).toBeUndefined();
      expect(issues).toContainEqual(expect.objectContaining({ field, code }));
      // Every message says what is wrong and how to fix it.
      for (const issue of issues) expect(issue.message.length).toBeGreaterThan(10);
    });

    it('suggests the option that was meant', () => {
      const { issues } = resolve({ retryAftr: 10, allow: { ip: ['10.0.0.1'] } });
      expect(issues).toContainEqual(
        expect.objectContaining({
          field: 'retryAftr',
          code: 'ERR_INTERMISSION_UNKNOWN_OPTION',
          message: expect.stringContaining('"retryAfter"'),
        }),
      );
      expect(issues).toContainEqual(expect.objectContaining({ field: 'allow.ip', message: expect.stringContaining('"ips"') }));
    });

    it('lists every problem at once', () => {
      const { issues } = resolve({ mode: 'nope', secret: 'short', allow: { ips: ['1.2.3.4/40'] } }, { INTERMISSION_RETRY_AFTER: 'soon' });
      expect(issues.map((issue) => issue.field).sort()).toEqual(['INTERMISSION_RETRY_AFTER', 'allow.ips[0]', 'mode', 'secret']);
    });

    it('names the config file in its issues', () => {
      const file = configFile({ mode: 'closed' });
      const { issues } = resolveConfig({ configFile: file, env: {} });
      expect(issues[0]?.field).toBe(`${file} › mode`);
      const broken = configFile('{ "mode": ');
      expect(resolveConfig({ configFile: broken, env: {} }).issues[0]).toMatchObject({ code: 'ERR_INTERMISSION_CONFIG_FILE' });
    });

    it('rejects non-object options and app.use(intermission) without the call', () => {
      expect(resolveConfig('maintenance').issues[0]?.code).toBe('ERR_INTERMISSION_INVALID_OPTION');
      const fakeRequest = { method: 'GET', url: '/', headers: {}, socket: {} };
      expect(resolveConfig(fakeRequest).issues[0]?.code).toBe('ERR_INTERMISSION_NOT_CALLED');
    });

    it('throws one IntermissionConfigError from intermission()', () => {
      let thrown: unknown;
      try {
        intermission({ configFile: false, env: { INTERMISSION_MODE: 'mantenance' }, secret: 'short' });
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(IntermissionConfigError);
      const error = thrown as IntermissionConfigError;
      expect(error.issues).toHaveLength(2);
      expect(error.message).toContain('INTERMISSION_MODE');
      expect(error.message).toContain('use "off", "maintenance" or "coming-soon"');
      expect(error.code).toBe(error.issues[0]?.code);
    });
  });
});
