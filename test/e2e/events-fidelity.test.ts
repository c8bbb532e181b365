// Sensor fidelity end to end (issue 16): a real `weir server` (in-process, JetStream bus) with a webhook source and
// a sensor; what Argo Events would put into the Workflow's parameters is what Weir puts there: integers above 2^53
// keep their digits through webhook, bus, filters and parameters.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { freePort, startNatsServer } from '../helpers/nats-server.js';
import { eventually, paramsOf, sensorYaml, startWeir, tempDir, webhookSourceYaml, workflowsOf } from './events-kit.js';

async function postText(url: string, body: string, key: string): Promise<number> {
  try {
    const res = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', 'idempotency-key': key } });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return 0;
  }
}

void test('a webhook integer above 2^53 reaches the Workflow parameter with every digit (filters see it too)', async () => {
  await using nats = await startNatsServer();
  await using tmp = await tempDir('fidelity');
  const port = await freePort();
  const manifests = [
    await tmp.file('es.yaml', webhookSourceYaml('hooks', 'ids', port, '/ids')),
    await tmp.file(
      'sensor.yaml',
      sensorYaml({
        name: 'bigids',
        deps: [
          {
            name: 'd',
            eventSourceName: 'hooks',
            eventName: 'ids',
            dataFilters: [{ path: 'body.id', type: 'string', value: ['^12345678901234567890$'] }],
          },
        ],
        params: {
          id: { dependencyName: 'd', dataKey: 'body.id' },
          ratio: { dependencyName: 'd', dataKey: 'body.ratio' },
          body: { dependencyName: 'd', dataKey: 'body' },
        },
      }),
    ),
  ];
  const weir = await startWeir({ dataDir: join(tmp.dir, 'data'), busUrl: nats.url, manifests });
  try {
    const hook = `http://127.0.0.1:${port}/ids`;
    const text = '{"id":12345678901234567890,"ratio":1.50,"n":[1e3,-0,7]}';
    await eventually(async () => (await postText(hook, text, 'big-1')) === 200, {
      timeoutMs: 20_000,
      everyMs: 100,
      what: 'the webhook accepted the event',
    });
    const [wf] = await eventually(
      async () => {
        const w = await workflowsOf(weir.url, 'bigids');
        return w.length === 1 && w;
      },
      { timeoutMs: 30_000, everyMs: 100, what: 'the workflow' },
    );
    const p = paramsOf(wf);
    assert.equal(p.id, '12345678901234567890');
    assert.equal(p.ratio, '1.5', 'a non-integer prints as Go prints its float64 (gjson Result.String)');
    assert.equal(p.body, text, 'a JSON block is the raw text as sent');
  } finally {
    await weir.stop();
  }
});
