// The load generator, in its own process (pinned to its own core by run.mjs): runs autocannon when
// the parent asks, and answers with the few numbers the report needs.
//   ← { id, url, headers, connections, pipelining, duration | amount, method?, uniqueBody? }
//     uniqueBody: a body whose `[<id>]` becomes a new number in every request (the signup target sends a
//     new address each time; autocannon's own idReplacement miscounts Content-Length for this id).
//   → { id, total, seconds, p50, p99, non2xx, errors, timeouts, statusCodes, bytes }
import autocannon from 'autocannon';

process.on('message', async (msg) => {
  try {
    const { id, uniqueBody, ...opts } = msg;
    if (uniqueBody) {
      let n = 0;
      opts.requests = [
        {
          method: opts.method,
          setupRequest: (request) => ({ ...request, body: uniqueBody.replace('[<id>]', `${process.pid}-${Date.now()}-${n++}`) }),
        },
      ];
    }
    const result = await autocannon({ ...opts, renderProgressBar: false, renderResultsTable: false, renderLatencyTable: false });
    process.send({
      id,
      total: result.requests.total,
      seconds: result.duration,
      p50: result.latency.p50,
      p99: result.latency.p99,
      non2xx: result.non2xx,
      errors: result.errors,
      timeouts: result.timeouts,
      statusCodes: Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([code, { count }]) => [code, count])),
      bytes: result.throughput.total,
    });
  } catch (error) {
    process.send({ id: msg.id, error: String(error?.stack ?? error) });
  }
});
process.on('disconnect', () => process.exit(0));
process.send({ type: 'ready' });
