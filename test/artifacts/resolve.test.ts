// Pure parts of the artifact library: location resolution (key-only, default key format, explicit locations),
// repository resolution from ConfigMaps (Argo's order and annotation), the artifactGC planner, redaction.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConfigMap } from '../../src/api/k8s.js';
import { archiveFileName, hasLocation, isKeyOnly, resolveArtifactLocation, substituteKeyFormat } from '../../src/artifacts/location.js';
import { DEFAULT_REPOSITORY_ANNOTATION, repositoryFromRef, resolveArtifactRepository } from '../../src/artifacts/repository-config.js';
import type { ArtifactRepository } from '../../src/artifacts/repository-config.js';
import { planArtifactGC } from '../../src/artifacts/gc.js';
import type { SavedArtifactRecord } from '../../src/artifacts/gc.js';
import { REDACTED, Redactor, redactText } from '../../src/artifacts/redact.js';
import { isWeirError } from '../../src/core/errors.js';

const s3Repo: ArtifactRepository = {
  s3: {
    bucket: 'bkt',
    endpoint: 'minio:9000',
    insecure: true,
    accessKeySecret: { name: 'c', key: 'a' },
    secretKeySecret: { name: 'c', key: 's' },
  },
};
const vars = { 'workflow.name': 'wf', 'pod.name': 'wf-main-1' };

describe('resolveArtifactLocation', () => {
  test("unlocated outputs get <keyFormat>/<file name>; default format is Argo's", () => {
    assert.deepEqual(resolveArtifactLocation({ name: 'out', path: '/tmp/out' }, s3Repo, vars), {
      s3: {
        bucket: 'bkt',
        endpoint: 'minio:9000',
        insecure: true,
        accessKeySecret: { name: 'c', key: 'a' },
        secretKeySecret: { name: 'c', key: 's' },
        key: 'wf/wf-main-1/out.tgz',
      },
    });
    assert.equal(
      resolveArtifactLocation({ name: 'out', path: '/tmp/o.txt', archive: { none: {} } }, s3Repo, vars).s3?.key,
      'wf/wf-main-1/o.txt',
    );
    assert.equal(
      resolveArtifactLocation({ name: 'out', path: '/tmp/o', archive: { zip: {} } }, s3Repo, vars).s3?.key,
      'wf/wf-main-1/out.zip',
    );
    assert.equal(
      resolveArtifactLocation({ name: 'o', path: '/x' }, { s3: { bucket: 'b', keyPrefix: 'pre' } }, vars).s3?.key,
      'pre/wf/wf-main-1/o.tgz',
    );
    assert.equal(resolveArtifactLocation({ name: 'o', path: '/x' }, { local: {} }, vars).local?.key, 'wf/wf-main-1/o.tgz');
  });

  test("key-only artifacts take the repository's settings with their own key, whatever kind they name", () => {
    const a = { name: 'f', path: '/f', s3: { key: 'my-file' } };
    assert.ok(isKeyOnly(a) && !hasLocation(a));
    assert.deepEqual(resolveArtifactLocation(a, s3Repo, vars).s3?.key, 'my-file');
    assert.equal(resolveArtifactLocation(a, s3Repo, vars).s3?.bucket, 'bkt');
    assert.deepEqual(resolveArtifactLocation(a, { local: {} }), { local: { key: 'my-file' } });
  });

  test('fully located artifacts keep their location; no repository is an error for the others', () => {
    const a = { name: 'f', s3: { bucket: 'other', key: 'k', endpoint: 'e:1' } };
    assert.deepEqual(resolveArtifactLocation(a, s3Repo, vars), { s3: { bucket: 'other', key: 'k', endpoint: 'e:1' } });
    assert.deepEqual(resolveArtifactLocation({ name: 'r', raw: { data: 'x' } }, undefined), { raw: { data: 'x' } });
    assert.throws(() => resolveArtifactLocation({ name: 'f', s3: { key: 'k' } }, undefined), /no artifact repository/);
  });

  test('key formats: unknown variables are errors, whitespace is allowed', () => {
    assert.equal(substituteKeyFormat('{{ workflow.name }}/x/{{pod.name}}', vars), 'wf/x/wf-main-1');
    assert.throws(
      () => substituteKeyFormat('{{workflow.uid}}', vars),
      (e: unknown) => isWeirError(e) && e.code === 'INVALID_SPEC',
    );
    assert.equal(archiveFileName({ name: 'n', path: '/a/b/c.txt', archive: { none: {} } }), 'c.txt');
  });
});

