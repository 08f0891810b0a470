import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { field } from '../shared/field.js';

/**
 * Node's own map of a response's outgoing headers, for the one caller that runs on every bypassed
 * request: the private caching enforcement (private-responses.ts).
 *
 * `getHeaderNames()` and two `setHeader()` calls cost about 7,000 instructions there, because each
 * of Node's methods reads its response's fields, and an Express response has a hidden class of its
 * own, so every such read misses V8's caches (shared/field.ts, bench/analysis.md). The map they all
 * work on, `{ [lowercased name]: [name, value] }` under Node's `kOutHeaders` symbol, reads and
 * writes for a few hundred. It is used only when this Node keeps it that way: checked once, on a
 * response of its own, that what the public methods set shows in the map and what is put in the map
 * shows through the public methods. Otherwise `headerMap` returns `undefined` and callers use the
 * public methods, as they do for a response without the map (HTTP/2's compatibility layer).
 */

/** A response's outgoing headers as Node keeps them: lowercased name → `[name as set, value]`. */
export type HeaderMap = Record<string, [string, unknown] | undefined>;

/** `kOutHeaders`, once found to behave as described above; `null` when it does not (or is absent). */
let mapKey: symbol | null | undefined;

/** Finds `kOutHeaders` on a response of our own and checks that the map is the one the methods use. */
function findMapKey(): symbol | null {
  try {
    const res = new ServerResponse(new IncomingMessage(new Socket()));
    const key = Object.getOwnPropertySymbols(res).find((symbol) => symbol.description === 'kOutHeaders');
    if (key === undefined) return null;
    res.setHeader('X-Intermission-Probe', 'set');
    const map = (res as unknown as Record<symbol, HeaderMap | null>)[key];
    const entry = map?.['x-intermission-probe'];
    if (!map || !Array.isArray(entry) || entry[0] !== 'X-Intermission-Probe' || entry[1] !== 'set') return null;
    map['x-intermission-written'] = ['X-Intermission-Written', 'written'];
    const names = res.getHeaderNames();
    const readBack =
      res.getHeader('X-Intermission-Written') === 'written' && names.length === 2 && names.includes('x-intermission-written');
    return readBack ? key : null;
  } catch {
    return null;
  }
}

/**
 * The live header map of `res`, to read and write in place of `getHeader`/`setHeader`; `undefined`
 * when this Node does not keep one as expected, or `res` has none yet (no header set so far).
 * Writing is only sound before the headers are sent, with names lowercased and values already valid.
 */
export function headerMap(res: ServerResponse): HeaderMap | undefined {
  if (mapKey === undefined) mapKey = findMapKey();
  if (mapKey === null) return undefined;
  // By key, as every read of an Express response on this path (shared/field.ts).
  const map = field(res as unknown as Record<symbol, HeaderMap | null | undefined>, mapKey);
  return map ?? undefined;
}
