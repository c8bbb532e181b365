// `weir run --pod-images FILE` (Argo's `images` setting) with the container executor: a listed image's entrypoint
// is run instead of the image's own ENTRYPOINT for a template without `command` (the image's own runs without the
// file); a file that cannot be read is a usage error. The pod executor's side: test/kube/pod-run-images.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import { memoryIo } from '../../src/cli/io.js';
import { buildTestImages } from '../executor/container-env.js';
import { tempDir } from '../e2e/events-kit.js';
import { runFixture } from './run-kit.js';

const workflow = `apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: { name: images-file }
spec:
  entrypoint: main
  templates:
    - name: main
      container: { image: localhost/weir-test/entrypoint:1, args: [hello] }
`;

test('weir run --pod-images: the container executor runs a listed entrypoint instead of the image one', async () => {
  buildTestImages();
  await using tmp = await tempDir('run-images');
  const wf = join(tmp.dir, 'wf.yaml');
  const images = join(tmp.dir, 'images.yaml');
  await writeFile(wf, workflow);
  await writeFile(images, `localhost/weir-test/entrypoint:1:\n  entrypoint: [sh, -c, 'echo "listed:$0"']\n`);
  const listed = await runFixture(wf, '--executor', 'container', '--pod-images', images);
  assert.equal(listed.code, 0, listed.stderr);
  assert.equal(listed.node('images-file').outputs?.result, 'listed:hello');
  const own = await runFixture(wf, '--executor', 'container');
  assert.equal(own.code, 0, own.stderr);
  assert.equal(own.node('images-file').outputs?.result, 'entry:hello\n/srv/app', "without the file: the image's ENTRYPOINT");
});

test('weir run --pod-images: a missing or malformed file is a usage error naming it', async () => {
  await using tmp = await tempDir('run-images');
  const wf = join(tmp.dir, 'wf.yaml');
  await writeFile(wf, workflow);
  const missing = memoryIo({ NO_COLOR: '1' }, tmp.dir);
  assert.equal(await main(['run', wf, '--pod-images', 'nope.yaml'], missing), 2);
  assert.match(missing.err, /--pod-images nope\.yaml: cannot read it/);
  await writeFile(join(tmp.dir, 'bad.yaml'), 'alpine: [sh]\n');
  const bad = memoryIo({ NO_COLOR: '1' }, tmp.dir);
  assert.equal(await main(['run', wf, '--pod-images', 'bad.yaml'], bad), 2);
  assert.match(bad.err, /bad\.yaml: alpine: must be a mapping with entrypoint and\/or cmd/);
});
