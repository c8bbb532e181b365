// Issue 11 item 16 (acceptance 3): a server started on the examples (what `npm start` runs), then a Workflow in
// namespace default that passes an artifact between two steps: Succeeded with no S3 server anywhere. The examples
// must not change the default artifact repository (the upload example once made it an S3 bucket on localhost:9000);
// the embedded default is the local repository under the data dir.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { repoPath } from '../helpers/paths.js';
import { eventually, spawnWeir, tempDir } from './events-kit.js';

const workflow = {
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'Workflow',
  metadata: { generateName: 'pass-artifact-' },
  spec: {
    entrypoint: 'main',
    templates: [
      {
        name: 'main',
        steps: [
          [{ name: 'make', template: 'make' }],
          [{ name: 'use', template: 'use', arguments: { artifacts: [{ name: 'in', from: '{{steps.make.outputs.artifacts.out}}' }] } }],
        ],
      },
      {
        name: 'make',
        container: { image: 'busybox:1.36', command: ['sh', '-c', 'echo carried-over > /tmp/out.txt'] },
        outputs: { artifacts: [{ name: 'out', path: '/tmp/out.txt' }] },
      },
      {
        name: 'use',
        inputs: { artifacts: [{ name: 'in', path: '/tmp/in.txt' }] },
        script: { image: 'busybox:1.36', command: ['sh'], source: 'cat /tmp/in.txt' },
      },
    ],
  },
};

interface Wf {
  metadata: { name: string };
  status?: {
    phase?: string;
    message?: string;
    nodes?: Record<string, { displayName?: string; outputs?: { result?: string } }>;
    artifactRepositoryRef?: unknown;
  };
}

test('weir server examples/, then a default-namespace workflow passing an artifact: Succeeded on the local repository, no S3', async () => {
  await using tmp = await tempDir('default-artifacts');
  const dataDir = join(tmp.dir, 'data');
  const weir = await spawnWeir({ dataDir, busUrl: 'embedded', manifests: [repoPath('examples')] });
  try {
    const res = await fetch(`${weir.url}/api/v1/workflows/default`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ workflow }),
    });
    assert.equal(res.status, 200, await res.clone().text());
    const {
      metadata: { name },
    } = (await res.json()) as Wf;
    const wf = await eventually(
      async () => {
        const w = (await (await fetch(`${weir.url}/api/v1/workflows/default/${name}`)).json()) as Wf;
        return ['Succeeded', 'Failed', 'Error'].includes(w.status?.phase ?? '') && w;
      },
      { timeoutMs: 90_000, everyMs: 200, what: `${name} finished` },
    );
    assert.equal(wf.status?.phase, 'Succeeded', `${wf.status?.message ?? ''}\n${JSON.stringify(wf.status?.nodes, null, 1)}`);
    const use = Object.values(wf.status?.nodes ?? {}).find((n) => n.displayName === 'use');
    assert.equal(use?.outputs?.result, 'carried-over');
    assert.deepEqual(wf.status?.artifactRepositoryRef, { default: true, artifactRepository: { local: {} } });
    assert.ok((await readdir(join(dataDir, 'artifacts'))).length > 0, 'the artifact is stored under <data-dir>/artifacts');
  } catch (e) {
    throw new Error(`${(e as Error).message}\n--- server log ---\n${weir.log().slice(-4000)}`, { cause: e });
  } finally {
    await weir.stop();
  }
});
