// `weir server` runs the event source host: an EventSource manifest applied at start serves its webhook on the
// server's address and answers 200 after the (embedded) bus acknowledged; stopping the server closes the port.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { memoryIo } from '../../src/cli/io.js';
import { startServer } from '../../src/cli/server.js';
import { freePort } from '../helpers/nats-server.js';
import { eventually } from './kit.js';

test('weir server serves EventSource webhooks through its bus', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'weir-evsrv-'));
  const port = await freePort();
  const manifest = join(dir, 'es.yaml');
  await writeFile(
    manifest,
    [
      'apiVersion: argoproj.io/v1alpha1',
      'kind: EventSource',
      'metadata:',
      '  name: hooks',
      'spec:',
      '  webhook:',
      '    push:',
      `      port: "${port}"`,
      '      endpoint: /push',
      '      method: POST',
      '',
    ].join('\n'),
  );
  const srv = await startServer(
    { dataDir: join(dir, 'data'), authToken: undefined, port: 0, host: '127.0.0.1', manifests: [manifest], namespace: 'default' },
    memoryIo(),
  );
  try {
    const url = `http://127.0.0.1:${port}/push`;
    const res = await eventually(
      async () => {
        const r = await fetch(url, { method: 'POST', body: '{"hello":"world"}', headers: { 'idempotency-key': 'k1' } }).catch(
          () => undefined,
        );
        return r?.status === 200 ? r : undefined;
      },
      { timeoutMs: 15_000, what: 'webhook answers 200' },
    );
    assert.equal(await res.text(), 'success');
    assert.equal(
      (await fetch(url, { method: 'POST', body: '{"hello":"world"}', headers: { 'idempotency-key': 'k1' } })).status,
      200,
      'a retry is accepted too',
    );
  } finally {
    await srv.stop();
    await rm(dir, { recursive: true, force: true });
  }
  await assert.rejects(fetch(`http://127.0.0.1:${port}/health`), 'the port closed with the server');
});
