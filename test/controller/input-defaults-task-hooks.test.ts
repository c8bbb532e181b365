// Engine gaps found by running Argo's e2e workflows: template input defaults with placeholders, DAG task exit
// handlers and hooks (also per loop item), templateDefaults merged deeply without changing a template's type.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Sim } from './sim.js';
import { applyTemplateDefaults } from '../../src/controller/template-defaults.js';
import type { Template } from '../../src/api/workflow-template.js';
import { IMAGES_BIN, isArgosayImage, withStandInPath } from '../../src/controller/image-stand-ins.js';
import { buildStepSpec } from '../../src/controller/pod-step.js';
import { missingCommand } from '../../src/controller/controller-effects.js';

const wf = (spec: string): string => `
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: { name: w }
spec:
${spec}`;

test('input parameter defaults: {{workflow.*}}, {{=expr}} and earlier inputs are substituted', () => {
  const s = new Sim(
    wf(`
  entrypoint: main
  arguments: { parameters: [{ name: p, value: '{"a":"1"}' }] }
  templates:
    - name: main
      inputs:
        parameters:
          - { name: a, value: "{{=jsonpath(workflow.parameters.p, '$.a')}}" }
          - { name: b, value: "{{workflow.mainEntrypoint}}-{{inputs.parameters.a}}" }
          - { name: c, value: "{{=1+2}}" }
      container: { image: x, command: [echo, "{{inputs.parameters.a}} {{inputs.parameters.b}} {{inputs.parameters.c}}"] }
`),
  ).pass();
  const start = s.actions.find((a) => a.type === 'start');
  assert.ok(start?.type === 'start');
  assert.deepEqual(start.spec.command, ['echo', '1 main-1 3']);
  assert.deepEqual(
    s.node('w').inputs?.parameters?.map((p) => p.value),
    ['1', 'main-1', '3'],
  );
});

test('input parameter default that cannot be resolved is an Error, not a literal', () => {
  const s = new Sim(
    wf(`
  entrypoint: main
  templates:
    - name: main
      inputs: { parameters: [{ name: a, value: "{{workflow.parameters.nope}}" }] }
      container: { image: x, command: [echo] }
`),
  ).pass();
  assert.equal(s.phase, 'Error');
  assert.match(s.node('w').message ?? '', /inputs\.parameters\.a: failed to resolve/);
});

test('DAG task onExit runs before the DAG completes; dependents wait for it', () => {
  const s = new Sim(
    wf(`
  entrypoint: main
  templates:
    - name: main
      dag:
        tasks:
          - { name: a, template: t, onExit: cleanup }
          - { name: b, template: t, depends: a }
    - name: t
      container: { image: x, command: [x] }
    - name: cleanup
      container: { image: x, command: [c] }
`),
  ).pass();
  s.finish('a').pass();
  assert.deepEqual(s.started(), ['a.onExit']);
  assert.equal(s.has('b'), false, 'b waits for a.onExit');
  s.pass();
  assert.equal(s.phase, 'Running');
  s.finish('w.a.onExit').pass();
  assert.deepEqual(s.started(), ['b']);
  s.finish('b').pass();
  assert.equal(s.phase, 'Succeeded');
  for (const n of Object.values(s.wf.status?.nodes ?? {})) assert.equal(n.phase, 'Succeeded', n.name);
});

test('DAG withItems task: each item gets its own exit hook and expression hook', () => {
  const s = new Sim(
    wf(`
  entrypoint: main
  templates:
    - name: main
      dag:
        tasks:
          - name: looped
            template: t
            withItems: [1, 2]
            hooks:
              exit: { template: t }
              running: { template: t, expression: 'tasks.looped.status == "Running"' }
    - name: t
      container: { image: x, command: [x] }
`),
  )
    .pass()
    .pass();
  assert.equal(s.node('w.looped(0:1)').phase, 'Running');
  s.runToEnd();
  assert.equal(s.phase, 'Succeeded');
  for (const n of ['w.looped(0:1).onExit', 'w.looped(1:2).onExit', 'w.looped(0:1).hooks.running', 'w.looped(1:2).hooks.running']) {
    assert.equal(s.node(n).phase, 'Succeeded', n);
  }
  const pending = Object.values(s.wf.status?.nodes ?? {}).filter((n) => n.phase !== 'Succeeded');
  assert.deepEqual(
    pending.map((n) => n.name),
    [],
  );
});

