// In-process HTTP tests of the other kinds' CRUD routes (workflow templates, cluster workflow templates, cron
// workflows with suspend/resume, event sources, sensors): create, list, get, update with resourceVersion, delete.
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call -- untyped JSON response bodies, checked field by field */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startKit } from './kit.js';

const container = { image: 'a', command: ['true'] };
const cases = [
  {
    path: '/api/v1/workflow-templates/ns1',
    key: 'template',
    obj: { metadata: { name: 'r1' }, spec: { entrypoint: 'main', templates: [{ name: 'main', container }] } },
  },
  {
    path: '/api/v1/cluster-workflow-templates',
    key: 'template',
    obj: { metadata: { name: 'r1' }, spec: { entrypoint: 'main', templates: [{ name: 'main', container }] } },
  },
  {
    path: '/api/v1/cron-workflows/ns1',
    key: 'cronWorkflow',
    obj: {
      metadata: { name: 'r1' },
      spec: { schedules: ['*/5 * * * *'], workflowSpec: { entrypoint: 'main', templates: [{ name: 'main', container }] } },
    },
  },
  {
    path: '/api/v1/event-sources/ns1',
    key: 'eventSource',
    obj: { metadata: { name: 'r1' }, spec: { webhook: { example: { port: '12000', endpoint: '/example', method: 'POST' } } } },
  },
  {
    path: '/api/v1/sensors/ns1',
    key: 'sensor',
    obj: {
      metadata: { name: 'r1' },
      spec: {
        dependencies: [{ name: 'd', eventSourceName: 'r1', eventName: 'example' }],
        triggers: [{ template: { name: 't', log: {} } }],
      },
    },
  },
];

describe('resource CRUD routes', () => {
  for (const c of cases) {
    test(c.path, async () => {
      await using k = await startKit();
      const created = await k.req('POST', c.path, { [c.key]: c.obj });
      assert.equal(created.status, 200, JSON.stringify(created.body));
      assert.equal(created.body.metadata.name, 'r1');
      assert.equal(created.body.metadata.namespace, c.path.endsWith('ns1') ? 'ns1' : undefined);
      assert.equal((await k.req('POST', c.path, { [c.key]: c.obj })).status, 409);
      const list = await k.req('GET', c.path);
      assert.deepEqual(
        list.body.items.map((i: { metadata: { name: string } }) => i.metadata.name),
        ['r1'],
      );
      const got = await k.req('GET', `${c.path}/r1`);
      assert.equal(got.body.metadata.uid, created.body.metadata.uid);
      const changed = structuredClone(got.body);
      changed.metadata.labels = { v: '2' };
      const upd = await k.req('PUT', `${c.path}/r1`, { [c.key]: changed });
      assert.equal(upd.status, 200, JSON.stringify(upd.body));
      assert.deepEqual(upd.body.metadata.labels, { v: '2' });
      assert.equal(upd.body.metadata.uid, created.body.metadata.uid);
      const stale = await k.req('PUT', `${c.path}/r1`, { [c.key]: changed });
      assert.equal(stale.status, 409, 'an old resourceVersion conflicts');
      assert.equal(stale.body.code, 'CONFLICT');
      const renamed = await k.req('PUT', `${c.path}/r1`, { [c.key]: { ...c.obj, metadata: { name: 'other' } } });
      assert.equal(renamed.status, 400);
      const invalid = await k.req('POST', c.path, { [c.key]: { metadata: { name: 'bad' }, spec: 'nope' } });
      assert.equal(invalid.status, 400);
      assert.equal(invalid.body.code, 'INVALID_SPEC');
      if (c.path.includes('ns1')) assert.equal((await k.req('GET', `${c.path.replace('ns1', 'ns2')}/r1`)).status, 404);
      assert.equal((await k.req('DELETE', `${c.path}/r1`)).status, 200);
      assert.equal((await k.req('GET', `${c.path}/r1`)).status, 404);
      assert.equal((await k.req('DELETE', `${c.path}/r1`)).status, 404);
    });
  }

  test('cron workflows suspend and resume; templates and cron workflows lint', async () => {
    await using k = await startKit();
    const cron = cases[2];
    await k.req('POST', cron.path, { cronWorkflow: cron.obj });
    assert.equal((await k.req('PUT', `${cron.path}/r1/suspend`, {})).body.spec.suspend, true);
    assert.equal((await k.req('PUT', `${cron.path}/r1/resume`, {})).body.spec.suspend, false);
    const lint = await k.req('POST', `${cron.path}/lint`, {
      cronWorkflow: { ...cron.obj, spec: { ...cron.obj.spec, schedules: ['not a schedule'] } },
    });
    assert.equal(lint.status, 400);
    const ok = await k.req('POST', '/api/v1/workflow-templates/ns1/lint', { template: cases[0].obj });
    assert.equal(ok.status, 200);
    assert.equal((await k.req('GET', '/api/v1/workflow-templates/ns1/r1')).status, 404, 'lint stores nothing');
  });
});
