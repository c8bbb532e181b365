// S3 event source against s3rver (in-process S3 fake) with a JetStream bus and its KV for checkpoints: suffix filter,
// Argo/MinIO notification payload, restart without repeats or misses (created while stopped, removed, overwritten),
// the baseline on first start, minio validation, and the conformance suite.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { DeleteObjectsCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createS3Source, encodeNotificationKey, wantsEvent } from '../../eventsources/s3.js';
import { createJetStreamBus } from '../../src/bus/jetstream-bus.js';
import type { EventBus, KeyValueStore } from '../../src/bus/types.js';
import { STATE_BUCKET } from '../../src/eventsource-host/state.js';
import { validateConfig } from '../../src/eventsource-host/validate.js';
import { startNatsServer } from '../helpers/nats-server.js';
import type { NatsServer } from '../helpers/nats-server.js';
import { startS3rver } from '../helpers/s3rver.js';
import { runEventSourceConformance } from './conformance.js';
import { busEvents, eventually, runAdapter } from './kit.js';
import type { RunningAdapter } from './kit.js';

const BUCKET = 'weir-events';
const s3 = await startS3rver({ buckets: [BUCKET] });
after(() => s3.stop());
const client = new S3Client({
  endpoint: s3.endpoint,
  region: 'us-east-1',
  forcePathStyle: true,
  credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
});
after(() => client.destroy());
const secrets = { creds: { ak: s3.accessKeyId, sk: s3.secretAccessKey } };
const put = (key: string, body = 'x') => client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));

const specFor = (prefix: string, extra: Record<string, unknown> = {}) => ({
  endpoint: s3.endpoint,
  bucket: { name: BUCKET },
  accessKey: { name: 'creds', key: 'ak' },
  secretKey: { name: 'creds', key: 'sk' },
  filter: { prefix },
  pollIntervalSeconds: 1,
  ...extra,
});
const baselined = (r: RunningAdapter) => eventually(() => r.log.at('info', 's3 baseline recorded').length > 0);
/** Waits for `n` more completed polls. */
async function polls(r: RunningAdapter, n: number): Promise<void> {
  const start = r.log.at('debug', 's3 poll done').length;
  await eventually(() => r.log.at('debug', 's3 poll done').length >= start + n, { timeoutMs: 10_000, what: `${n} polls` });
}

let conf = 0;
runEventSourceConformance({
  kind: 's3',
  adapter: () => createS3Source('s3'),
  spec: () => specFor(`conf-${conf}/`),
  invalid: {
    'no bucket': { endpoint: s3.endpoint },
    'bad event name': { bucket: { name: BUCKET }, events: ['ObjectCreated'] },
    'poll interval zero': { bucket: { name: BUCKET }, pollIntervalSeconds: 0 },
  },
  secrets,
  ready: async (r) => {
    await baselined(r);
  },
  trigger: async (spec, n) => {
    const prefix = (spec.filter as { prefix: string }).prefix;
    for (let i = 0; i < n; i++) await put(`${prefix}obj-${randomUUID()}`);
    conf++;
  },
});

