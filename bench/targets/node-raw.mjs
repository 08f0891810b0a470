// Floor for a closed site: raw `node:http` answering a static 503 with the gate's bytes and headers.
import { gateResponse } from './common.mjs';

export async function create() {
  const { status, headers, body } = await gateResponse();
  return {
    listener: (_req, res) => {
      res.writeHead(status, headers);
      res.end(body);
    },
    info: { bytes: body.length, status },
  };
}
