// Runs one benchmark target as a server in its own process: `node bench/targets/serve.mjs <target>`.
// Listens on 127.0.0.1 (a free port), then talks to the parent over IPC:
//   → { type: 'ready', port, headers, info }        once listening (headers: what the load must send)
//   ← { id, type: 'start' } / → { id, t }           a round starts: CPU usage is marked
//   ← { id, type: 'stop' }  / → { id, t, user, system }  the round ended: CPU µs since the mark
//   ← { id, type: 'rss', gc } / → { id, rss, heapUsed, heapTotal, heapResident, newSpace, … }  memory,
//                                                    after gc() (and 300 ms to settle) if asked and exposed
//   ← { type: 'exit' }                               exit (flushes a --cpu-prof profile)
import http from 'node:http';
import v8 from 'node:v8';

const name = process.argv[2];
if (!name || !/^[a-z0-9-]+$/.test(name)) throw new Error('usage: serve.mjs <target>');
const target = await (await import(`./${name}.mjs`)).create();
const server = http.createServer(target.listener);
server.keepAliveTimeout = 30_000;
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address();
const headers = target.prepare ? await target.prepare(port) : {};

/** Time given to V8's background threads after a forced gc(), before memory is read. */
const SETTLE_MS = 300;

const micros = () => Number(process.hrtime.bigint() / 1000n);
let mark = process.cpuUsage();
process.on('message', async (msg) => {
  switch (msg.type) {
    case 'start':
      mark = process.cpuUsage();
      process.send({ id: msg.id, t: micros() });
      break;
    case 'stop': {
      const t = micros();
      const { user, system } = process.cpuUsage(mark);
      process.send({ id: msg.id, t, user, system });
      break;
    }
    case 'rss': {
      const forced = Boolean(msg.gc) && typeof globalThis.gc === 'function';
      if (forced) {
        globalThis.gc();
        globalThis.gc();
        // V8 sweeps and hands freed pages back on background threads after gc() returns: read
        // immediately and RSS jumps by several MB from one reading to the next.
        await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
      }
      const { rss, heapUsed, heapTotal, external, arrayBuffers } = process.memoryUsage();
      const spaces = v8.getHeapSpaceStatistics();
      // Resident bytes of the V8 heap, and of its young generation (semi-spaces), as the OS sees them.
      const heapResident = spaces.reduce((sum, space) => sum + space.physical_space_size, 0);
      const newSpace = spaces.find((space) => space.space_name === 'new_space')?.physical_space_size ?? 0;
      process.send({ id: msg.id, rss, heapUsed, heapTotal, heapResident, newSpace, external, arrayBuffers, gc: forced });
      break;
    }
    case 'exit':
      process.exit(0);
  }
});
process.on('disconnect', () => process.exit(0));
process.send({ type: 'ready', port, headers, info: target.info ?? {} });
