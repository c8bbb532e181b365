// Benchmark `artifact`: one generated file (default 2 GiB; WEIR_BENCH_ARTIFACT_MB overrides) saved to and loaded
// from s3rver through Weir's artifact service (`archive: none`, so the s3 driver's own transfer is measured:
// multipart upload from disk, streamed download) vs the plain @aws-sdk/client-s3 doing the same bytes
// (PutObject with a file stream and ContentLength, GetObject piped to a file). s3rver runs in a child process so
// peak RSS is this process's own. Value: MiB/s over the round trip (2 x size); figures: upload and download MiB/s,
// peak RSS. Target: at least 0.7x the plain client's throughput. One run by default (each moves 4 x size).
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { Readable as NodeReadable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createArtifactService } from '../src/artifacts/service.js';
import type { ArtifactService } from '../src/artifacts/service.js';
import type { ArtifactRepository } from '../src/artifacts/repository-config.js';
import type { Benchmark, Measurement } from './types.js';

const MB = 1024 * 1024;
const SIZE_MB = Number(process.env.WEIR_BENCH_ARTIFACT_MB ?? 2048);
const BUCKET = 'bench-artifacts';

interface State {
  dir: string;
  src: string;
  child: ChildProcess;
  endpoint: string;
  svc: ArtifactService;
  repo: ArtifactRepository;
  raw: S3Client;
  peakRss: number;
  sampler: NodeJS.Timeout;
  runNo: number;
}

/** Times an upload then a download; returns MiB/s figures and the peak RSS seen meanwhile. */
async function roundTrip(st: State, up: () => Promise<void>, down: () => Promise<void>): Promise<Measurement> {
  st.peakRss = process.memoryUsage().rss;
  const t0 = performance.now();
  await up();
  const t1 = performance.now();
  await down();
  const t2 = performance.now();
  const rate = (mb: number, ms: number) => Number((mb / (ms / 1000)).toFixed(1));
  return {
    value: rate(2 * SIZE_MB, t2 - t0),
    figures: {
      uploadMiBps: rate(SIZE_MB, t1 - t0),
      downloadMiBps: rate(SIZE_MB, t2 - t1),
      peakRssMiB: Number((Math.max(st.peakRss, process.memoryUsage().rss) / MB).toFixed(1)),
    },
  };
}

/** Starts s3rver (the test helper) in a child process and returns its endpoint. */
async function startChildS3rver(): Promise<{ child: ChildProcess; endpoint: string }> {
  const helper = fileURLToPath(new URL('../test/helpers/s3rver.js', import.meta.url));
  const script = `import { startS3rver } from ${JSON.stringify(helper)};
const s = await startS3rver({ buckets: [${JSON.stringify(BUCKET)}] });
process.stdout.write(s.endpoint + '\\n');
process.stdin.on('end', () => s.stop().then(() => process.exit(0))); process.stdin.resume();`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['pipe', 'pipe', 'inherit'] });
  const endpoint = await new Promise<string>((res, rej) => {
    let buf = '';
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      if (buf.includes('\n')) res(buf.trim());
    });
    child.once('exit', (code) => rej(new Error(`s3rver child exited with ${code}`)));
  });
  return { child, endpoint };
}

/** Random-looking content without paying for 2 GiB of crypto: a random 1 MiB block stamped with its index. */
async function generate(file: string, sizeMb: number): Promise<void> {
  const block = Buffer.alloc(MB);
  for (let i = 0; i < MB; i += 4) block.writeUInt32LE((Math.random() * 2 ** 32) >>> 0, i);
  let i = 0;
  await pipeline(
    new Readable({
      read() {
        if (i >= sizeMb) return void this.push(null);
        const b = Buffer.from(block);
        b.writeUInt32LE(i++, 0);
        this.push(b);
      },
    }),
    createWriteStream(file),
  );
}

export const artifactBenchmark: Benchmark = {
  name: 'artifact',
  description: `${SIZE_MB} MiB file up and down through s3rver: Weir's artifact service (s3 driver) vs plain @aws-sdk/client-s3 PutObject/GetObject`,
  baselineDescription: 'plain @aws-sdk/client-s3: PutObject (file stream + ContentLength), GetObject piped to a file',
  unit: 'per-s',
  target: { kind: 'ratio-min', min: 0.7 },
  runs: 1,
  warmup: false,
  async setup(): Promise<State> {
    const dir = mkdtempSync(join(tmpdir(), 'weir-bench-art-'));
    const src = join(dir, 'artifact.bin');
    await generate(src, SIZE_MB);
    const { child, endpoint } = await startChildS3rver();
    const creds = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
    const svc = createArtifactService({
      dataDir: join(dir, 'data'),
      secrets: { get: (ref) => Promise.resolve(ref.key === 'ak' ? creds.accessKeyId : creds.secretAccessKey) },
    });
    const repo: ArtifactRepository = {
      s3: { bucket: BUCKET, endpoint, accessKeySecret: { name: 's', key: 'ak' }, secretKeySecret: { name: 's', key: 'sk' } },
    };
    const raw = new S3Client({
      endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: creds,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    const state = { dir, src, child, endpoint, svc, repo, raw, peakRss: 0, runNo: 0 } as State;
    state.sampler = setInterval(() => {
      state.peakRss = Math.max(state.peakRss, process.memoryUsage().rss);
    }, 25);
    return state;
  },
  async baseline(s): Promise<Measurement> {
    const st = s as State;
    const key = `plain/${++st.runNo}.bin`;
    const dest = join(st.dir, 'plain-back.bin');
    try {
      return await roundTrip(
        st,
        async () => {
          await st.raw.send(
            new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: createReadStream(st.src), ContentLength: statSync(st.src).size }),
          );
        },
        async () => {
          const r = await st.raw.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
          await pipeline(r.Body as NodeReadable, createWriteStream(dest));
        },
      );
    } finally {
      await rm(dest, { force: true });
    }
  },
  async run(s): Promise<Measurement> {
    const st = s as State;
    const dest = join(st.dir, 'weir-back.bin');
    const artifact = { name: 'artifact', path: '/artifact.bin', archive: { none: {} } };
    let saved: Awaited<ReturnType<ArtifactService['saveOutput']>> | undefined;
    try {
      return await roundTrip(
        st,
        async () => {
          saved = await st.svc.saveOutput(artifact, st.src, {
            repository: st.repo,
            vars: { 'workflow.name': 'bench', 'pod.name': `run-${++st.runNo}` },
          });
        },
        async () => {
          if (saved?.status !== 'saved') throw new Error('artifact not saved');
          await st.svc.loadInput({ ...saved.artifact, path: '/in.bin' }, dest, { repository: st.repo });
        },
      );
    } finally {
      await rm(dest, { force: true });
    }
  },
  async teardown(s): Promise<void> {
    const st = s as State;
    clearInterval(st.sampler);
    st.svc.close();
    st.raw.destroy();
    st.child.stdin?.end();
    await new Promise((r) => st.child.once('exit', r));
    rmSync(st.dir, { recursive: true, force: true });
  },
};
