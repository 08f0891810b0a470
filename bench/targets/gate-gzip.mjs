// The same closed site as `gate`; the load asks for `Accept-Encoding: gzip` (prebuilt gzip body).
import { create as createGate } from './gate.mjs';
import { fetchOnce } from './common.mjs';

export async function create() {
  const target = await createGate();
  return {
    ...target,
    async prepare(port) {
      const res = await fetchOnce(port, '/', { 'accept-encoding': 'gzip' });
      if (res.headers['content-encoding'] !== 'gzip') throw new Error('the gate did not answer gzip');
      return { 'accept-encoding': 'gzip' };
    },
  };
}
