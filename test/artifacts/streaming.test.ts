// Memory bound: a 200 MB generated file goes up to and back from s3rver (in this process) through the artifact
// service; the peak RSS growth must stay far below the file size (streams, never whole files in memory).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { startS3rver } from '../helpers/s3rver.js';
import type { S3rverInstance } from '../helpers/s3rver.js';
import { createArtifactService } from '../../src/artifacts/service.js';
import { fakeSecrets, tempDir } from './kit.js';

const MB = 1024 * 1024;
const SIZE = 200 * MB;
let s3: S3rverInstance;
let work: { path: string; [Symbol.asyncDispose](): Promise<void> };

before(async () => {
  s3 = await startS3rver({ buckets: ['big-art'] });
  work = await tempDir();
});
after(async () => {
  await s3.stop();
  await work[Symbol.asyncDispose]();
});

/** Pseudo-random but cheap content: a 1 MiB random block XOR-ed with the block index. */
function generated(size: number): Readable {
  const block = Buffer.alloc(MB);
  for (let i = 0; i < MB; i += 4) block.writeUInt32LE((Math.random() * 2 ** 32) >>> 0, i);
  let i = 0;
  return new Readable({
    read() {
      if (i * MB >= size) return void this.push(null);
      const b = Buffer.from(block);
      b.writeUInt32LE(i, 0);
      i++;
      this.push(b);
    },
  });
}

async function sha256(file: string): Promise<string> {
  const h = createHash('sha256');
  await pipeline(createReadStream(file), h);
  return h.digest('hex');
}

test('200 MB through s3 (multipart up, streamed down) with bounded RSS growth', { timeout: 300_000 }, async () => {
  const src = join(work.path, 'big.bin');
  await pipeline(generated(SIZE), createWriteStream(src));
  // A low multipart threshold so the multipart path (not the default single PUT) is the one measured here.
  const svc = createArtifactService({
    dataDir: join(work.path, 'data'),
    secrets: fakeSecrets({ 'c/a': s3.accessKeyId, 'c/s': s3.secretAccessKey }),
    drivers: { s3: { multipartThreshold: 32 * MB, partSize: 16 * MB } },
  });
  const repo = {
    s3: { bucket: 'big-art', endpoint: s3.endpoint, accessKeySecret: { name: 'c', key: 'a' }, secretKeySecret: { name: 'c', key: 's' } },
  };
  const base = process.memoryUsage().rss;
  let peak = base;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  try {
    const saved = await svc.saveOutput({ name: 'big', path: '/big.bin', archive: { none: {} } }, src, {
      repository: repo,
      vars: { 'workflow.name': 'w', 'pod.name': 'p' },
    });
    assert.ok(saved.status === 'saved');
    const dest = join(work.path, 'back.bin');
    const loaded = await svc.loadInput({ ...saved.artifact, path: '/in.bin' }, dest, { repository: repo });
    assert.equal(loaded.status, 'loaded');
    peak = Math.max(peak, process.memoryUsage().rss);
    assert.equal(await sha256(dest), await sha256(src));
  } finally {
    clearInterval(sampler);
    svc.close();
  }
  const growthMB = (peak - base) / MB;
  console.log(`# rss growth ${growthMB.toFixed(1)} MB for a ${SIZE / MB} MB artifact`);
  assert.ok(growthMB < 150, `RSS grew by ${growthMB.toFixed(1)} MB`);
});
