// The pod executor's file transport without a cluster: the inputs tar (container paths, modes, nested directories),
// inputs over the cap refused with their size before they are read, the tar cut into Secret-sized chunks, and the
// wait container's report unpacked back (an entry escaping the destination refused).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { extract as tarExtract, pack as tarPack } from 'tar-stream';
import { INPUT_CHUNK_BYTES, inputChunks, MAX_INPUT_BYTES, packInputs, unpackReport } from '../../src/executor/pod-io.js';
import { WeirError } from '../../src/core/errors.js';
import { tempDir } from '../e2e/events-kit.js';

async function entries(tar: Buffer): Promise<string[]> {
  const ex = tarExtract();
  const names: string[] = [];
  const done = (async () => {
    for await (const e of ex) {
      names.push(`${e.header.name} ${(e.header.mode ?? 0).toString(8)}`);
      e.resume();
    }
  })();
  ex.end(tar);
  await done;
  return names;
}

test('pod io: input files become one tar named by container path, with the artifact mode on the top entry', async () => {
  await using tmp = await tempDir('pod-io');
  await mkdir(join(tmp.dir, 'art', 'sub'), { recursive: true });
  await writeFile(join(tmp.dir, 'art', 'sub', 'b.txt'), 'beta');
  await writeFile(join(tmp.dir, 'raw.txt'), 'raw', { mode: 0o644 });
  const tar = await packInputs([
    { hostPath: join(tmp.dir, 'art'), containerPath: '/work/in/' },
    { hostPath: join(tmp.dir, 'raw.txt'), containerPath: '/work/raw.sh', mode: 0o755 },
  ]);
  assert.deepEqual(await entries(tar), ['work/in/ 755', 'work/in/sub/ 755', 'work/in/sub/b.txt 644', 'work/raw.sh 755']);
});

test('pod io: inputs over the cap are refused with their size and the cap, before they are read', async () => {
  await using tmp = await tempDir('pod-io');
  await writeFile(join(tmp.dir, 'big'), Buffer.alloc(64 * 1024));
  await assert.rejects(
    packInputs([{ hostPath: join(tmp.dir, 'big'), containerPath: '/tmp/big' }], 32 * 1024),
    (e: unknown) =>
      e instanceof WeirError &&
      e.code === 'PAYLOAD_TOO_LARGE' &&
      /take \d+ bytes as a tar; the pod executor ships them into the pod through Secrets of 921600 bytes, at most 32768 bytes in all/.test(
        e.message,
      ),
  );
  assert.equal(MAX_INPUT_BYTES, 32 * 1024 * 1024, 'the default cap');
});

test('pod io: the inputs tar is cut into chunks of at most one Secret each, joined back in order', () => {
  const tar = Buffer.alloc(2 * INPUT_CHUNK_BYTES + 5, 7);
  tar[INPUT_CHUNK_BYTES] = 1;
  const chunks = inputChunks(tar);
  assert.deepEqual(
    chunks.map((c) => c.length),
    [INPUT_CHUNK_BYTES, INPUT_CHUNK_BYTES, 5],
  );
  assert.ok(Buffer.concat(chunks).equals(tar));
  assert.deepEqual(
    inputChunks(Buffer.alloc(INPUT_CHUNK_BYTES)).map((c) => c.length),
    [INPUT_CHUNK_BYTES],
  );
});

async function report(files: { name: string; body?: string; type?: 'file' | 'directory' }[]): Promise<string> {
  const pack = tarPack();
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const c of pack) chunks.push(c as Buffer);
  })();
  for (const f of files) pack.entry({ name: f.name, type: f.type ?? 'file', mode: 0o640 }, f.body ?? '');
  pack.finalize();
  await done;
  return Buffer.concat(chunks).toString('base64');
}

test("pod io: the wait container's report unpacks under its destination; an entry with .. is refused", async () => {
  await using tmp = await tempDir('pod-io');
  const dest = join(tmp.dir, 'out');
  await unpackReport(
    await report([
      { name: './0/', type: 'directory' },
      { name: './0/a.txt', body: 'alpha' },
    ]),
    dest,
  );
  assert.equal(await readFile(join(dest, '0', 'a.txt'), 'utf8'), 'alpha');
  assert.equal((await stat(join(dest, '0', 'a.txt'))).mode & 0o777, 0o640);
  await assert.rejects(
    unpackReport(await report([{ name: '0/../../escape.txt', body: 'x' }]), join(tmp.dir, 'out2')),
    (e: unknown) => e instanceof WeirError && e.code === 'INVALID_SPEC',
  );
});
