// Attack 14 (issue 11): an input tar whose symlink chain leads out of the destination — `d1/d2/up -> ..` makes the
// lexically harmless `d1/x -> d2/up/../..` point at the destination's parent — then writes through it. Extraction
// must refuse it (INVALID_SPEC) and create nothing outside the destination, whatever the order of the entries.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { pack } from 'tar-stream';
import type { Header } from 'tar-stream';

type Headers = Partial<Header> & Pick<Header, 'name'>;
import { extractTarGz } from '../../src/artifacts/archive-tar.js';
import { WeirError } from '../../src/core/errors.js';

async function tgz(entries: { h: Headers; body?: string }[]): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on('data', (c: unknown) => void chunks.push(c as Buffer));
  const done = new Promise<void>((r) => p.on('end', () => r()));
  for (const e of entries) await new Promise<void>((ok, fail) => p.entry(e.h, e.body ?? '', (err) => (err ? fail(err) : ok())));
  p.finalize();
  await done;
  return gzipSync(Buffer.concat(chunks));
}

const dir = (name: string): { h: Headers } => ({ h: { name, type: 'directory', mode: 0o755 } });
const link = (name: string, linkname: string): { h: Headers } => ({ h: { name, type: 'symlink', linkname } });
const file = (name: string, body: string): { h: Headers; body: string } => ({
  h: { name, type: 'file', mode: 0o644, size: body.length },
  body,
});

async function attempt(entries: { h: Headers; body?: string }[]): Promise<{ err: unknown; outside: string[] }> {
  const root = await mkdtemp(join(tmpdir(), 'weir-tar-attack-'));
  const dest = join(root, 'dest');
  await mkdir(dest);
  let err: unknown;
  try {
    await extractTarGz(Readable.from(await tgz(entries)), dest);
  } catch (e) {
    err = e;
  }
  const outside = (await readdir(root)).filter((n) => n !== 'dest');
  await rm(root, { recursive: true, force: true });
  return { err, outside };
}

test('a symlink chain leading out of the destination is refused', async () => {
  const { err, outside } = await attempt([dir('d1/'), dir('d1/d2/'), link('d1/d2/up', '..'), link('d1/x', 'd2/up/../..')]);
  assert.ok(err instanceof WeirError && err.code === 'INVALID_SPEC', `not refused: ${String(err)}`);
  assert.deepEqual(outside, []);
});

test('entries below such a link create nothing outside the destination', async () => {
  const { err, outside } = await attempt([
    dir('d1/'),
    dir('d1/d2/'),
    link('d1/d2/up', '..'),
    link('d1/x', 'd2/up/../..'),
    dir('d1/x/pwned-dir/sub/'),
    file('d1/x/pwned-dir/f', 'owned'),
    file('d1/x/pwned', 'owned'),
  ]);
  assert.ok(err instanceof WeirError && err.code === 'INVALID_SPEC', `not refused: ${String(err)}`);
  assert.deepEqual(outside, [], 'written outside the destination');
});

test('the same chain with the links in the other order is refused too', async () => {
  const { err, outside } = await attempt([
    dir('d1/'),
    dir('d1/d2/'),
    link('d1/x', 'd2/up/../../..'),
    link('d1/d2/up', '..'),
    file('d1/x/pwned', 'owned'),
  ]);
  assert.ok(err instanceof WeirError && err.code === 'INVALID_SPEC', `not refused: ${String(err)}`);
  assert.deepEqual(outside, []);
  const late = await attempt([dir('d1/'), dir('d1/d2/'), link('d1/x', 'd2/up/../z'), dir('d1/d2/up/'), file('d1/d2/up/a', 'a')]);
  assert.equal(late.err, undefined, `a harmless link was refused: ${String(late.err)}`);
  const swapped = await attempt([dir('d1/'), dir('d1/d2/'), link('d1/x', 'd2/up/../../z'), link('d1/d2/up', '../../d1')]);
  assert.ok(swapped.err instanceof WeirError && swapped.err.code === 'INVALID_SPEC', 'a link made harmful by a later link is refused');
});

test('links that stay inside still extract', async () => {
  const root = await mkdtemp(join(tmpdir(), 'weir-tar-ok-'));
  try {
    await extractTarGz(
      Readable.from(await tgz([dir('a/'), dir('a/b/'), file('a/b/f', 'x'), link('a/b/up', '..'), link('a/l', 'b/up/b/f')])),
      root,
    );
    assert.ok(existsSync(join(root, 'a/l')));
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
