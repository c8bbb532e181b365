// The pod executor's image commands (Argo's `images` setting): Kubernetes' ENTRYPOINT/CMD rules for a template
// without `command`, Docker's name defaults when matching, and the file's validation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalImage, parseImageCommands, withImageCommand, withImageCommands } from '../../src/executor/pod-images.js';
import type { StepSpec } from '../../src/executor/types.js';
import { WeirError } from '../../src/core/errors.js';

const images = parseImageCommands(
  'argoproj/argosay:v2: { entrypoint: [/argosay] }\ndocker/whalesay: { cmd: [cowsay] }\nx.io/t: { entrypoint: [/e], cmd: [d] }\n',
  'images.yaml',
);

function step(image: string, c: { command?: string[]; args?: string[] }): StepSpec {
  return {
    workflow: { namespace: 'ns', name: 'w', uid: 'u' },
    nodeId: 'n',
    command: [],
    env: {},
    outputPaths: [],
    mounts: [],
    image,
    container: c,
  };
}

test('pod images: the listed image command fills in a template without one (ENTRYPOINT + args, else CMD)', () => {
  assert.deepEqual(withImageCommand(step('docker.io/argoproj/argosay:v2', { args: ['echo', 'hi'] }), images).container, {
    args: [],
    command: ['/argosay', 'echo', 'hi'],
  });
  assert.deepEqual(withImageCommand(step('docker/whalesay:latest', {}), images).container?.command, ['cowsay']);
  assert.deepEqual(withImageCommand(step('x.io/t', { args: [] }), images).container?.command, ['/e', 'd']);
  assert.deepEqual(withImageCommand(step('x.io/t', { args: ['a'] }), images).container?.command, ['/e', 'a']);
  const own = step('argoproj/argosay:v2', { command: ['sh'], args: ['-c', 'true'] });
  assert.equal(withImageCommand(own, images), own, 'a template with a command keeps it');
  const other = step('argoproj/argosay:v1', { args: ['x'] });
  assert.equal(withImageCommand(other, images), other, 'another tag is another image');
});

test("pod images: a containerSet's members and the sidecars get their own image's command too (Argo's containerSet examples name none)", () => {
  const a = step('argoproj/argosay:v2', {});
  const b = step('docker/whalesay', {});
  const side = step('x.io/t', {});
  const own = step('busybox', { command: ['sleep'], args: ['1'] });
  const main = {
    ...a,
    pod: {
      containerSet: {
        members: [
          { name: 'a', spec: a, dependencies: [] },
          { name: 'b', spec: b, dependencies: ['a'] },
          { name: 'c', spec: own, dependencies: ['a'] },
        ],
        outcome: 'a',
      },
      sidecars: [{ name: 's', spec: side }],
    },
  };
  const out = withImageCommands(main, images);
  assert.deepEqual(out.container?.command, ['/argosay']);
  const members = out.pod?.containerSet?.members ?? [];
  assert.deepEqual(
    members.map((m) => m.spec.container?.command),
    [['/argosay'], ['cowsay'], ['sleep']],
  );
  assert.deepEqual(members[1].dependencies, ['a']);
  assert.deepEqual(out.pod?.sidecars?.[0].spec.container?.command, ['/e', 'd']);
  assert.equal(withImageCommands(main, undefined), main, 'no images file: unchanged');
});

test('pod images: Docker name defaults', () => {
  assert.equal(canonicalImage('alpine'), 'docker.io/library/alpine:latest');
  assert.equal(canonicalImage('argoproj/argosay:v2'), 'docker.io/argoproj/argosay:v2');
  assert.equal(canonicalImage('localhost:5000/a/b'), 'localhost:5000/a/b:latest');
  assert.equal(canonicalImage('quay.io/a/b@sha256:00'), 'quay.io/a/b@sha256:00');
});

test('pod images: a bad file names the entry', () => {
  for (const [text, msg] of [
    ['- a', /must map image names/],
    ['a: { entrypoint: sh }', /a\.entrypoint must be a list of strings/],
    ['a: {}', /a: names neither entrypoint nor cmd/],
  ] as const)
    assert.throws(
      () => parseImageCommands(text, 'f.yaml'),
      (e: unknown) => e instanceof WeirError && e.code === 'INVALID_SPEC' && msg.test(e.message),
    );
});
