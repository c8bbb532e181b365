// Attack 2 (issue 11): `volumeMounts[].subPath` leading out of its volume — `..` segments (refused at lint with
// INVALID_SPEC, and at run time when a parameter fills them in) and a symlink an earlier step put in the volume
// (refused at run time). No host directory is created or mounted.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { test } from 'node:test';
import { lintDocument } from '../../src/api/lint.js';
import { podNode, shellWorkflow, startSandboxKit } from './sandbox-kit.js';
import type { FinishedWorkflow } from './sandbox-kit.js';

const ctx = { findWorkflowTemplate: () => undefined };
const canaryName = (): string => `weir-subpath-canary-${process.pid}-${Date.now()}`;
const escape = (name: string): string => `../../../../../../../../../../var/tmp/${name}`;

const mounting = (subPath: string, script = 'touch /vol/pwned'): Record<string, unknown> =>
  shellWorkflow(script, {
    container: { volumeMounts: [{ name: 'v', mountPath: '/vol', subPath }] },
    spec: { volumes: [{ name: 'v', emptyDir: {} }], arguments: { parameters: [{ name: 'sub', value: 'x' }] } },
  });

test('lint: a subPath with .. above its volume is an error (and the API answers 400 INVALID_SPEC)', async () => {
  const wf = mounting(escape('x'));
  const errors = lintDocument(wf, ctx).filter((f) => f.severity === 'error');
  assert.ok(
    errors.some((f) => f.rule === 'volume-subpath' && f.path.join('.').endsWith('volumeMounts.0.subPath')),
    JSON.stringify(errors),
  );
  assert.ok(
    lintDocument(mounting('/abs'), ctx).some((f) => f.rule === 'volume-subpath'),
    'absolute subPath',
  );
  assert.ok(!lintDocument(mounting('a/../b'), ctx).some((f) => f.rule === 'volume-subpath'), 'a/../b stays inside');
  await using kit = await startSandboxKit();
  const r = await kit.submit(wf);
  assert.equal(r.status, 400, JSON.stringify(r.body));
  assert.equal(r.body.code, 'INVALID_SPEC');
  assert.match(String(r.body.message), /subPath/);
});

test('run time: a subPath filled in by a parameter that leaves the volume fails the step, nothing is created on the host', async () => {
  await using kit = await startSandboxKit();
  const name = canaryName();
  try {
    const wf = mounting('{{workflow.parameters.sub}}');
    (wf.spec as { arguments: { parameters: { value: string }[] } }).arguments.parameters[0].value = escape(name);
    const done: FinishedWorkflow = await kit.run(wf);
    assert.notEqual(done.status.phase, 'Succeeded');
    assert.match(String(podNode(done).message), /subPath .* leaves its volume/);
    assert.equal(existsSync(`/var/tmp/${name}`), false, 'the host directory was created');
  } finally {
    await rm(`/var/tmp/${name}`, { recursive: true, force: true });
  }
});

test('run time: a subPath through a symlink an earlier step made in the volume is refused', async () => {
  await using kit = await startSandboxKit();
  const name = canaryName();
  const wf = {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Workflow',
    metadata: { generateName: 'attack-' },
    spec: {
      entrypoint: 'main',
      volumes: [{ name: 'v', emptyDir: {} }],
      templates: [
        { name: 'main', steps: [[{ name: 'plant', template: 'plant' }], [{ name: 'use', template: 'use' }]] },
        {
          name: 'plant',
          container: { image: 'alpine', command: ['ln', '-s', '/', '/vol/up'], volumeMounts: [{ name: 'v', mountPath: '/vol' }] },
        },
        {
          name: 'use',
          container: {
            image: 'alpine',
            command: ['touch', '/mnt/pwned'],
            volumeMounts: [{ name: 'v', mountPath: '/mnt', subPath: `up/var/tmp/${name}` }],
          },
        },
      ],
    },
  };
  try {
    const done = await kit.run(wf);
    assert.notEqual(done.status.phase, 'Succeeded');
    const use = Object.values(done.status.nodes ?? {}).find((n) => n.displayName === 'use');
    assert.match(String(use?.message), /leaves its volume/, JSON.stringify(use));
    assert.equal(existsSync(`/var/tmp/${name}`), false, 'the host directory was created through the link');
  } finally {
    await rm(`/var/tmp/${name}`, { recursive: true, force: true });
  }
});

test('a subPath inside the volume still works', async () => {
  await using kit = await startSandboxKit();
  const done = await kit.run(mounting('a/b/../c', 'echo hi > /vol/f && test -f /vol/f'));
  assert.equal(done.status.phase, 'Succeeded', JSON.stringify(podNode(done)));
});
