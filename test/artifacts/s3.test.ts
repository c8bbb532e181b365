// Artifact service against s3rver: directory and file round trips in every archive mode, key-only and default
// key format resolution, optional inputs/outputs, subPath, mode, delete, and credentials kept out of errors.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { startS3rver } from '../helpers/s3rver.js';
import type { S3rverInstance } from '../helpers/s3rver.js';
import { createArtifactService } from '../../src/artifacts/service.js';
import type { ArtifactService } from '../../src/artifacts/service.js';
import type { ArtifactRepository } from '../../src/artifacts/repository-config.js';
import type { Artifact } from '../../src/api/workflow-io.js';
import { isWeirError } from '../../src/core/errors.js';
import { fakeSecrets, snapshot, tempDir } from './kit.js';

const BUCKET = 'weir-art';
let s3: S3rverInstance;
let raw: S3Client;
let svc: ArtifactService;
let repo: ArtifactRepository;
let work: { path: string; [Symbol.asyncDispose](): Promise<void> };
const vars = { 'workflow.name': 'wf-1', 'pod.name': 'wf-1-main-123' };

before(async () => {
  s3 = await startS3rver({ buckets: [BUCKET] });
  raw = new S3Client({
    endpoint: s3.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
  });
  work = await tempDir();
  svc = createArtifactService({
    dataDir: join(work.path, 'data'),
    secrets: fakeSecrets({ 'minio/ak': s3.accessKeyId, 'minio/sk': s3.secretAccessKey }),
  });
  repo = {
    s3: {
      bucket: BUCKET,
      endpoint: s3.endpoint.replace(/^http:\/\//, ''),
      insecure: true,
      accessKeySecret: { name: 'minio', key: 'ak' },
      secretKeySecret: { name: 'minio', key: 'sk' },
    },
  };
});
after(async () => {
  svc.close();
  raw.destroy();
  await s3.stop();
  await work[Symbol.asyncDispose]();
});

let n = 0;
const fresh = (name: string) => join(work.path, `${name}-${++n}`);

async function makeDir(root: string): Promise<void> {
  await mkdir(join(root, 'sub', 'deeper'), { recursive: true });
  await writeFile(join(root, 'a.txt'), 'alpha\n');
  await writeFile(join(root, 'sub', 'b.txt'), 'bravo\n');
  await writeFile(join(root, 'sub', 'deeper', 'c.bin'), Buffer.from([0, 1, 2, 255]).toString('latin1'), 'latin1');
}

async function keys(prefix: string): Promise<string[]> {
  const r = await raw.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
  return (r.Contents ?? []).map((o) => o.Key ?? '').sort();
}

describe('artifacts over s3', () => {
  test('directory round trip, default tar+gzip, Argo default key <workflow>/<pod>/<name>.tgz', async () => {
    const src = fresh('out');
    await makeDir(src);
    const out: Artifact = { name: 'results', path: '/tmp/out' };
    const saved = await svc.saveOutput(out, src, { repository: repo, vars });
    assert.equal(saved.status, 'saved');
    assert.ok(saved.status === 'saved');
    assert.equal(saved.artifact.s3?.key, 'wf-1/wf-1-main-123/results.tgz');
    assert.equal(saved.artifact.s3?.bucket, BUCKET);
    assert.deepEqual(await keys('wf-1/wf-1-main-123/'), ['wf-1/wf-1-main-123/results.tgz']);
    // The object really is a gzip stream.
    const obj = await raw.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'wf-1/wf-1-main-123/results.tgz' }));
    const head = Buffer.from(await obj.Body!.transformToByteArray()).subarray(0, 2);
    assert.deepEqual([...head], [0x1f, 0x8b]);

    const dest = fresh('in');
    const loaded = await svc.loadInput({ ...saved.artifact, name: 'results', path: '/tmp/in' }, dest, { repository: repo });
    assert.deepEqual(loaded.status === 'loaded' && loaded.kind, 'dir');
    assert.deepEqual(await snapshot(dest), await snapshot(src));
  });

  test('directory with archive none is saved as objects under a key prefix and loaded back', async () => {
    const src = fresh('out');
    await makeDir(src);
    const saved = await svc.saveOutput({ name: 'tree', path: '/work/tree', archive: { none: {} } }, src, { repository: repo, vars });
    assert.ok(saved.status === 'saved');
    assert.equal(saved.artifact.s3?.key, 'wf-1/wf-1-main-123/tree');
    assert.deepEqual(await keys('wf-1/wf-1-main-123/tree/'), [
      'wf-1/wf-1-main-123/tree/a.txt',
      'wf-1/wf-1-main-123/tree/sub/b.txt',
      'wf-1/wf-1-main-123/tree/sub/deeper/c.bin',
    ]);
    const dest = fresh('in');
    const loaded = await svc.loadInput(saved.artifact, dest, { repository: repo });
    assert.ok(loaded.status === 'loaded' && loaded.kind === 'dir');
    assert.deepEqual(await snapshot(dest), await snapshot(src));
  });

  for (const [mode, archive, fileName] of [
    ['tar', undefined, 'report.tgz'],
    ['tar level 9', { tar: { compressionLevel: 9 } }, 'report.tgz'],
    ['none', { none: {} }, 'report.csv'],
    ['zip', { zip: {} }, 'report.zip'],
  ] as const) {
    test(`single file round trip, archive ${mode}`, async () => {
      const src = fresh('report.csv');
      const body = 'id,value\n' + Array.from({ length: 2000 }, (_v, i) => `${i},${i * i}`).join('\n');
      await writeFile(src, body);
      const out: Artifact = { name: 'report', path: '/tmp/report.csv', ...(archive ? { archive } : {}) };
      const saved = await svc.saveOutput(out, src, { repository: repo, vars: { ...vars, 'pod.name': `p-${n}` } });
      assert.ok(saved.status === 'saved');
      assert.equal(saved.artifact.s3?.key, `wf-1/p-${n}/${fileName}`);
      const dest = fresh('got.csv');
      // The input side declares the same archive strategy (as `from` passes it on); tgz is auto-detected anyway.
      const loaded = await svc.loadInput({ ...saved.artifact, path: '/in/report.csv' }, dest, { repository: repo });
      assert.ok(loaded.status === 'loaded' && loaded.kind === 'file');
      assert.equal(await readFile(dest, 'utf8'), body);
    });
  }

  test('a zip input without archive: zip is not unpacked (Argo detects tarballs only)', async () => {
    const src = fresh('z.txt');
    await writeFile(src, 'zipped');
    const saved = await svc.saveOutput({ name: 'z', path: '/z.txt', archive: { zip: {} } }, src, { repository: repo, vars });
    assert.ok(saved.status === 'saved');
    const dest = fresh('z-in');
    await svc.loadInput({ name: 'z', path: '/z', s3: saved.artifact.s3 }, dest, { repository: repo });
    assert.equal((await readFile(dest)).subarray(0, 2).toString('latin1'), 'PK');
  });

  test('key-only artifacts resolve against the repository (output key used verbatim, input read from it)', async () => {
    const src = fresh('file');
    await writeFile(src, 'hello key-only\n');
    const saved = await svc.saveOutput({ name: 'file', path: '/mnt/file', s3: { key: 'shared/my-file' } }, src, { repository: repo, vars });
    assert.ok(saved.status === 'saved');
    assert.deepEqual(saved.artifact.s3, { key: 'shared/my-file' }, 'status keeps the key-only form');
    assert.deepEqual(await keys('shared/'), ['shared/my-file']);
    const dest = fresh('file-in');
    const loaded = await svc.loadInput({ name: 'file', path: '/tmp/file', s3: { key: 'shared/my-file' } }, dest, { repository: repo });
    assert.equal(loaded.status, 'loaded');
    assert.equal(await readFile(dest, 'utf8'), 'hello key-only\n');
  });

  test("keyFormat from the repository is resolved with the caller's variables", async () => {
    const custom: ArtifactRepository = { s3: { ...repo.s3!, keyFormat: 'runs/{{workflow.namespace}}/{{workflow.name}}/{{pod.name}}' } };
    const src = fresh('f');
    await writeFile(src, 'x');
    const saved = await svc.saveOutput({ name: 'f', path: '/f', archive: { none: {} } }, src, {
      repository: custom,
      vars: { ...vars, 'workflow.namespace': 'team-a' },
    });
    assert.ok(saved.status === 'saved');
    assert.equal(saved.artifact.s3?.key, 'runs/team-a/wf-1/wf-1-main-123/f', 'archive none keeps the base name of path');
  });

  test('optional missing input is skipped; required missing input fails NOT_FOUND', async () => {
    const missing: Artifact = { name: 'nope', path: '/nope', s3: { key: 'does/not/exist.tgz' } };
    const dest = fresh('nope');
    const r = await svc.loadInput({ ...missing, optional: true }, dest, { repository: repo });
    assert.equal(r.status, 'skipped');
    await assert.rejects(stat(dest), { code: 'ENOENT' });
    await assert.rejects(svc.loadInput(missing, dest, { repository: repo }), (e: unknown) => isWeirError(e) && e.code === 'NOT_FOUND');
    const unsupplied = await svc.loadInput({ name: 'absent', path: '/x', optional: true }, dest, { repository: repo });
    assert.equal(unsupplied.status, 'skipped');
    await assert.rejects(svc.loadInput({ name: 'absent', path: '/x' }, dest), /required artifact 'absent' not supplied/);
  });

  test('optional missing output is skipped; a required one fails', async () => {
    const r = await svc.saveOutput({ name: 'o', path: '/o', optional: true }, undefined, { repository: repo, vars });
    assert.equal(r.status, 'skipped');
    await assert.rejects(
      svc.saveOutput({ name: 'o', path: '/o' }, fresh('not-there'), { repository: repo, vars }),
      (e: unknown) => isWeirError(e) && e.code === 'NOT_FOUND',
    );
  });

  test('subPath loads a sub path of a directory artifact (prefix and tgz)', async () => {
    const src = fresh('out');
    await makeDir(src);
    for (const archive of [{ none: {} }, undefined]) {
      const saved = await svc.saveOutput({ name: 'd', path: '/d', ...(archive ? { archive } : {}) }, src, {
        repository: repo,
        vars: { ...vars, 'pod.name': `sp-${n}` },
      });
      assert.ok(saved.status === 'saved');
      const destFile = fresh('b');
      await svc.loadInput({ ...saved.artifact, subPath: 'sub/b.txt' }, destFile, { repository: repo });
      assert.equal(await readFile(destFile, 'utf8'), 'bravo\n');
      const destDir = fresh('sub');
      const r = await svc.loadInput({ ...saved.artifact, subPath: 'sub' }, destDir, { repository: repo });
      assert.ok(r.status === 'loaded' && r.kind === 'dir');
      assert.deepEqual(await snapshot(destDir), {
        'b.txt': 'bravo\n',
        deeper: '/',
        'deeper/c.bin': await readFile(join(src, 'sub', 'deeper', 'c.bin'), 'utf8'),
      });
      await assert.rejects(
        svc.loadInput({ ...saved.artifact, subPath: 'sub/none' }, fresh('x'), { repository: repo }),
        (e: unknown) => isWeirError(e) && e.code === 'NOT_FOUND',
      );
    }
  });

  test('mode is applied to the loaded file', async () => {
    await raw.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'tools/run.sh', Body: '#!/bin/sh\necho hi\n' }));
    const dest = fresh('run.sh');
    await svc.loadInput({ name: 'tool', path: '/bin/run.sh', mode: 0o755, s3: { key: 'tools/run.sh' } }, dest, { repository: repo });
    assert.equal((await stat(dest)).mode & 0o777, 0o755);
    const dest2 = fresh('run.sh');
    await svc.loadInput({ name: 'tool', path: '/bin/run.sh', mode: 0o600, s3: { key: 'tools/run.sh' } }, dest2, { repository: repo });
    assert.equal((await stat(dest2)).mode & 0o777, 0o600);
  });

  test('symlinks leading out of an archive-none directory are not followed', async () => {
    const outside = fresh('secret.txt');
    await writeFile(outside, 'outside content');
    const src = fresh('out');
    await mkdir(src);
    await writeFile(join(src, 'in.txt'), 'inside');
    await symlink(outside, join(src, 'leak.txt'));
    await symlink('in.txt', join(src, 'alias.txt'));
    const saved = await svc.saveOutput({ name: 'links', path: '/l', archive: { none: {} } }, src, { repository: repo, vars });
    assert.ok(saved.status === 'saved');
    assert.deepEqual(await keys(`${saved.artifact.s3!.key}/`), [`${saved.artifact.s3!.key}/alias.txt`, `${saved.artifact.s3!.key}/in.txt`]);
  });

  test('delete removes an object and a directory prefix', async () => {
    const src = fresh('out');
    await makeDir(src);
    const a = await svc.saveOutput({ name: 'gone', path: '/g', archive: { none: {} } }, src, {
      repository: repo,
      vars: { ...vars, 'pod.name': 'del' },
    });
    const b = await svc.saveOutput({ name: 'gone2', path: '/g' }, src, { repository: repo, vars: { ...vars, 'pod.name': 'del' } });
    assert.ok(a.status === 'saved' && b.status === 'saved');
    assert.equal((await keys('wf-1/del/')).length, 4);
    await svc.deleteArtifact(a.artifact, { repository: repo });
    await svc.deleteArtifact(b.artifact, { repository: repo });
    assert.deepEqual(await keys('wf-1/del/'), []);
    await svc.deleteArtifact(b.artifact, { repository: repo }); // absent: no error
  });

  test('wrong credentials: UNAUTHORIZED error that names neither the access key nor the secret', async () => {
    // s3rver checks access key ids (not v4 signatures), and echoes the key id in its error body.
    const badKey = 'AKIA-WRONG-ACCESS-KEY-77';
    const badSecret = 'sUp3r-s3cret-Value/With+Chars';
    const bad = createArtifactService({
      dataDir: join(work.path, 'bad'),
      secrets: fakeSecrets({ 'minio/ak': badKey, 'minio/sk': badSecret }),
    });
    const badRepo: ArtifactRepository = { s3: { ...repo.s3!, accessKeySecret: { name: 'minio', key: 'ak' } } };
    try {
      const src = fresh('f');
      await writeFile(src, 'x');
      const attempts = [
        () => bad.saveOutput({ name: 'f', path: '/f' }, src, { repository: badRepo, vars }),
        // Not NOT_FOUND, so `optional` does not hide it.
        () => bad.loadInput({ name: 'f', path: '/f', optional: true, s3: { key: 'tools/run.sh' } }, fresh('f'), { repository: badRepo }),
      ];
      for (const attempt of attempts) {
        let caught: unknown;
        try {
          await attempt();
        } catch (e) {
          caught = e;
        }
        assert.ok(isWeirError(caught), `expected a WeirError, got ${String(caught)}`);
        assert.equal(caught.code, 'UNAUTHORIZED', caught.message);
        assert.match(caught.message, /InvalidAccessKeyId|Access Key Id/);
        const everything = [
          caught.message,
          String(caught.stack),
          JSON.stringify(caught),
          JSON.stringify(caught.details ?? {}),
          String((caught.cause as Error | undefined)?.message),
          String((caught.cause as Error | undefined)?.stack),
          JSON.stringify(caught.cause),
        ].join('\n');
        for (const s of [badKey, badSecret, encodeURIComponent(badSecret)])
          assert.ok(!everything.includes(s), `leaked ${s} in ${everything}`);
      }
    } finally {
      bad.close();
    }
  });
});
