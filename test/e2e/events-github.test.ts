// Acceptance: a GitHub push delivery signed with the EventSource's webhookSecret (X-Hub-Signature-256) becomes one
// Workflow carrying the pushed ref; a delivery with a wrong signature is answered 401 and creates nothing; GitHub's
// redelivery of the first one (same X-GitHub-Delivery) creates nothing more.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { freePort, startNatsServer } from '../helpers/nats-server.js';
import { eventually, paramValues, sensorYaml, startWeir, tempDir, workflowsOf } from './events-kit.js';
import type { Weir } from './events-kit.js';

test('GitHub: a signed push → one Workflow; a wrong signature → 401 and none', async () => {
  await using nats = await startNatsServer();
  await using tmp = await tempDir('github');
  const port = await freePort();
  const secret = 'gh-hook-secret';
  const manifests = [
    await tmp.file(
      'secret.yaml',
      ['apiVersion: v1', 'kind: Secret', 'metadata:', '  name: github-access', 'stringData:', `  secret: ${secret}`, ''].join('\n'),
    ),
    await tmp.file(
      'es.yaml',
      [
        'apiVersion: argoproj.io/v1alpha1',
        'kind: EventSource',
        'metadata:',
        '  name: github',
        'spec:',
        '  github:',
        '    repo:',
        '      repositories: [{ owner: example, names: [app] }]',
        '      events: [push]',
        `      webhook: { endpoint: /push, port: "${port}", method: POST }`,
        '      webhookSecret: { name: github-access, key: secret }',
        '',
      ].join('\n'),
    ),
    await tmp.file(
      'sensor.yaml',
      sensorYaml({
        name: 'gh',
        deps: [{ name: 'p', eventSourceName: 'github', eventName: 'repo' }],
        params: { ref: { dependencyName: 'p', dataKey: 'body.ref' }, event: { dependencyName: 'p', dataKey: 'body.X-GitHub-Event' } },
      }),
    ),
  ];
  let weir: Weir | undefined;
  const deliver = async (body: string, signature: string, delivery: string): Promise<number> => {
    const res = await fetch(`http://127.0.0.1:${port}/push`, {
      method: 'POST',
      body,
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'push',
        'x-github-delivery': delivery,
        'x-hub-signature-256': signature,
      },
    });
    await res.arrayBuffer();
    return res.status;
  };
  try {
    weir = await startWeir({ dataDir: join(tmp.dir, 'data'), busUrl: nats.url, manifests });
    await eventually(
      async () =>
        (await fetch(`http://127.0.0.1:${port}/push`).then(
          (r) => r.status,
          () => 0,
        )) === 405,
      { timeoutMs: 20_000, what: 'github endpoint' },
    );
    const good = JSON.stringify({ ref: 'refs/heads/main', repository: { full_name: 'example/app' }, commits: [] });
    const delivery = randomUUID();
    const sig = `sha256=${createHmac('sha256', secret).update(good).digest('hex')}`;
    assert.equal(await deliver(good, sig, delivery), 200);
    const forged = JSON.stringify({ ref: 'refs/heads/evil' });
    assert.equal(await deliver(forged, `sha256=${createHmac('sha256', 'not-the-secret').update(forged).digest('hex')}`, randomUUID()), 401);
    assert.equal(await deliver(good, sig, delivery), 200, 'redelivery accepted');
    await eventually(async () => (await workflowsOf(weir!.url, 'gh')).length >= 1, { timeoutMs: 30_000, what: 'the workflow' });
    await new Promise((r) => setTimeout(r, 1500));
    const wfs = await workflowsOf(weir.url, 'gh');
    assert.equal(wfs.length, 1, 'exactly one workflow');
    assert.deepEqual(paramValues(wfs, 'ref'), ['refs/heads/main']);
    assert.deepEqual(paramValues(wfs, 'event'), ['push']);
  } catch (e) {
    throw new Error(`${e instanceof Error ? e.message : String(e)}\n--- server log ---\n${weir?.log().slice(-4000) ?? ''}`, { cause: e });
  } finally {
    await weir?.stop();
  }
});
