import type { OnlyMatcher } from './only-paths.js';
import { canonicalPath, rawPath } from './path-rules.js';

/**
 * Where Express mounted a gate (`app.use('/blog', gate)`), learnt from `req.baseUrl` as requests
 * reach the middleware. The listener and the upgrade gate see requests before (or without) Express,
 * so they need it to stay out of the parts of the site the gate does not cover.
 */
export interface MountRecord {
  /** A request has reached the middleware. */
  seen: boolean;
  /** One of them had a `req.baseUrl`: the gate is mounted below `/`. */
  belowRoot: boolean;
  /** The mount paths seen, as requested (`/blog`, `/BLOG`: Express matches mounts case-insensitively). */
  readonly paths: Set<string>;
  /** More distinct mount paths than we keep (a path-parameter mount): every path counts as covered. */
  unbounded: boolean;
}

/** What the listener and the upgrade gate share with their middleware: the mount it learnt, and `only`. */
export interface GateScope {
  mount: MountRecord;
  only: OnlyMatcher;
}

/** A path-parameter mount (`/:tenant`) yields one mount path per tenant; past this, stop listing. */
const MAX_MOUNT_PATHS = 32;

export function createMountRecord(): MountRecord {
  return { seen: false, belowRoot: false, paths: new Set(), unbounded: false };
}

/** Records the mount of one request. Cheap when nothing is new: the middleware calls it on every request. */
export function noteMount(mount: MountRecord, baseUrl: string): void {
  mount.seen = true;
  if (baseUrl === '' || mount.unbounded || mount.paths.has(baseUrl)) return;
  mount.belowRoot = true;
  if (mount.paths.size >= MAX_MOUNT_PATHS) mount.unbounded = true;
  else mount.paths.add(baseUrl);
}

/**
 * `true` when a request that bypassed Express (an upgrade) may concern the gate: it is mounted at the
 * root, or not known yet, or the path lies under a mount path seen, or it cannot be read one way only
 * (`/x/../blog/ws`), which counts as covered: the safe side.
 */
export function coversUrl(mount: MountRecord, url: string): boolean {
  if (!mount.belowRoot || mount.unbounded) return true;
  const canonical = canonicalPath(url);
  if (canonical === undefined) return true;
  const raw = rawPath(url).toLowerCase();
  const decoded = canonical.toLowerCase();
  for (const path of mount.paths) {
    const lower = path.toLowerCase();
    if (isUnder(raw, lower) || isUnder(decoded, lower)) return true;
  }
  return false;
}

function isUnder(path: string, mount: string): boolean {
  return path.startsWith(mount) && (path.length === mount.length || path.charCodeAt(mount.length) === 0x2f);
}
