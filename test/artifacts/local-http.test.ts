// Artifact service without S3: the embedded local repository (round trip, traversal refused), http input from a
// loopback server (headers, basic auth from Secrets, 404 → optional skip, abort), raw input, unsupported kinds,
// and archive extraction refusing entries that leave the destination.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { pack as tarPack } from 'tar-stream';
import { createArtifactService } from '../../src/artifacts/service.js';
import type { ArtifactService } from '../../src/artifacts/service.js';
import { localDriver } from '../../src/artifacts/driver-local.js';
import { extractTarGzFile, packTarGz } from '../../src/artifacts/archive-tar.js';
import { isWeirError } from '../../src/core/errors.js';
import { fakeSecrets, snapshot, tempDir } from './kit.js';

let work: { path: string; [Symbol.asyncDispose](): Promise<void> };
let svc: ArtifactService;
let server: Server;
let base: string;
const seen: { url: string; auth?: string; token?: string }[] = [];
const local = { local: {} };
let n = 0;
const fresh = (name: string) => join(work.path, `${name}-${++n}`);
const coded = (code: string) => (e: unknown) => isWeirError(e) && e.code === code;

before(async () => {
  work = await tempDir();
  svc = createArtifactService({
    dataDir: join(work.path, 'data'),
    secrets: fakeSecrets({ 'http-cred/user': 'alice', 'http-cred/pass': 'pa55-w0rd!' }),
  });
  server = createServer((req, res) => {
    seen.push({ url: req.url ?? '', auth: req.headers.authorization, token: req.headers['x-token'] as string | undefined });
    if (req.url === '/file.txt') res.end('served over http\n');
    else if (req.url === '/slow')
      res.write('partial'); // never ends
    else if (req.url === '/private' && req.headers.authorization !== `Basic ${Buffer.from('alice:pa55-w0rd!').toString('base64')}`) {
      res.statusCode = 401;
      res.end('no');
    } else if (req.url === '/private') res.end('secret data');
    else if (req.url === '/boom') {
      res.statusCode = 500;
      res.end('err');
    } else {
      res.statusCode = 404;
      res.end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
});
after(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  svc.close();
  await work[Symbol.asyncDispose]();
});

describe('local repository', () => {
  test('directory and file round trip under <dataDir>/artifacts/<key>', async () => {
    const src = fresh('out');
    await mkdir(join(src, 'x'), { recursive: true });
    await writeFile(join(src, 'x', 'y.txt'), 'why');
    const vars = { 'workflow.name': 'wf', 'pod.name': 'pod-1' };
    const tgz = await svc.saveOutput({ name: 'd', path: '/d' }, src, { repository: local, vars });
    assert.ok(tgz.status === 'saved');
    assert.deepEqual(tgz.artifact.local, { key: 'wf/pod-1/d.tgz' });
    assert.ok((await stat(join(work.path, 'data', 'artifacts', 'wf', 'pod-1', 'd.tgz'))).isFile());
    const none = await svc.saveOutput({ name: 'd2', path: '/d2', archive: { none: {} } }, src, { repository: local, vars });
    assert.ok(none.status === 'saved');
    assert.equal(await readFile(join(work.path, 'data', 'artifacts', 'wf', 'pod-1', 'd2', 'x', 'y.txt'), 'utf8'), 'why');
    for (const saved of [tgz.artifact, none.artifact]) {
      const dest = fresh('in');
      const r = await svc.loadInput({ ...saved, path: '/in' }, dest);
      assert.ok(r.status === 'loaded' && r.kind === 'dir');
      assert.deepEqual(await snapshot(dest), await snapshot(src));
    }
    await svc.deleteArtifact(tgz.artifact);
    await assert.rejects(svc.loadInput({ ...tgz.artifact, path: '/in' }, fresh('in')), coded('NOT_FOUND'));
  });

  test('keys that leave the repository are refused', async () => {
    const d = localDriver({ dataDir: join(work.path, 'data'), secrets: fakeSecrets({}) });
    const src = fresh('f');
    await writeFile(src, 'x');
    for (const key of ['../escape', 'a/../../escape', '..', 'a/\0b', '', '/']) {
      await assert.rejects(d.save!(src, { local: { key } }), coded('INVALID_SPEC'), key);
      await assert.rejects(d.load({ local: { key } }, fresh('l')), coded('INVALID_SPEC'), key);
    }
    await assert.rejects(stat(join(work.path, 'escape')), { code: 'ENOENT' });
    // A leading slash is just part of an object key: it stays inside the repository.
    await d.save!(src, { local: { key: '/etc/passwd-copy' } });
    assert.equal(await readFile(join(work.path, 'data', 'artifacts', 'etc', 'passwd-copy'), 'utf8'), 'x');
    // A symlink planted inside the repository does not lead out of it either.
    const outside = fresh('outside');
    await mkdir(outside);
    await mkdir(join(work.path, 'data', 'artifacts'), { recursive: true });
    await symlink(outside, join(work.path, 'data', 'artifacts', 'link'));
    await assert.rejects(d.save!(src, { local: { key: 'link/file' } }), coded('INVALID_SPEC'));
    await assert.rejects(stat(join(outside, 'file')), { code: 'ENOENT' });
  });
});

describe('http and raw inputs', () => {
  test('http input is streamed to the destination with the declared headers', async () => {
    const dest = fresh('h');
    const r = await svc.loadInput(
      { name: 'h', path: '/h', http: { url: `${base}/file.txt`, headers: [{ name: 'X-Token', value: 'tok-123' }] } },
      dest,
    );
    assert.equal(r.status, 'loaded');
    assert.equal(await readFile(dest, 'utf8'), 'served over http\n');
    assert.equal(seen.at(-1)?.token, 'tok-123');
  });

  test('basic auth comes from Secrets; failures do not show the password', async () => {
    const dest = fresh('p');
    const auth = { basicAuth: { usernameSecret: { name: 'http-cred', key: 'user' }, passwordSecret: { name: 'http-cred', key: 'pass' } } };
    await svc.loadInput({ name: 'p', path: '/p', http: { url: `${base}/private`, auth } }, dest);
    assert.equal(await readFile(dest, 'utf8'), 'secret data');
    const e = await svc
      .loadInput({ name: 'p', path: '/p', http: { url: `http://alice:pa55-w0rd!@127.0.0.1:1/private`, auth } }, fresh('p'))
      .catch((x: unknown) => x);
    assert.ok(isWeirError(e));
    assert.ok(!JSON.stringify([e.message, String(e.stack), (e.cause as Error).message]).includes('pa55-w0rd'), e.message);
  });

  test('404 is NOT_FOUND (optional input skipped); 500 fails', async () => {
    const a = { name: 'm', path: '/m', http: { url: `${base}/missing` } };
    assert.equal((await svc.loadInput({ ...a, optional: true }, fresh('m'))).status, 'skipped');
    await assert.rejects(svc.loadInput(a, fresh('m')), coded('NOT_FOUND'));
    await assert.rejects(svc.loadInput({ ...a, http: { url: `${base}/boom` } }, fresh('m')), /500/);
  });

  test('an aborted signal stops a download that never ends', async () => {
    const ac = new AbortController();
    const p = svc.loadInput({ name: 's', path: '/s', http: { url: `${base}/slow` } }, fresh('s'), { signal: ac.signal });
    setImmediate(() => ac.abort());
    await assert.rejects(p, coded('CANCELLED'));
  });

  test('raw input becomes a file, with mode', async () => {
    const dest = fresh('r');
    await svc.loadInput({ name: 'r', path: '/r', mode: 0o640, raw: { data: 'literal\ncontent' } }, dest);
    assert.equal(await readFile(dest, 'utf8'), 'literal\ncontent');
    assert.equal((await stat(dest)).mode & 0o777, 0o640);
  });

  test('unsupported kinds fail with a clear coded error', async () => {
    await assert.rejects(
      svc.loadInput({ name: 'g', path: '/g', git: { repo: 'https://example.invalid/r.git' } }, fresh('g')),
      (e: unknown) => isWeirError(e) && e.code === 'UNKNOWN_KIND' && e.message === 'artifact location git is not supported',
    );
    await assert.rejects(
      svc.saveOutput({ name: 'o', path: '/o', http: { url: `${base}/x` } }, (await tempDir()).path),
      /cannot store outputs/,
    );
  });
});

describe('archives', () => {
  async function evilTgz(file: string, entries: { name: string; type?: 'file' | 'symlink'; linkname?: string }[]): Promise<void> {
    const p = tarPack();
    for (const e of entries) {
      if (e.type === 'symlink') p.entry({ name: e.name, type: 'symlink', linkname: e.linkname });
      else p.entry({ name: e.name }, 'pwned');
    }
    p.finalize();
    await pipeline(p as unknown as NodeJS.ReadableStream, createGzip(), createWriteStream(file));
  }

  test('extraction refuses path traversal and escaping symlinks', async () => {
    for (const entries of [
      [{ name: '../evil.txt' }],
      [{ name: '/abs/evil.txt' }],
      [{ name: 'ok/../../evil.txt' }],
      [{ name: 'link', type: 'symlink' as const, linkname: '../../..' }],
      [{ name: 'link', type: 'symlink' as const, linkname: '/etc' }],
    ]) {
      const tgz = fresh('evil.tgz');
      await evilTgz(tgz, entries);
      const dest = fresh('x');
      await assert.rejects(extractTarGzFile(tgz, dest), coded('INVALID_SPEC'), JSON.stringify(entries));
    }
    await assert.rejects(stat(join(work.path, 'evil.txt')), { code: 'ENOENT' });
  });

  test('a single-file tarball unpacks to the destination path itself; symlinks inside survive', async () => {
    const src = fresh('tree');
    await mkdir(src);
    await writeFile(join(src, 'real.txt'), 'real');
    await symlink('real.txt', join(src, 'alias'));
    const tgz = fresh('t.tgz');
    await packTarGz(src, tgz);
    const dest = fresh('x');
    await extractTarGzFile(tgz, dest);
    assert.deepEqual(await snapshot(join(dest, src.split('/').pop()!)), { alias: '->real.txt', 'real.txt': 'real' });
  });
});
