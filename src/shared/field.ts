/**
 * `field(req, 'headers')` is `req.headers`, read the way that is cheap on Express's objects.
 *
 * Express swaps the prototype of every request and response (`Object.setPrototypeOf`), and V8 keeps
 * no transitions from a map made that way: each property Express adds afterwards gives the object a
 * hidden class of its own. Every `req.name` on them therefore misses V8's inline caches and goes to
 * the runtime, about 1,000 instructions a read. A read by key (`req[key]`, the key a variable) is
 * looked up by V8's generic code instead, about 270. On the bypass path, which must cost little more
 * than an empty middleware, the middleware and the response hook read a dozen properties this way
 * (bench/analysis.md, 2026-12-06). Elsewhere plain property access reads better and costs the same.
 */
export function field<T extends object, K extends keyof T>(object: T, key: K): T[K] {
  return object[key];
}
