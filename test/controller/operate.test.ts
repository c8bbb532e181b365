// Pure-function tests of the engine: node ids and names, loop expansion, retry backoff with an injected clock,
// DAG phase assessment, and operate() driven step by step from YAML with simulated step outcomes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { fnv32a, itemLabel, loopItemName, nodeId } from '../../src/controller/nodes.js';
import { expandSequence, itemVars, sprintfInt } from '../../src/controller/loops.js';
import { backoffDelayMs, decideRetry } from '../../src/controller/retry.js';
import { assessDag } from '../../src/controller/dag.js';
import { operate } from '../../src/controller/operate.js';
import { resultOf } from '../../src/controller/pod-step.js';
import type { NodeStatus, OperateContext, PodState, WorkflowObject } from '../../src/controller/types.js';

test('node ids: root is the workflow name, others fnv32a of the node name', () => {
  assert.equal(fnv32a(''), 0x811c9dc5);
  assert.equal(fnv32a('a'), 0xe40c292c);
  assert.equal(nodeId('wf', 'wf'), 'wf');
  assert.equal(nodeId('wf', 'wf[0].a'), `wf-${fnv32a('wf[0].a')}`);
});

test('loop item labels in node names', () => {
  const cases: [unknown, string][] = [
    ['x', 'x'],
    [3, '3'],
    [1.5, '1.5'],
    [true, 'true'],
    [{ b: 2, a: 'x' }, 'a:x,b:2'],
    [[1, 2], '[1,2]'],
  ];
  for (const [item, want] of cases) assert.equal(itemLabel(item), want);
  assert.equal(loopItemName('step', 2, { os: 'linux' }), 'step(2:os:linux)');
});

test('withSequence and printf formats', () => {
  const e: string[] = [];
  assert.deepEqual(expandSequence({ count: '3' }, e), ['0', '1', '2']);
  assert.deepEqual(expandSequence({ start: '5', end: '3' }, e), ['5', '4', '3']);
  assert.deepEqual(expandSequence({ start: '1', end: '2', format: 'id-%03d' }, e), ['id-001', 'id-002']);
  assert.deepEqual(expandSequence({ count: 0 }, e), []);
  assert.deepEqual(e, []);
  expandSequence({ count: '2', end: '3' }, e);
  assert.equal(e.length, 1);
  assert.equal(sprintfInt('%x|%5d|%-3d|%%', 255), 'ff|  255|255|%');
  assert.deepEqual(itemVars({ a: 1, b: 'x' }), { item: '{"a":1,"b":"x"}', 'item.a': '1', 'item.b': 'x' });
});

test('result trims exactly one trailing newline', () => {
  assert.equal(resultOf('a\n\n'), 'a\n');
  assert.equal(resultOf('a'), 'a');
  assert.equal(resultOf(''), '');
});

const attempt = (phase: NodeStatus['phase'], startedAt: string, finishedAt: string, message?: string): NodeStatus => ({
  id: 'x',
  name: 'x',
  displayName: 'x',
  type: 'Pod',
  phase,
  startedAt,
  finishedAt,
  ...(message ? { message } : {}),
});

