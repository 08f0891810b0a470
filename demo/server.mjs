// The demo: a one-article blog behind Intermission. `npm start` runs it in coming-soon mode;
// INTERMISSION_MODE=maintenance or =off (and every other INTERMISSION_* variable) change that.
// PORT picks the port (0: any free one; the address is printed).
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { marked } from 'marked';
import { createPreviewToken, intermission } from '../dist/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const articlePath = join(here, 'content/article.md');
const port = Number(process.env.PORT ?? 3000);
const HOUR = 3600_000;

// A fresh secret per run unless one is configured: preview links from an earlier run stop working.
const secret = process.env.INTERMISSION_SECRET?.split(',')[0] ?? randomBytes(32).toString('base64url');
const nextHour = Math.ceil(Date.now() / HOUR) * HOUR;

const gate = intermission({
  mode: 'coming-soon',
  secret,
  launchAt: new Date(nextHour + 3 * 24 * HOUR),
  until: new Date(nextHour + 2 * HOUR),
  teaser: { file: articlePath },
  allow: { paths: ['/assets/*'] },
  // One text per mode, so each page reads right whichever mode the demo runs in.
  page: {
    maintenance: { message: 'The demo blog is getting a quick tune-up. It will be back within two hours.' },
    'coming-soon': { message: 'Our first story goes live soon. Here is a taste of it.' },
  },
});

const source = readFileSync(articlePath, 'utf8');
const [, frontMatter = '', body = source] = /^---\n([\s\S]*?)\n---\n([\s\S]*)$/.exec(source) ?? [];
const title = /^title:\s*(.+)$/m.exec(frontMatter)?.[1] ?? 'Article';
const articleHtml = marked.parse(body.replace('<!--more-->', ''), { async: false });
const escape = (text) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const page = (content) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(title)}</title><link rel="stylesheet" href="/assets/blog.css"></head>
<body><header><a href="/">The Intermission Demo Blog</a></header><main>${content}</main>
<footer>A demo of the <code>intermission</code> package.</footer></body></html>`;

const app = express();
app.use(gate);
app.use('/assets', express.static(join(here, 'public/assets'), { maxAge: '1h' }));
app.get('/', (_req, res) => {
  const banner = res.locals.intermission
    ? `<p class="banner">You are previewing a closed site (bypass: ${escape(res.locals.intermission.bypass)}).</p>`
    : '';
  res.send(page(`${banner}<article><h1>${escape(title)}</h1><img src="/assets/partnership.svg" alt="">${articleHtml}</article>`));
});
app.get('/healthz', (_req, res) => void res.send('ok'));

/** How to see the demo's other modes, and how to switch it while it runs: printed at start-up. */
function howToSwitch(mode) {
  const others = ['coming-soon', 'maintenance', 'off'].filter((other) => other !== mode);
  const stateFile = process.env.INTERMISSION_STATE_FILE;
  const lines = [`See it in another mode: ${others.map((other) => `INTERMISSION_MODE=${other} npm start`).join('   or   ')}`];
  if (stateFile) {
    lines.push(`Switch it while it runs: node dist/cli.js down --state-file ${stateFile}   (up to open, status to look)`);
  } else {
    lines.push(
      'Switch it while it runs: start it with INTERMISSION_STATE_FILE=demo-state.json npm start, then',
      '  node dist/cli.js down --state-file demo-state.json   (up to open, status to look)',
    );
  }
  return lines;
}

const server = app.listen(port, () => {
  const base = `http://localhost:${server.address().port}`;
  const token = createPreviewToken(secret, { ttlSeconds: 24 * 3600, next: '/' });
  const mode = process.env.INTERMISSION_MODE ?? 'coming-soon';
  console.log(`Intermission demo on ${base} (mode: ${mode})`);
  console.log(`Preview link (24 h): ${base}/__intermission/preview?token=${token}`);
  for (const line of howToSwitch(mode)) console.log(line);
});

const stop = () => {
  server.close();
  void gate.close();
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
