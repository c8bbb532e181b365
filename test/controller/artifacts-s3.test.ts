// Artifacts through the controller against s3rver: the namespace's artifact-repositories ConfigMap as default
// repository, input from a bucket key (key-only and fully located), outputs saved with the default key format in
// tgz and `archive: none` (file and directory) and read back by the next step, artifactGC OnWorkflowCompletion.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { startS3rver } from '../helpers/s3rver.js';
import type { S3rverInstance } from '../helpers/s3rver.js';
import { HostExecutor } from '../../src/executor/host-executor.js';
import { WorkflowController } from '../../src/controller/controller.js';
import { createMemoryStore } from '../../src/store/memory-store.js';
import type { NewObjectOf } from '../../src/store/types.js';
import type { NodeStatus, WorkflowStatus } from '../../src/controller/types.js';

const BUCKET = 'weir-wf';
let s3: S3rverInstance;
let raw: S3Client;

before(async () => {
  s3 = await startS3rver({ buckets: [BUCKET] });
  raw = new S3Client({
    endpoint: s3.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
  });
  await raw.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'input/hello.txt', Body: 'hello from the bucket\n' }));
  await raw.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'input/other.bin', Body: 'x' }));
});
after(async () => {
  raw.destroy();
  await s3.stop();
});

async function keys(prefix = ''): Promise<string[]> {
  const r = await raw.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
  return (r.Contents ?? []).map((o) => o.Key ?? '').sort();
}

const wfYaml = (endpoint: string): string => `
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: { name: s3wf }
spec:
  entrypoint: main
  templates:
    - name: main
      steps:
        - - { name: fetch, template: fetch }
          - { name: gen, template: gen }
          - { name: list, template: list }
        - - name: consume
            template: consume
            arguments:
              artifacts:
                - { name: tgz, from: "{{steps.gen.outputs.artifacts.tgz}}" }
                - { name: flat, from: "{{steps.gen.outputs.artifacts.flat}}" }
                - { name: file, from: "{{steps.gen.outputs.artifacts.file}}" }
    - name: fetch
      inputs:
        artifacts:
          - { name: keyonly, path: /in/a.txt, s3: { key: input/hello.txt } }
          - name: located
            path: /in/b.txt
            s3:
              endpoint: ${endpoint}
              insecure: true
              bucket: ${BUCKET}
              key: input/hello.txt
              accessKeySecret: { name: s3creds, key: ak }
              secretKeySecret: { name: s3creds, key: sk }
      container: { image: alpine, command: [sh, -c, 'cat /in/a.txt /in/b.txt'] }
    - name: list
      data:
        source:
          artifactPaths: { name: files, s3: { key: input } }
        transformation:
          - expression: 'filter(data, {# endsWith ".txt"})'
          - expression: 'map(data, {upper(#)})'
    - name: gen
      script:
        image: alpine
        command: [sh]
        source: |
          mkdir -p /tmp/d/sub /tmp/f/sub
          echo one > /tmp/d/one.txt; echo two > /tmp/d/sub/two.txt
          echo three > /tmp/f/three.txt; echo four > /tmp/f/sub/four.txt
          echo five > /tmp/five.txt
      outputs:
        artifacts:
          - { name: tgz, path: /tmp/d }
          - { name: flat, path: /tmp/f, archive: { none: {} } }
          - { name: file, path: /tmp/five.txt, archive: { none: {} }, s3: { key: "custom/{{workflow.name}}/five.txt" }, artifactGC: { strategy: OnWorkflowCompletion } }
    - name: consume
      inputs:
        artifacts:
          - { name: tgz, path: /w/d }
          - { name: flat, path: /w/f }
          - { name: file, path: /w/five.txt }
      container: { image: alpine, command: [sh, -c, 'cat /w/d/one.txt /w/d/sub/two.txt /w/f/three.txt /w/f/sub/four.txt /w/five.txt'] }
`;

