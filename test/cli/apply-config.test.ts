// Issue 11 item 19: `weir apply -f` stores Secrets and ConfigMaps (namespaced) through the API
// (/api/v1/secrets/{ns}, /api/v1/configmaps/{ns}), so changed credentials reach the next workflow without editing
// an example or restarting the server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startVerbKit } from './verbs-kit.js';

const secret = (value: string): unknown => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 'creds' },
  stringData: { accessKey: value },
});
const config = (value: string): unknown => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'settings' },
  data: { region: value },
});
const printer = {
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'Workflow',
  metadata: { generateName: 'show-' },
  spec: {
    entrypoint: 'main',
    templates: [
      {
        name: 'main',
        container: {
          image: 'busybox:1.36',
          command: ['sh', '-c', 'echo "$KEY $REGION"'],
          env: [
            { name: 'KEY', valueFrom: { secretKeyRef: { name: 'creds', key: 'accessKey' } } },
            { name: 'REGION', valueFrom: { configMapKeyRef: { name: 'settings', key: 'region' } } },
          ],
        },
      },
    ],
  },
};

test('apply -f stores Secrets and ConfigMaps; a changed Secret is used by the next workflow, no restart', async () => {
  await using k = await startVerbKit();
  const v1 = await k.manifest('v1.yaml', secret('first-key'), config('north'));
  const first = await k.weir('apply', '-f', v1);
  assert.equal(first.code, 0, first.err);
  assert.equal(first.out, "Secret 'creds' created\nConfigMap 'settings' created\n");
  const wf = await k.manifest('wf.yaml', printer);
  const run1 = await k.weir('submit', wf, '--wait');
  assert.equal(run1.code, 0, run1.err);
  assert.match((await k.weir('logs', '@latest')).out, /first-key north/);

  const v2 = await k.manifest('v2.yaml', secret('second-key'), config('north'));
  const second = await k.weir('apply', '-f', v2);
  assert.equal(second.out, "Secret 'creds' configured\nConfigMap 'settings' unchanged\n");
  const run2 = await k.weir('submit', wf, '--wait');
  assert.equal(run2.code, 0, run2.err);
  assert.match((await k.weir('logs', '@latest')).out, /second-key north/);

  const stored = (await k.fetchJson('/api/v1/secrets/default/creds')) as {
    kind: string;
    metadata: { namespace: string };
    stringData: Record<string, string>;
  };
  assert.equal(stored.kind, 'Secret');
  assert.deepEqual(stored.stringData, { accessKey: 'second-key' });
  const list = (await k.fetchJson('/api/v1/configmaps/default')) as { items: { metadata: { name: string } }[] };
  assert.ok(list.items.some((c) => c.metadata.name === 'settings'));

  // Namespaced: -n puts them elsewhere, and default's copy is untouched.
  const team = await k.weir('apply', '-f', v1, '-n', 'team');
  assert.equal(team.code, 0, team.err);
  assert.deepEqual(((await k.fetchJson('/api/v1/secrets/team/creds')) as { stringData: Record<string, string> }).stringData, {
    accessKey: 'first-key',
  });
  assert.deepEqual(((await k.fetchJson('/api/v1/secrets/default/creds')) as { stringData: Record<string, string> }).stringData, {
    accessKey: 'second-key',
  });

  // A malformed Secret is refused by the server with the field named, as other kinds are.
  const res = await fetch(`${k.url}/api/v1/secrets/default`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ secret: { metadata: { name: 'bad' }, stringData: { k: 7 } } }),
  });
  assert.equal(res.status, 400);
  assert.match(((await res.json()) as { message: string }).message, /stringData/);
});