test('templateDefaults: deep merge, template fields win, a steps template stays a steps template', () => {
  const s = new Sim(
    wf(`
  entrypoint: main
  templateDefaults:
    container: { image: alpine, command: [sh, -c], workingDir: /tmp, env: [{ name: A, value: a }, { name: B, value: b }] }
    script: { image: alpine, command: [sh] }
    timeout: 1h
  templates:
    - name: main
      steps:
        - - { name: s, template: t }
          - { name: sc, template: sc }
    - name: t
      container: { args: [pwd], env: [{ name: B, value: own }] }
    - name: sc
      script: { source: echo hi }
`),
  ).pass();
  assert.equal(s.node('w').type, 'Steps');
  const byName = new Map(s.actions.map((a) => [a.type === 'start' ? s.wf.status?.nodes?.[a.nodeId]?.displayName : '', a]));
  const t = byName.get('s');
  assert.ok(t?.type === 'start');
  assert.deepEqual(t.spec.command, ['sh', '-c', 'pwd']);
  assert.equal(t.spec.workingDir, '/tmp');
  assert.deepEqual(t.spec.env, { A: 'a', B: 'own' });
  const sc = byName.get('sc');
  assert.ok(sc?.type === 'start');
  assert.deepEqual(sc.spec.command, ['sh']);
  assert.equal(sc.spec.script?.source, 'echo hi');
  s.finishAll();
  assert.equal(s.phase, 'Succeeded');
});

test('applyTemplateDefaults keeps the template type and does not change its inputs', () => {
  const defaults = { container: { image: 'i', command: ['c'] }, retryStrategy: { limit: '2' } } as Partial<Template>;
  const steps = { name: 's', steps: [[{ name: 'x', template: 'y' }]] } as Template;
  const r = applyTemplateDefaults(defaults, steps);
  assert.equal(r.container, undefined);
  assert.deepEqual(r.retryStrategy, { limit: '2' });
  assert.deepEqual(steps, { name: 's', steps: [[{ name: 'x', template: 'y' }]] });
  assert.equal(applyTemplateDefaults(undefined, steps), steps);
});

test('image stand-ins: argosay images run their entrypoint; PATH gets the stand-ins first', () => {
  assert.equal(isArgosayImage('argoproj/argosay:v2'), true);
  assert.equal(isArgosayImage('quay.io/argoproj/argosay@sha256:abc'), true);
  assert.equal(isArgosayImage('argoproj/argosay'), true);
  assert.equal(isArgosayImage('alpine'), false);
  assert.equal(isArgosayImage('example.com/notargoproj/argosay:v1'), false);
  const wfr = { namespace: 'n', name: 'w', uid: 'u' };
  const none = { configMap: () => undefined, secret: () => undefined };
  const b = buildStepSpec({ name: 't', container: { image: 'argoproj/argosay:v2', args: ['echo', 'x'] } }, wfr, 'id', none);
  assert.deepEqual(b.spec?.command, ['argosay', 'echo', 'x']);
  const own = buildStepSpec(
    { name: 't', container: { image: 'argoproj/argosay:v2', command: ['sh'], args: ['-c', 'x'] } },
    wfr,
    'id',
    none,
  );
  assert.deepEqual(own.spec?.command, ['sh', '-c', 'x']);
  const sc = buildStepSpec({ name: 't', script: { image: 'argoproj/argosay:v2', args: ['echo', '[]'] } }, wfr, 'id', none);
  assert.deepEqual(sc.spec?.command, ['argosay', 'echo', '[]']);
  assert.equal(sc.spec?.script, undefined);
  const plain = buildStepSpec({ name: 't', container: { image: 'alpine' } }, wfr, 'id', none);
  assert.match(plain.error ?? '', /neither command/);
  const whale = buildStepSpec({ name: 't', container: { image: 'docker/whalesay:latest' } }, wfr, 'id', none);
  assert.deepEqual(whale.spec?.command, ['bash'], "whalesay's default CMD");
  assert.ok(IMAGES_BIN?.endsWith('/images/bin'));
  const spec = b.spec;
  assert.equal(withStandInPath(spec, '/usr/bin', '/x/bin').env.PATH, '/x/bin:/usr/bin');
  assert.equal(withStandInPath({ ...spec, env: { PATH: '/mine' } }, '/usr/bin', '/x/bin').env.PATH, '/x/bin:/mine');
  assert.equal(
    missingCommand({ ...spec, command: ['exit', '1'], env: { PATH: '/usr/bin:/bin' } }),
    'exit: executable file not found in $PATH',
  );
  assert.equal(missingCommand({ ...spec, command: ['sh'], env: { PATH: '/usr/bin:/bin' } }), undefined);
});