describe('resolveArtifactRepository', () => {
  const cm = (ns: string, name: string, data: Record<string, string>, defaultKey?: string): ConfigMap => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace: ns, ...(defaultKey ? { annotations: { [DEFAULT_REPOSITORY_ANNOTATION]: defaultKey } } : {}) },
    data,
  });
  const store = (maps: ConfigMap[]) => (ns: string, name: string) =>
    Promise.resolve(maps.find((m) => m.metadata.namespace === ns && m.metadata.name === name));
  const minio = 's3:\n  bucket: from-cm\n  endpoint: minio:9000\n  insecure: true\n  keyFormat: "x/{{workflow.name}}"\n';

  test("no ref: the namespace's artifact-repositories ConfigMap by annotation, else the server default", async () => {
    const withCm = await resolveArtifactRepository({
      workflowNamespace: 'team',
      getConfigMap: store([cm('team', 'artifact-repositories', { minio }, 'minio')]),
      defaultRepository: { local: {} },
    });
    assert.equal(withCm.repository?.s3?.bucket, 'from-cm');
    assert.deepEqual(withCm.ref, { namespace: 'team', configMap: 'artifact-repositories', key: 'minio' });
    const none = await resolveArtifactRepository({ workflowNamespace: 'team', getConfigMap: store([]), defaultRepository: { local: {} } });
    assert.deepEqual(none, { repository: { local: {} }, ref: { default: true } });
    await assert.rejects(
      resolveArtifactRepository({ workflowNamespace: 'team', getConfigMap: store([cm('team', 'artifact-repositories', { minio })]) }),
      /annotation/,
    );
  });

  test("a ref: named key, its ConfigMap in the workflow namespace then the controller's; missing is an error", async () => {
    const maps = [cm('argo', 'repos', { minio, other: 'local: {}\n' })];
    const r = await resolveArtifactRepository({
      ref: { configMap: 'repos', key: 'other' },
      workflowNamespace: 'team',
      controllerNamespace: 'argo',
      getConfigMap: store(maps),
    });
    assert.deepEqual(r, { repository: { local: {} }, ref: { namespace: 'argo', configMap: 'repos', key: 'other' } });
    assert.deepEqual(await repositoryFromRef(r.ref, store(maps), undefined), { local: {} });
    await assert.rejects(
      resolveArtifactRepository({ ref: { key: 'minio' }, workflowNamespace: 'team', getConfigMap: store(maps) }),
      (e: unknown) => isWeirError(e) && e.code === 'NOT_FOUND',
    );
    await assert.rejects(
      resolveArtifactRepository({ ref: { configMap: 'repos', key: 'nope' }, workflowNamespace: 'argo', getConfigMap: store(maps) }),
      /no key "nope"/,
    );
    await assert.rejects(
      resolveArtifactRepository({
        ref: { configMap: 'repos', key: 'bad' },
        workflowNamespace: 'argo',
        getConfigMap: store([cm('argo', 'repos', { bad: 'just text' })]),
      }),
      /must be a mapping/,
    );
  });
});

describe('planArtifactGC', () => {
  const rec = (name: string, strategy?: string, deleted?: boolean): SavedArtifactRecord => ({
    nodeId: 'n',
    artifact: {
      name,
      s3: { key: name },
      ...(strategy !== undefined ? { artifactGC: { strategy: strategy as 'OnWorkflowCompletion' } } : {}),
      ...(deleted ? { deleted } : {}),
    },
  });
  const names = (xs: SavedArtifactRecord[]) => xs.map((r) => r.artifact.name);

  test("artifact strategy overrides the workflow's; completion and deletion pick their own", () => {
    const arts = [
      rec('a'),
      rec('b', 'OnWorkflowDeletion'),
      rec('c', 'Never'),
      rec('d', 'OnWorkflowCompletion'),
      rec('e', 'OnWorkflowCompletion', true),
    ];
    assert.deepEqual(names(planArtifactGC({ artifacts: arts, event: 'completion' }).delete), ['d']);
    assert.deepEqual(names(planArtifactGC({ artifacts: arts, event: 'completion', workflowStrategy: 'OnWorkflowCompletion' }).delete), [
      'a',
      'd',
    ]);
    assert.deepEqual(names(planArtifactGC({ artifacts: arts, event: 'deletion' }).delete), ['b', 'd']);
    assert.deepEqual(names(planArtifactGC({ artifacts: arts, event: 'deletion', workflowStrategy: 'OnWorkflowDeletion' }).keep), ['c']);
  });
});

describe('Redactor', () => {
  test('rewrites values, encoded forms and URL user-info in messages and rebuilt SDK-like errors', () => {
    const sdkLike = Object.assign(new Error('denied for AKIA123456 using s3cr3t/value+x'), {
      name: 'AccessDenied',
      AWSAccessKeyId: 'AKIA123456',
      $response: { body: 's3cr3t%2Fvalue%2Bx' },
    });
    const r = new Redactor().add('AKIA123456', 's3cr3t/value+x', undefined, 'ab');
    const e = r.error(sdkLike, { code: 'UNAUTHORIZED', context: 's3 save s3://b/k' });
    assert.equal(e.code, 'UNAUTHORIZED');
    assert.equal(e.message, `s3 save s3://b/k: denied for ${REDACTED} using ${REDACTED}`);
    const all = JSON.stringify(e) + e.message + String(e.stack) + JSON.stringify(e.cause) + String((e.cause as Error).message);
    assert.ok(!all.includes('AKIA123456') && !all.includes('s3cr3t'), all);
    assert.equal((e.cause as Error).name, 'AccessDenied');
    assert.equal(redactText('GET https://bob:hunter22@host/x failed', []), `GET https://${REDACTED}@host/x failed`);
    assert.equal(redactText('short ab stays', ['ab']), 'short ab stays');
  });
});