test('retry backoff: duration * factor^(n-1), capped; decisions with an injected clock', () => {
  const s = { limit: '3', backoff: { duration: '10s', factor: '2', cap: '30s' } };
  assert.deepEqual(
    [1, 2, 3, 4].map((n) => backoffDelayMs(s, n)),
    [10_000, 20_000, 30_000, 30_000],
  );
  assert.equal(backoffDelayMs({ backoff: { duration: '5' } }, 3), 5000);
  const t0 = Date.parse('2024-01-01T00:00:00Z');
  const a1 = attempt('Failed', '2024-01-01T00:00:00Z', '2024-01-01T00:00:01Z');
  assert.deepEqual(decideRetry(s, [a1], t0 + 1000), { kind: 'wait', ms: 10_000 });
  assert.deepEqual(decideRetry(s, [a1], t0 + 11_000), { kind: 'start', attempt: 1 });
  assert.equal(decideRetry({ limit: 1 }, [a1, a1], t0).kind, 'done');
  assert.equal(decideRetry({ limit: 5 }, [attempt('Error', '', '')], t0).kind, 'done', 'OnFailure does not retry errors');
  assert.equal(decideRetry({ limit: 5, retryPolicy: 'OnError' }, [attempt('Error', '', '')], t0).kind, 'start');
  assert.equal(decideRetry({ limit: 5, expression: 'lastRetry.status == "Failed"' }, [a1], t0 + 5000).kind, 'start');
  assert.equal(decideRetry({ limit: 5, backoff: { duration: '1m', maxDuration: '30s' } }, [a1], t0).kind, 'done');
});

test('DAG phase: omitted tasks inherit their branch phase; continueOn tolerates a failed target', () => {
  const infos = new Map([
    ['A', { task: { name: 'A' }, deps: [] }],
    ['B', { task: { name: 'B' }, deps: ['A'] }],
    ['C', { task: { name: 'C', continueOn: { failed: true } }, deps: [] }],
  ]);
  const run = (phases: Record<string, NodeStatus['phase']>, targets: string[]): string => assessDag(targets, infos, (t) => phases[t], true);
  assert.equal(run({ A: 'Failed', B: 'Omitted' }, ['B']), 'Failed');
  assert.equal(run({ A: 'Succeeded', B: 'Omitted' }, ['B']), 'Succeeded');
  assert.equal(run({ A: 'Succeeded', B: 'Succeeded', C: 'Failed' }, ['B', 'C']), 'Succeeded');
  assert.equal(run({ A: 'Succeeded' }, ['B']), 'Running');
});

/** Drives operate() with simulated steps: each started step finishes on the next pass with `exit(nodeName)`. */
function drive(
  yaml: string,
  exit: (node: NodeStatus) => { code: number; stdout?: string },
  extra: Partial<OperateContext> = {},
): WorkflowObject {
  const wf = parse(yaml) as WorkflowObject;
  wf.metadata.uid = 'uid-1';
  wf.metadata.creationTimestamp = '2024-01-01T00:00:00Z';
  const pods = new Map<string, PodState>();
  let now = Date.parse('2024-01-01T00:00:00Z');
  for (let pass = 0; pass < 200; pass++) {
    const r = operate(wf, { now, workflowTemplate: () => undefined, configMap: () => undefined, pod: (id) => pods.get(id), ...extra });
    wf.status = r.status;
    if (['Succeeded', 'Failed', 'Error'].includes(String(r.status.phase))) return wf;
    for (const [id, p] of pods) {
      if (p.state !== 'running') continue;
      const node = r.status.nodes?.[id] as NodeStatus;
      const x = exit(node);
      pods.set(id, {
        state: 'done',
        outcome: { exitCode: x.code, stdout: x.stdout ?? '', files: {}, startedAt: p.startedAt, finishedAt: new Date(now).toISOString() },
      });
    }
    for (const a of r.actions) if (a.type === 'start') pods.set(a.nodeId, { state: 'running', startedAt: new Date(now).toISOString() });
    now += r.requeueAfterMs ?? 1000;
  }
  throw new Error('workflow did not finish');
}

const names = (wf: WorkflowObject): Record<string, string> =>
  Object.fromEntries(Object.values(wf.status?.nodes ?? {}).map((n) => [n.name, `${n.type}:${n.phase}`]));

