// Event sources and sensors read through the API carry the runtime status of the hosts that run them (status.weir):
// last event time, counts and errors, for `get` and `list`; objects nothing runs have no runtime status.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startKit } from './kit.js';

const es = { metadata: { name: 'hooks' }, spec: { webhook: { push: { port: '12000', endpoint: '/push', method: 'POST' } } } };
const sn = {
  metadata: { name: 'gate' },
  spec: { dependencies: [{ name: 'd', eventSourceName: 'hooks', eventName: 'push' }], triggers: [{ template: { name: 't', log: {} } }] },
};

test('status.weir shows the live status of event sources and sensors', async () => {
  const live = {
    eventSource: (ns: string, name: string) =>
      ns === 'default' && name === 'hooks' ? [{ eventName: 'push', published: 3, lastEventTime: '2024-05-01T09:59:00Z' }] : undefined,
    sensor: (ns: string, name: string) =>
      ns === 'default' && name === 'gate' ? { events: 3, errors: 0, counts: { triggered: 2 } } : undefined,
  };
  await using kit = await startKit({ live });
  assert.equal((await kit.req('POST', '/api/v1/event-sources/default', { eventSource: es })).status, 200);
  assert.equal((await kit.req('POST', '/api/v1/sensors/default', { sensor: sn })).status, 200);
  assert.equal((await kit.req('POST', '/api/v1/event-sources/other', { eventSource: es })).status, 200);

  type Obj = { status?: unknown };
  const got = (await kit.req('GET', '/api/v1/event-sources/default/hooks')).body as Obj;
  assert.deepEqual(got.status, { weir: [{ eventName: 'push', published: 3, lastEventTime: '2024-05-01T09:59:00Z' }] });
  const sensors = (await kit.req('GET', '/api/v1/sensors/default')).body as { items: Obj[] };
  assert.deepEqual(sensors.items[0].status, { weir: { events: 3, errors: 0, counts: { triggered: 2 } } });
  const other = (await kit.req('GET', '/api/v1/event-sources/other/hooks')).body as Obj;
  assert.equal(other.status, undefined, 'nothing runs it in this namespace');
  const trimmed = await kit.req('GET', '/api/v1/event-sources/default?fields=items.spec');
  assert.equal(trimmed.status, 200);
});