describe('s3 event source against s3rver', () => {
  let nats: NatsServer;
  let bus: EventBus;
  let kv: KeyValueStore;
  before(async () => {
    nats = await startNatsServer();
    bus = await createJetStreamBus({ url: nats.url, name: `s3-${randomUUID().slice(0, 8)}` });
    kv = await bus.kv(STATE_BUCKET);
  });
  after(async () => {
    await bus.close();
    await nats.close();
  });

  test('50 objects, 20 matching the suffix: 20 events; a restart repeats none and misses none', async () => {
    const name = `bucket-watch-${randomUUID().slice(0, 6)}`;
    const spec = specFor('run1/', {
      filter: { prefix: 'run1/', suffix: '.csv' },
      events: ['s3:ObjectCreated:*', 's3:ObjectRemoved:*'],
      metadata: { owner: 'data' },
    });
    const start = () => runAdapter({ adapter: createS3Source('s3'), spec, bus, kv, secrets, name, eventName: 'csv' });
    await put('run1/before.csv'); // there before the first start: part of the baseline, no event
    let r = start();
    await baselined(r);
    for (let i = 0; i < 50; i++) await put(`run1/file-${String(i).padStart(2, '0')}${i % 5 < 2 ? '.csv' : '.json'}`, `content ${i}`);
    await eventually(() => r.counters.published === 20, { timeoutMs: 15_000, what: '20 events' });
    await polls(r, 2);
    assert.equal(r.counters.published, 20);
    await r.stop();

    let events = await busEvents(bus, name);
    assert.equal(events.length, 20);
    const rec = (events[0].data as { notification: Record<string, unknown>[] }).notification[0] as {
      eventName: string;
      eventSource: string;
      s3: { bucket: { name: string; arn: string }; object: { key: string; size: number; eTag: string } };
    };
    assert.equal(rec.eventName, 's3:ObjectCreated:Put');
    assert.equal(rec.eventSource, 'aws:s3');
    assert.equal(rec.s3.bucket.name, BUCKET);
    assert.equal(rec.s3.bucket.arn, `arn:aws:s3:::${BUCKET}`);
    assert.match(rec.s3.object.key, /^run1\/file-\d\d\.csv$/);
    assert.equal(rec.s3.object.size, 'content 0'.length);
    assert.match(rec.s3.object.eTag, /^[0-9a-f]{32}$/);
    assert.deepEqual((events[0].data as { metadata: unknown }).metadata, { owner: 'data' });
    assert.ok(!events.some((e) => JSON.stringify(e.data).includes('before.csv')));

    // While stopped: 3 new, 2 removed, 1 overwritten.
    for (let i = 0; i < 3; i++) await put(`run1/late-${i}.csv`);
    await client.send(
      new DeleteObjectsCommand({ Bucket: BUCKET, Delete: { Objects: [{ Key: 'run1/file-00.csv' }, { Key: 'run1/file-01.csv' }] } }),
    );
    await put('run1/file-05.csv', 'changed content');
    r = start();
    await eventually(() => r.counters.published === 6, { timeoutMs: 15_000, what: '6 events after restart' });
    await polls(r, 2);
    await r.stop();
    assert.equal(r.counters.published, 6);
    assert.equal(r.counters.duplicates, 0, 'nothing was replayed');
    events = await busEvents(bus, name);
    assert.equal(events.length, 26);
    const names = events
      .slice(20)
      .map((e) => {
        const n = (e.data as { notification: { eventName: string; s3: { object: { key: string } } }[] }).notification[0];
        return `${n.eventName} ${n.s3.object.key}`;
      })
      .sort();
    assert.deepEqual(names, [
      's3:ObjectCreated:Put run1/file-05.csv',
      's3:ObjectCreated:Put run1/late-0.csv',
      's3:ObjectCreated:Put run1/late-1.csv',
      's3:ObjectCreated:Put run1/late-2.csv',
      's3:ObjectRemoved:Delete run1/file-00.csv',
      's3:ObjectRemoved:Delete run1/file-01.csv',
    ]);
  });

  test('minio kind: MinIO event source name, Argo-required fields validated', async () => {
    const a = createS3Source('minio');
    const errors = validateConfig(a, { bucket: { name: BUCKET } })
      .filter((f) => f.severity === 'error')
      .map((f) => f.path.join('.'));
    assert.deepEqual(errors.sort(), ['accessKey', 'endpoint', 'secretKey']);
    const name = `minio-${randomUUID().slice(0, 6)}`;
    const r = runAdapter({ adapter: a, kind: 'minio', spec: specFor('minio/'), bus, kv, secrets, name });
    await baselined(r);
    await put('minio/a b.txt');
    await eventually(() => r.counters.published === 1);
    await r.stop();
    const [e] = await busEvents(bus, name);
    assert.equal(e.type, 'minio');
    const n = (e.data as { notification: { eventSource: string; s3: { object: { key: string } } }[] }).notification[0];
    assert.equal(n.eventSource, 'minio:s3');
    assert.equal(n.s3.object.key, 'minio/a+b.txt');
  });

  test('event name matching and key encoding', () => {
    assert.ok(wantsEvent(['s3:ObjectCreated:*'], 's3:ObjectCreated:Put'));
    assert.ok(!wantsEvent(['s3:ObjectCreated:*'], 's3:ObjectRemoved:Delete'));
    assert.ok(wantsEvent(['s3:ObjectRemoved:Delete'], 's3:ObjectRemoved:Delete'));
    assert.equal(encodeNotificationKey('dir/red flower+1.jpg'), 'dir/red+flower%2B1.jpg');
  });
});
