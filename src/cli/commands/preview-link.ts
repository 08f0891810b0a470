import { createPreviewToken } from '../../bypass/preview-token.js';
import { safeNext } from '../../bypass/safe-next.js';
import { MAX_PREVIEW_TTL_SECONDS } from '../../shared/limits.js';
import { stringValue } from '../args.js';
import { loadConfig, print, type Command, type Context } from '../context.js';
import { parseDuration } from '../durations.js';
import { CliError, EXIT, usageError } from '../errors.js';
import { formatSpan, iso } from '../format.js';

const DEFAULT_BASE_URL = 'http://localhost:3000';
const DEFAULT_PREVIEW_TTL = '1h';

function runPreviewLink(ctx: Context): void {
  const { values, now } = ctx;
  const base = parseBaseUrl(stringValue(values, 'base') ?? DEFAULT_BASE_URL);
  const ttlText = stringValue(values, 'ttl') ?? DEFAULT_PREVIEW_TTL;
  const ttlSeconds = parseDuration(ttlText);
  if (ttlSeconds === undefined || ttlSeconds > MAX_PREVIEW_TTL_SECONDS) {
    throw usageError(`--ttl ${JSON.stringify(ttlText)} is not a duration of at most 30 days; write it like 30m, 1h or 7d`);
  }
  const nextText = stringValue(values, 'next') ?? '/';
  const next = safeNext(nextText);
  if (next === undefined)
    throw usageError(`--next ${JSON.stringify(nextText)} is not a path on the site; write it like /blog/launch (no scheme, host or //)`);
  const config = loadConfig(ctx.io.env);
  if (config.secrets.length === 0) {
    throw new CliError(
      EXIT.FAILURE,
      'ERR_INTERMISSION_NO_SECRET',
      'no secret to sign the link with; set INTERMISSION_SECRET (generate one with intermission secret) to the secret the app uses, or "secret" in the config file',
    );
  }
  const token = createPreviewToken(config.secrets, { ttlSeconds, next, now: () => now });
  const url = `${base}${config.previewPath}?token=${encodeURIComponent(token)}`;
  const expiresAt = iso(now + ttlSeconds * 1000);
  print(ctx, { url, next, expiresAt }, url);
  if (!ctx.json)
    ctx.io.stderr(
      `intermission: the link works until ${expiresAt} (${formatSpan(ttlSeconds * 1000)}) for anyone who has it; intermission revoke-previews cancels it\n`,
    );
}

function parseBaseUrl(text: string): string {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  if (
    !url ||
    (url.protocol !== 'http:' && url.protocol !== 'https:') ||
    url.search !== '' ||
    url.hash !== '' ||
    url.username !== '' ||
    url.password !== ''
  ) {
    throw usageError(`--base ${JSON.stringify(text)} is not an http(s) site URL; write it like https://example.com (no query or fragment)`);
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

export const previewLink: Command = {
  summary: 'Print a signed link that lets its holder see the closed site',
  usage: 'intermission preview-link [--base URL] [--ttl DURATION] [--next PATH]',
  notes: 'Signs with INTERMISSION_SECRET or the "secret" of the config file (INTERMISSION_CONFIG, default config/intermission.json).',
  options: {
    base: { type: 'string', arg: 'URL', help: `Site URL the link points to (default ${DEFAULT_BASE_URL})` },
    ttl: { type: 'string', arg: 'DURATION', help: `How long the link works, at most 30d (default ${DEFAULT_PREVIEW_TTL})` },
    next: { type: 'string', arg: 'PATH', help: 'Path to land on after following the link (default /)' },
  },
  store: 'none',
  run: runPreviewLink,
};
