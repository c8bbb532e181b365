// jq for `transform.jq`: real jq (jq-web, WebAssembly) in a worker thread, called synchronously from the sensor's
// evaluation: the request is posted, the caller blocks on Atomics.wait for at most JQ_TIMEOUT_MS, and a program that
// runs longer (or loops) has its worker terminated and replaced, so one transform cannot stall the server. The first
// output is returned, as Argo's gojq call takes it.
import { Worker } from 'node:worker_threads';
import { parseJsonLossless } from '../../src/core/json-lossless.js';

export const JQ_TIMEOUT_MS = 500;
const BUFFER_BYTES = 8 * 1024 * 1024;
const MAX_FILTER = 64 * 1024;

interface Slot {
  worker: Worker;
  ctrl: Int32Array;
  bytes: Uint8Array;
}

let slot: Slot | undefined;
let starting: Promise<void> | undefined;

/** Starts the jq worker (the host awaits this before a sensor with a jq transform gets events). */
export function loadJq(): Promise<void> {
  if (slot !== undefined) return Promise.resolve();
  starting ??= new Promise<void>((resolve, reject) => {
    const control = new SharedArrayBuffer(8);
    const data = new SharedArrayBuffer(BUFFER_BYTES);
    const worker = new Worker(new URL('./jq-worker.js', import.meta.url), {
      workerData: { control, data },
      resourceLimits: { maxOldGenerationSizeMb: 128 },
    });
    worker.unref();
    worker.once('message', () => {
      slot = { worker, ctrl: new Int32Array(control), bytes: new Uint8Array(data) };
      starting = undefined;
      resolve();
    });
    worker.once('error', (e: Error) => {
      starting = undefined;
      reject(e);
    });
    worker.once('exit', () => {
      if (slot?.worker === worker) slot = undefined;
    });
  });
  return starting;
}

export type JqOutcome = { ok: true; value: unknown } | { ok: false; error: string };

/** Runs `filter` over `data`; the first output as JSON data (numbers kept exactly), or why not. */
export function runJq(filter: string, data: unknown): JqOutcome {
  const s = slot;
  if (s === undefined) {
    loadJq().catch(() => undefined);
    return { ok: false, error: 'the jq runtime is starting; try again' };
  }
  if (filter.length > MAX_FILTER) return { ok: false, error: `jq program longer than ${MAX_FILTER} characters` };
  Atomics.store(s.ctrl, 0, 0);
  s.worker.postMessage({ filter, input: JSON.stringify(data) });
  if (Atomics.wait(s.ctrl, 0, 0, JQ_TIMEOUT_MS) === 'timed-out') {
    slot = undefined;
    void s.worker.terminate();
    loadJq().catch(() => undefined);
    return { ok: false, error: `jq program ran longer than ${JQ_TIMEOUT_MS} ms` };
  }
  const text = new TextDecoder().decode(s.bytes.slice(0, Atomics.load(s.ctrl, 1)));
  const reply = JSON.parse(text) as { ok: boolean; out?: string; error?: string };
  if (!reply.ok) return { ok: false, error: (reply.error ?? 'jq failed').replace(/^Non-zero exit code: \d+\n?/, '').trim() };
  const first = (reply.out ?? '').split('\n').find((l) => l.trim() !== '');
  if (first === undefined) return { ok: false, error: 'no output available from the jq command execution' };
  try {
    return { ok: true, value: parseJsonLossless(first) };
  } catch {
    return { ok: false, error: 'jq output is not JSON' };
  }
}
