/**
 * `/assets/../secret.html` spelled every way that dot segments, encoded or doubled slashes and
 * backslashes, bad escapes and `;` allow: never exempt under an `/assets/*` rule, and never a way to
 * the file. The matcher's unit tests and the HTTP tests against express.static each add their own.
 */
export const ASSETS_TRAVERSALS: readonly string[] = [
  '/assets/../secret.html',
  '/assets/%2e%2e/secret.html',
  '/assets/%2E%2E/secret.html',
  '/assets/..%2fsecret.html',
  '/assets/..%2Fsecret.html',
  '/assets/..%5csecret.html',
  '/assets/%252e%252e/secret.html',
  '/assets/.%2e/secret.html',
  '/assets/%2e./secret.html',
  '/assets\\..\\secret.html',
  '/assets/..\\secret.html',
  '/assets//../secret.html',
  '/assets/%zz',
  '/assets/%c0%ae%c0%ae/secret.html',
  '/assets/..;/secret.html',
];
