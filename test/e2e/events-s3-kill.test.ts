// Acceptance: S3 (s3rver) → sensor with a suffix filter on the object key → Workflows. 50 objects are uploaded, 20
// of them match; a spawned `weir server` is SIGKILLed halfway through the uploads and started again on the same data
// dir and bus: still exactly 20 Workflows, each with its object key as a parameter.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { startNatsServer } from '../helpers/nats-server.js';
import { startS3rver } from '../helpers/s3rver.js';
import { duplicates, eventually, paramValues, sensorYaml, spawnWeir, tempDir, workflowsOf } from './events-kit.js';
import type { SpawnedWeir } from './events-kit.js';

const BUCKET = 'e2e-uploads';
const N = 50;

test('S3: 50 uploads, 20 match the suffix filter → exactly 20 Workflows, also with the server SIGKILLed halfway', async () => {
  await using nats = await startNatsServer();
  await using s3 = await startS3rver({ buckets: [BUCKET] });
  await using tmp = await tempDir('s3');
  const client = new S3Client({
    endpoint: s3.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
  });
  const manifests = [
    await tmp.file(
      'secret.yaml',
      [
        'apiVersion: v1',
        'kind: Secret',
        'metadata:',
        '  name: s3-creds',
        'stringData:',
        `  ak: ${s3.accessKeyId}`,
        `  sk: ${s3.secretAccessKey}`,
        '',
      ].join('\n'),
    ),
    await tmp.file(
      'es.yaml',
      [
        'apiVersion: argoproj.io/v1alpha1',
        'kind: EventSource',
        'metadata:',
        '  name: uploads',
        'spec:',
        '  s3:',
        '    objects:',
        `      endpoint: ${s3.endpoint}`,
        `      bucket: { name: ${BUCKET} }`,
        '      pollIntervalSeconds: 1',
        '      accessKey: { name: s3-creds, key: ak }',
        '      secretKey: { name: s3-creds, key: sk }',
        '',
      ].join('\n'),
    ),
    await tmp.file(
      'sensor.yaml',
      sensorYaml({
        name: 'csv',
        deps: [
          {
            name: 'obj',
            eventSourceName: 'uploads',
            eventName: 'objects',
            dataFilters: [{ path: 'notification.0.s3.object.key', type: 'string', value: ['\\.csv$'] }],
          },
        ],
        params: { key: { dependencyName: 'obj', dataKey: 'notification.0.s3.object.key' } },
      }),
    ),
  ];
  const dataDir = join(tmp.dir, 'data');
  const keys = Array.from({ length: N }, (_, i) => `in/file-${String(i).padStart(2, '0')}.${i % 5 < 2 ? 'csv' : 'txt'}`);
  const expected = keys.filter((k) => k.endsWith('.csv'));
  assert.equal(expected.length, 20);
  const put = (key: string): Promise<unknown> => client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: key }));

  let weir: SpawnedWeir | undefined;
  try {
    weir = await spawnWeir({ dataDir, busUrl: nats.url, manifests });
    await eventually(() => weir!.log().includes('s3 baseline recorded'), { timeoutMs: 20_000, what: 'the s3 baseline' });
    for (const k of keys.slice(0, 25)) await put(k);
    // Killed while it is working through the first half (some events published, some not yet).
    await eventually(async () => (await workflowsOf(weir!.url, 'csv')).length > 0, {
      timeoutMs: 20_000,
      everyMs: 20,
      what: 'first workflow',
    });
    await weir.kill();
    for (const k of keys.slice(25, 38)) await put(k);
    weir = await spawnWeir({ dataDir, busUrl: nats.url, manifests });
    for (const k of keys.slice(38)) await put(k);

    await eventually(async () => (await workflowsOf(weir!.url, 'csv')).length >= expected.length, {
      timeoutMs: 40_000,
      what: `${expected.length} workflows`,
    });
    // A last matching object: once its Workflow exists, every earlier event has been handled.
    await put('in/zz-barrier.csv');
    const wfs = await eventually(
      async () => {
        const w = await workflowsOf(weir!.url, 'csv');
        return w.some((x) => paramValues([x], 'key')[0] === 'in/zz-barrier.csv') && w;
      },
      { timeoutMs: 30_000, what: 'barrier workflow' },
    );
    const got = paramValues(wfs, 'key').filter((k) => k !== 'in/zz-barrier.csv');
    assert.deepEqual(duplicates(got), [], 'no object twice');
    assert.deepEqual(got, expected);
    for (const wf of wfs) assert.equal(wf.metadata.labels?.['events.weir.dev/sensor'], 'csv');
  } catch (e) {
    throw new Error(`${(e as Error).message}\n--- server log ---\n${weir?.log().slice(-4000) ?? ''}`, { cause: e });
  } finally {
    await weir?.stop();
    client.destroy();
  }
});
