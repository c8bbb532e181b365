// The jq worker thread (see jq.ts): loads jq-web (jq compiled to WebAssembly, shipped in the npm package), answers
// each request `{ filter, input }` by writing `{ok, out|error}` JSON into the shared buffer and waking the caller.
import { createRequire } from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';
import { errorMessage } from '../../src/core/errors.js';

interface Jq {
  raw(input: string, filter: string, flags?: string[]): string;
}

const { control, data } = workerData as { control: SharedArrayBuffer; data: SharedArrayBuffer };
const ctrl = new Int32Array(control);
const bytes = new Uint8Array(data);
const jq = await (createRequire(import.meta.url)('jq-web') as Promise<Jq>);

function answer(reply: { ok: boolean; out?: string; error?: string }): void {
  let encoded = new TextEncoder().encode(JSON.stringify(reply));
  if (encoded.length > bytes.length) encoded = new TextEncoder().encode(JSON.stringify({ ok: false, error: 'jq output too large' }));
  bytes.set(encoded);
  Atomics.store(ctrl, 1, encoded.length);
  Atomics.store(ctrl, 0, 1);
  Atomics.notify(ctrl, 0);
}

parentPort?.on('message', (m: { filter: string; input: string }) => {
  try {
    const out = jq.raw(m.input, m.filter, ['-c']);
    answer({ ok: true, out });
  } catch (e) {
    answer({ ok: false, error: errorMessage(e) });
  }
});
// The first run compiles and sets jq up; do it before announcing readiness so no event pays for it.
jq.raw('{"warm":[1]}', '.warm | map(. + 1) | {a: .}', ['-c']);
parentPort?.postMessage('ready');
