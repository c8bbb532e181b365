// Labels through the API: a workflow or event source whose label key or value Kubernetes would refuse is a 400
// INVALID_SPEC naming the label, on create and on update, and nothing is stored.
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-assignment -- untyped JSON response bodies, checked field by field */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startKit, hello } from './kit.js';

describe('label validation on the API', () => {
  test('create and update with an invalid label value or key are 400 naming the label', async () => {
    await using k = await startKit();
    const bad = await k.req('POST', '/api/v1/workflows/default', {
      workflow: hello('w1', { metadata: { name: 'w1', labels: { customer: 'ACME Corp.' } } }),
    });
    assert.equal(bad.status, 400, JSON.stringify(bad.body));
    assert.equal(bad.body.code, 'INVALID_SPEC');
    assert.match(bad.body.message, /invalid value "ACME Corp\." for label "customer"/);
    assert.equal((await k.store.list('Workflow')).items.length, 0);
    assert.deepEqual(k.enqueued, []);

    const es = {
      metadata: { name: 'hooks', labels: { ok: 'yes' } },
      spec: { webhook: { push: { port: '12000', endpoint: '/push', method: 'POST' } } },
    };
    assert.equal((await k.req('POST', '/api/v1/event-sources/default', { eventSource: es })).status, 200);
    const cur = await k.req('GET', '/api/v1/event-sources/default/hooks');
    const upd = await k.req('PUT', '/api/v1/event-sources/default/hooks', {
      eventSource: { ...cur.body, metadata: { ...cur.body.metadata, labels: { 'team/with/slashes': 'x' } } },
    });
    assert.equal(upd.status, 400, JSON.stringify(upd.body));
    assert.match(upd.body.message, /invalid label key "team\/with\/slashes"/);
    assert.deepEqual((await k.store.get('EventSource', 'default', 'hooks'))?.metadata.labels, { ok: 'yes' });
  });
});