test('operate: steps with when, continueOn and a retried step (simulated clock, no sleeping)', () => {
  const wf = drive(
    `
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: { name: w }
spec:
  entrypoint: main
  templates:
    - name: main
      steps:
        - - { name: a, template: t, continueOn: { failed: true } }
          - { name: skip, template: t, when: "{{workflow.name}} == other" }
        - - { name: r, template: retried }
    - name: t
      container: { image: x, command: [x] }
    - name: retried
      retryStrategy: { limit: 2, backoff: { duration: 1m } }
      container: { image: x, command: [x] }
`,
    (n) => ({ code: n.name === 'w[0].a' || n.name === 'w[1].r(0)' ? 1 : 0, stdout: `${n.displayName}\n` }),
  );
  assert.equal(wf.status?.phase, 'Succeeded');
  assert.deepEqual(names(wf), {
    w: 'Steps:Succeeded',
    'w[0]': 'StepGroup:Succeeded',
    'w[0].a': 'Pod:Failed',
    'w[0].skip': 'Skipped:Skipped',
    'w[1]': 'StepGroup:Succeeded',
    'w[1].r': 'Retry:Succeeded',
    'w[1].r(0)': 'Pod:Failed',
    'w[1].r(1)': 'Pod:Succeeded',
  });
  const nodes = Object.values(wf.status?.nodes ?? {});
  const r0 = nodes.find((n) => n.name === 'w[1].r(0)') as NodeStatus;
  const r1 = nodes.find((n) => n.name === 'w[1].r(1)') as NodeStatus;
  assert.ok(Date.parse(r1.startedAt as string) - Date.parse(r0.finishedAt as string) >= 60_000, 'backoff respected');
  assert.equal(nodes.find((n) => n.name === 'w[0].skip')?.message, "when 'w == other' evaluated false");
  assert.equal(wf.status?.progress, '1/3', 'one of three Pod nodes succeeded');
});

test('operate: global outputs, input enum check and missing inputs', () => {
  const base = `
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: { name: g }
spec:
  entrypoint: main
  arguments: { parameters: [{ name: env, value: ENV }] }
  templates:
    - name: main
      inputs: { parameters: [{ name: env, enum: [dev, prod] }] }
      outputs: { parameters: [{ name: out, globalName: g-out, valueFrom: { default: "d" } }] }
      container: { image: x, command: [echo, "{{inputs.parameters.env}}"] }
`;
  const ok = drive(base.replace('ENV', 'dev'), () => ({ code: 0 }));
  assert.equal(ok.status?.phase, 'Succeeded');
  assert.deepEqual(ok.status?.outputs?.parameters, [{ name: 'g-out', value: 'd' }]);
  const bad = drive(base.replace('ENV', 'qa'), () => ({ code: 0 }));
  assert.equal(bad.status?.phase, 'Error');
  assert.match(String(bad.status?.message), /not one of the enum values/);
});

test('operate: recursion is bounded with a clear error', () => {
  const wf = drive(
    `
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: { name: rec }
spec:
  entrypoint: loop
  templates:
    - name: loop
      steps: [[{ name: again, template: loop }]]
`,
    () => ({ code: 0 }),
    { maxDepth: 5 },
  );
  assert.equal(wf.status?.phase, 'Error');
  assert.ok(Object.values(wf.status?.nodes ?? {}).some((n) => /maximum recursion depth exceeded/.test(n.message ?? '')));
});

test('operate: unsupported template kinds fail with "not supported yet"', () => {
  const wf = drive(
    `
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: { name: u }
spec:
  entrypoint: main
  templates:
    - name: main
      plugin: { hello: {} }
`,
    () => ({ code: 0 }),
  );
  assert.equal(wf.status?.phase, 'Error');
  assert.equal(wf.status?.message, 'not supported yet: plugin templates');
  const res = drive(
    `
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: { name: u }
spec:
  entrypoint: main
  templates:
    - name: main
      resource: { action: create, manifest: "{apiVersion: v1, kind: Pod, metadata: {name: p}}" }
`,
    () => ({ code: 0 }),
  );
  assert.equal(res.status?.phase, 'Error');
  assert.equal(res.status?.message, 'resource kind Pod is not supported on this host');
});
