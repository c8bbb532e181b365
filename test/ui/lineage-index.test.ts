// The bus-wide lineage index (src/server/ui-lineage-index.ts) on the embedded bus: it follows every source from the
// oldest retained event, and finds an event by its full or source-given id, by a webhook Idempotency-Key (the webhook's id rule) and by
// the S3 object key of an S3-notification payload (decoded: "red+flower.jpg" is found as "red flower.jpg").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createEmbeddedBus } from '../../src/bus/embedded-bus.js';
import type { CloudEvent } from '../../src/core/cloudevent.js';
import { nullLogger } from '../../src/core/logger.js';
import { LineageIndex, s3KeysOf, sourceIdOf, webhookIdFor } from '../../src/server/ui-lineage-index.js';
import { eventually } from '../helpers/eventually.js';

const event = (id: string, source: string, subject: string, data: unknown): CloudEvent => ({
  specversion: '1.0',
  id,
  source,
  subject,
  type: source,
  time: '2026-01-01T00:00:00Z',
  datacontenttype: 'application/json',
  data,
});

test('sourceIdOf takes the id the source gave out of the host id', () => {
  assert.equal(sourceIdOf({ id: 'default/shop/orders/idem-1', source: 'shop', subject: 'orders' }), 'idem-1');
  assert.equal(sourceIdOf({ id: 'ns/k/t/t:0:5', source: 'k', subject: 't' }), 't:0:5');
  assert.equal(sourceIdOf({ id: '3f1c-uuid', source: 'k', subject: 't' }), undefined);
});

test('s3KeysOf reads S3 notification records and decodes their keys', () => {
  assert.deepEqual(s3KeysOf({ notification: [{ s3: { object: { key: 'in/red+flower%2B1.jpg' } } }] }), ['in/red flower+1.jpg']);
  assert.deepEqual(s3KeysOf({ Records: [{ s3: { object: { key: 'a.csv' } } }, { s3: {} }] }), ['a.csv']);
  assert.deepEqual(s3KeysOf({ body: { key: 'not-s3' } }), []);
  assert.deepEqual(s3KeysOf(null), []);
});

test('the index finds events of every source by id, Idempotency-Key and S3 key, including events from before it started', async () => {
  const bus = createEmbeddedBus({ path: ':memory:', name: `lin-${randomUUID().slice(0, 8)}` });
  const ac = new AbortController();
  try {
    await bus.publish(event(`default/shop/orders/${webhookIdFor('order-77')}`, 'shop', 'orders', { body: { id: 77 } }));
    await bus.publish(event('default/kafka-src/orders/orders:0:42', 'kafka-src', 'orders', { topic: 'orders', partition: 0, body: 'x' }));
    const index = new LineageIndex({ bus, logger: nullLogger });
    const running = index.run(ac.signal);
    await bus.publish(event('s3-ev-1', 'uploads', 'put', { notification: [{ s3: { object: { key: 'incoming/red+flower.jpg' } } }] }));
    await bus.publish(event('s3-ev-2', 'uploads', 'put', { notification: [{ s3: { object: { key: 'incoming/red+flower.jpg' } } }] }));

    const byKey = await eventually(async () => {
      const r = await index.lookup('incoming/red flower.jpg');
      return r.length === 2 ? r : undefined;
    });
    assert.deepEqual(
      byKey.map((e) => e.id),
      ['s3-ev-2', 's3-ev-1'],
      'newest first',
    );
    assert.equal(byKey[0].source, 'uploads');
    assert.match(byKey[0].excerpt, /red\+flower/);

    const byIdem = await index.lookup('order-77');
    assert.equal(byIdem.length, 1);
    assert.equal(byIdem[0].source, 'shop');
    assert.equal(byIdem[0].id, `default/shop/orders/${webhookIdFor('order-77')}`);

    const byKafka = await index.lookup('orders:0:42');
    assert.equal(byKafka[0]?.source, 'kafka-src', 'found by the id the source gave it');
    assert.equal((await index.lookup('default/kafka-src/orders/orders:0:42'))[0]?.source, 'kafka-src', 'and by the full id');
    assert.deepEqual(await index.lookup('nothing-like-this'), []);
    ac.abort();
    await running;
  } finally {
    ac.abort();
    await bus.close();
  }
});