test('s3 repository from the artifact-repositories ConfigMap: inputs by key, tgz and archive-none round trips, data template, artifactGC', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'weir-art-s3-'));
  const store = createMemoryStore();
  const ac = new AbortController();
  const endpoint = s3.endpoint.replace(/^http:\/\//, '');
  try {
    await store.create('Secret', {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 's3creds', namespace: 'default' },
      stringData: { ak: s3.accessKeyId, sk: s3.secretAccessKey },
    });
    await store.create('ConfigMap', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: 'artifact-repositories',
        namespace: 'default',
        annotations: { 'workflows.argoproj.io/default-artifact-repository': 'my-s3' },
      },
      data: {
        'my-s3': `s3:\n  bucket: ${BUCKET}\n  endpoint: ${endpoint}\n  insecure: true\n  accessKeySecret: { name: s3creds, key: ak }\n  secretKeySecret: { name: s3creds, key: sk }\n`,
      },
    });
    const controller = new WorkflowController({
      store,
      executor: new HostExecutor({ dataDir: join(dir, 'data'), bwrapPath: null, pollIntervalMs: 20 }),
    });
    const running = controller.run(ac.signal);
    await store.create('Workflow', parse(wfYaml(endpoint)) as NewObjectOf<'Workflow'>);
    let st: WorkflowStatus | undefined;
    for (let i = 0; i < 3000; i++) {
      st = (await store.get('Workflow', 'default', 's3wf'))?.status;
      if (st?.phase === 'Succeeded' || st?.phase === 'Failed' || st?.phase === 'Error') break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const nodes = Object.values(st?.nodes ?? {});
    const node = (d: string): NodeStatus => nodes.find((n) => n.displayName === d) as NodeStatus;
    assert.equal(st?.phase, 'Succeeded', JSON.stringify(nodes.map((n) => [n.displayName, n.phase, n.message])));
    assert.equal(node('fetch').outputs?.result, 'hello from the bucket\nhello from the bucket');
    assert.equal(node('consume').outputs?.result, 'one\ntwo\nthree\nfour\nfive');
    assert.equal(node('list').type, 'Pod');
    assert.equal(node('list').outputs?.result, '["INPUT/HELLO.TXT"]', 'data template: listed keys, filtered and mapped');
    const gen = node('gen');
    assert.deepEqual((st?.artifactRepositoryRef as { configMap?: string; key?: string }).configMap, 'artifact-repositories');
    const byName = (n: string) => gen.outputs?.artifacts?.find((a) => a.name === n);
    assert.equal(byName('tgz')?.s3?.key, `s3wf/${gen.id}/tgz.tgz`);
    assert.equal(byName('tgz')?.s3?.bucket, BUCKET);
    assert.equal(byName('flat')?.s3?.key, `s3wf/${gen.id}/f`);
    assert.deepEqual(byName('file')?.s3, { key: 'custom/s3wf/five.txt' }, 'a key-only output stays key-only in the status');
    assert.deepEqual(await keys('s3wf/'), [`s3wf/${gen.id}/f/sub/four.txt`, `s3wf/${gen.id}/f/three.txt`, `s3wf/${gen.id}/tgz.tgz`]);
    // artifactGC OnWorkflowCompletion: the object is deleted and the status says so.
    for (let i = 0; i < 500 && (await keys('custom/')).length > 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(await keys('custom/'), []);
    let deleted: boolean | undefined;
    for (let i = 0; i < 500 && deleted !== true; i++) {
      const s = (await store.get('Workflow', 'default', 's3wf'))?.status as WorkflowStatus;
      deleted = Object.values(s.nodes ?? {})
        .find((n) => n.displayName === 'gen')
        ?.outputs?.artifacts?.find((a) => a.name === 'file')?.deleted;
      if (deleted !== true) await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(deleted, true);
    ac.abort();
    await running;
  } finally {
    ac.abort();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
});
