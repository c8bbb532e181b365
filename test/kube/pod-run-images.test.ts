// `weir run --executor pod --pod-images FILE` against the real API server and the test node: a template without
// `command` whose image is listed (argosay's entrypoint, which Argo's emissary would look up in the registry) gets
// the agent around it, so its output parameter read from a file comes back; without the file the same step is refused
// with a message pointing at --pod-images.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tempDir } from '../e2e/events-kit.js';
import { runFixtureWith } from '../cli/run-kit.js';
import { startPodCluster } from './kit.js';

const workflow = `apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: { name: pod-images-run, namespace: default }
spec:
  entrypoint: say
  templates:
    - name: say
      container: { image: argoproj/argosay:v2, args: [echo, from-argosay, /tmp/msg.txt] }
      outputs: { parameters: [{ name: msg, valueFrom: { path: /tmp/msg.txt } }] }
`;

test('weir run --executor pod --pod-images: a listed image without command is wrapped by the agent', async () => {
  const kube = await startPodCluster();
  await using tmp = await tempDir('pod-run-images');
  const wf = join(tmp.dir, 'wf.yaml');
  const images = join(tmp.dir, 'images.yaml');
  await writeFile(wf, workflow);
  await writeFile(images, 'argoproj/argosay:v2: { entrypoint: [/argosay] }\n');
  const env = { KUBECONFIG: kube.kubeconfig };
  const listed = await runFixtureWith(env, wf, '--executor', 'pod', '--pod-images', images);
  assert.equal(listed.code, 0, listed.stderr);
  assert.deepEqual(
    (listed.node('pod-images-run').outputs?.parameters ?? []).map((p) => [p.name, p.value]),
    [['msg', 'from-argosay']],
  );
  const unlisted = await runFixtureWith(env, wf, '--executor', 'pod');
  assert.equal(unlisted.code, 1);
  assert.match(unlisted.node('pod-images-run').message ?? '', /needs the template's `command`.*--pod-images/);
});
