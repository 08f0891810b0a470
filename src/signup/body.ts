import type { IncomingMessage } from 'node:http';

/** The largest body the endpoint reads: an address is at most 254 characters; the rest is slack. */
export const MAX_SIGNUP_BODY_BYTES = 4096;
/** A body that has not arrived by then is abandoned (slow-loris clients hold no more than this). */
const BODY_TIMEOUT_MS = 10_000;

export type BodyKind = 'form' | 'json';

/** The two content types the form and API clients send; `undefined` for any other (415). */
export function bodyKind(contentType: string | undefined): BodyKind | undefined {
  if (contentType === undefined) return undefined;
  const semi = contentType.indexOf(';');
  const type = (semi === -1 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
  if (type === 'application/x-www-form-urlencoded') return 'form';
  if (type === 'application/json') return 'json';
  return undefined;
}

export type BodyResult = { text: string } | { status: 400 | 408 | 413 };

/**
 * Reads at most `MAX_SIGNUP_BODY_BYTES` of UTF-8. Stops reading (and answers 413) as soon as the body
 * is over, whatever `Content-Length` claimed; invalid UTF-8 is a 400, not replacement characters.
 */
export function readBody(req: IncomingMessage): Promise<BodyResult> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = (result: BodyResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      // The rest of an oversized or late body is discarded, so the socket can still carry the answer.
      if ('status' in result) req.resume();
      resolve(result);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > MAX_SIGNUP_BODY_BYTES) finish({ status: 413 });
      else chunks.push(chunk);
    };
    const onEnd = (): void => {
      try {
        finish({ text: new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks)) });
      } catch {
        finish({ status: 400 });
      }
    };
    const onError = (): void => finish({ status: 400 });
    const timer = setTimeout(() => finish({ status: 408 }), BODY_TIMEOUT_MS);
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

/** What the form sends, checked for shape only (the address is validated by `normalizeEmail`). */
export interface SignupFields {
  email: unknown;
  consent: boolean;
  token: string | undefined;
  /** The honeypot: filled only by bots that fill every field. */
  honeypot: boolean;
  lang: string | undefined;
}

export type FieldsResult = { fields: SignupFields } | { problem: string };

/** Field names as the form sends them (the honeypot's name is one autofill leaves alone). */
export const FIELD = { email: 'email', consent: 'consent', token: 'token', honeypot: 'nickname', lang: 'lang' } as const;
const KNOWN = new Set<string>(Object.values(FIELD));
const TRUE_VALUES = new Set(['on', 'yes', 'true', '1']);

function fromRecord(record: Record<string, unknown>): FieldsResult {
  const { consent, token, lang, [FIELD.honeypot]: honeypot } = record;
  let agreed = false;
  if (consent === true || (typeof consent === 'string' && TRUE_VALUES.has(consent))) agreed = true;
  else if (!(consent === undefined || consent === false || consent === '' || consent === 'false' || consent === 'no'))
    return { problem: '`consent` must be true or false' };
  if (token !== undefined && typeof token !== 'string') return { problem: '`token` must be a string' };
  if (lang !== undefined && typeof lang !== 'string') return { problem: '`lang` must be a string' };
  if (honeypot !== undefined && typeof honeypot !== 'string') return { problem: `\`${FIELD.honeypot}\` must be a string` };
  return { fields: { email: record.email, consent: agreed, token, honeypot: typeof honeypot === 'string' && honeypot !== '', lang } };
}

/**
 * The fields of a urlencoded or JSON body. A field sent twice is refused rather than guessed at (which
 * copy would a proxy, a log and this code each believe?); so is any body that is not one flat object.
 */
export function parseFields(kind: BodyKind, text: string): FieldsResult {
  if (kind === 'json') {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return { problem: 'the body is not valid JSON' };
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      return { problem: 'the body must be a JSON object like { "email": "name@example.com" }' };
    return fromRecord(value as Record<string, unknown>);
  }
  const record: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [name, value] of new URLSearchParams(text)) {
    if (!KNOWN.has(name)) continue;
    if (name in record) return { problem: `the field \`${name}\` was sent more than once` };
    record[name] = value;
  }
  return fromRecord(record);
}

/**
 * A body an earlier middleware (`express.json()`, `express.urlencoded()`) already read: its parsed
 * object, taken as the fields. `undefined` when the stream is still unread.
 */
export function parsedBody(req: IncomingMessage & { body?: unknown }): FieldsResult | undefined {
  if (!req.readableEnded || req.body === undefined) return undefined;
  const { body } = req;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { problem: 'the body must be an object' };
  for (const value of Object.values(body)) if (Array.isArray(value)) return { problem: 'a field was sent more than once' };
  return fromRecord(body as Record<string, unknown>);
}
