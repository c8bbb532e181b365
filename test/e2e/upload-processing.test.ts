// Runs examples/upload-processing.yaml end to end against s3rver (endpoint and credentials swapped in): an object
// already in the bucket before the source's first poll is only recorded, a .txt upload is filtered out, and
// incoming/sales.csv starts exactly one Workflow, which reads it as an input artifact and writes the upper-cased
// copy to processed/incoming/sales.csv through the default artifact repository (the example's ConfigMap).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { memoryIo } from '../../src/cli/io.js';
import { startServer } from '../../src/cli/server.js';
import { startS3rver } from '../helpers/s3rver.js';
import { repoPath } from '../helpers/paths.js';
import { eventually, paramsOf, tempDir, workflowsOf } from './events-kit.js';
import type { Wf } from './events-kit.js';

const BUCKET = 'uploads';
const SENSOR = 'process-uploads';
const FINAL = new Set(['Succeeded', 'Failed', 'Error']);
const CSV = 'region,amount\nnorth,12\nsouth,7\neast,30\n';

test('examples/upload-processing.yaml: one upload of incoming/sales.csv → one Workflow → processed/incoming/sales.csv', async () => {
  await using s3 = await startS3rver({ buckets: [BUCKET] });
  await using tmp = await tempDir('upload');
  const client = new S3Client({
    endpoint: s3.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
  });
  const put = (key: string, body: string): Promise<unknown> => client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
  const keys = async (prefix: string): Promise<string[]> =>
    ((await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }))).Contents ?? []).map((o) => o.Key ?? '').sort();

  const example = await readFile(repoPath('examples', 'upload-processing.yaml'), 'utf8');
  assert.equal(
    example.match(/endpoint: localhost:9000\n/g)?.length,
    2,
    'the example names localhost:9000 in the ConfigMap and the EventSource',
  );
  const manifest = await tmp.file(
    'upload-processing.yaml',
    example
      .replaceAll('localhost:9000', s3.endpoint.replace(/^http:\/\//, ''))
      .replace(/accessKey: minioadmin/, `accessKey: ${s3.accessKeyId}`)
      .replace(/secretKey: minioadmin/, `secretKey: ${s3.secretAccessKey}`),
  );
  // Already in the bucket when the source starts: recorded by the first poll, never an event.
  await put('incoming/before.csv', 'a,b\n1,2\n');

  const io = memoryIo();
  const srv = await startServer(
    { dataDir: join(tmp.dir, 'data'), authToken: undefined, port: 0, host: '127.0.0.1', manifests: [manifest], namespace: 'default' },
    io,
  );
  try {
    await eventually(() => io.err.includes('s3 baseline recorded'), { timeoutMs: 20_000, what: 'the s3 baseline' });
    await put('incoming/notes.txt', 'not a csv\n');
    await put('incoming/sales.csv', CSV);

    const done = await eventually(
      async () => {
        const wfs = await workflowsOf(srv.url, SENSOR);
        return wfs.length > 0 && FINAL.has(wfs[0].status?.phase ?? '') && wfs;
      },
      { timeoutMs: 60_000, everyMs: 100, what: 'a finished Workflow' },
    );
    const wf = done[0];
    assert.equal(wf.status?.phase, 'Succeeded', JSON.stringify(wf.status));
    assert.deepEqual(paramsOf(wf), { key: 'incoming/sales.csv' });
    const node = Object.values(wf.status?.nodes ?? {})[0] as {
      outputs?: { result?: string; artifacts?: { name: string; s3?: { key?: string } }[] };
    };
    assert.equal(node.outputs?.result, 'incoming/sales.csv: 3 data rows');
    assert.deepEqual(
      node.outputs?.artifacts?.map((a) => [a.name, a.s3?.key]),
      [['processed', 'processed/incoming/sales.csv']],
    );

    const got = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'processed/incoming/sales.csv' }));
    assert.equal(await got.Body?.transformToString(), CSV.toUpperCase());
    assert.deepEqual(await keys('processed/'), ['processed/incoming/sales.csv'], 'nothing for notes.txt or before.csv');

    // A later upload proves every earlier event was handled: then there are exactly two Workflows, none of them
    // for notes.txt or for the object that was there before the first poll.
    await put('incoming/z-barrier.csv', 'x\n');
    const all = await eventually(
      async () => {
        const wfs = await workflowsOf(srv.url, SENSOR);
        return (
          wfs.some((w: Wf) => paramsOf(w).key === 'incoming/z-barrier.csv') && wfs.every((w) => FINAL.has(w.status?.phase ?? '')) && wfs
        );
      },
      { timeoutMs: 30_000, everyMs: 100, what: 'the barrier Workflow to finish' },
    );
    assert.deepEqual(all.map((w) => [paramsOf(w).key, w.status?.phase]).sort(), [
      ['incoming/sales.csv', 'Succeeded'],
      ['incoming/z-barrier.csv', 'Succeeded'],
    ]);
    assert.deepEqual(await keys('processed/'), ['processed/incoming/sales.csv', 'processed/incoming/z-barrier.csv']);
  } catch (e) {
    throw new Error(`${(e as Error).message}\n--- server log ---\n${io.err.slice(-4000)}`, { cause: e });
  } finally {
    await srv.stop();
    client.destroy();
  }
});
