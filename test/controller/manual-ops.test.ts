// Table tests of the pure manual workflow operations (suspend, resume, stop, terminate, set, retry, resubmit) and the
// node field selector, against hand-built Argo-shaped node trees.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  parseFieldSelector,
  nodeMatches,
  resumeWorkflow,
  setWorkflow,
  stopWorkflow,
  suspendWorkflow,
  terminateWorkflow,
} from '../../src/controller/manual-ops.js';
import { resubmitWorkflow, retryWorkflow } from '../../src/controller/manual-retry.js';
import { nodeId } from '../../src/controller/nodes.js';
import type { NodeStatus, WorkflowObject, WorkflowPhase } from '../../src/controller/types.js';
import { isWeirError } from '../../src/core/errors.js';
import { clockAt } from '../../src/core/clock.js';

const clock = clockAt(() => Date.parse('2024-05-01T10:00:00Z'));
const NOW = '2024-05-01T10:00:00Z';
const T0 = '2024-05-01T09:00:00Z';

function node(wf: string, name: string, type: NodeStatus['type'], phase: NodeStatus['phase'], extra: Partial<NodeStatus> = {}): NodeStatus {
  const display = name === wf ? wf : name.slice(name.lastIndexOf('.') + 1);
  return {
    id: nodeId(wf, name),
    name,
    displayName: display,
    type,
    phase,
    startedAt: T0,
    ...(phase !== 'Running' && phase !== 'Pending' ? { finishedAt: T0 } : {}),
    ...extra,
  };
}

function workflow(
  name: string,
  phase: WorkflowPhase | undefined,
  nodes: NodeStatus[],
  spec: Partial<WorkflowObject['spec']> = {},
): WorkflowObject {
  const wf: WorkflowObject = {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Workflow',
    metadata: {
      name,
      namespace: 'ns',
      uid: 'u1',
      labels: {
        team: 'a',
        'workflows.argoproj.io/phase': String(phase),
        ...(phase === 'Running' || phase === undefined ? {} : { 'workflows.argoproj.io/completed': 'true' }),
      },
    },
    spec: { entrypoint: 'main', templates: [], ...spec },
    status: {
      phase,
      startedAt: T0,
      ...(phase === 'Running' ? {} : { finishedAt: T0 }),
      nodes: Object.fromEntries(nodes.map((n) => [n.id, n])),
    },
  };
  if (phase === undefined) delete wf.status?.phase;
  return wf;
}

/** Links children ids by node name. */
function link(wf: string, parentName: string, ...childNames: string[]): (n: NodeStatus[]) => void {
  return (nodes) => {
    const p = nodes.find((n) => n.name === parentName) as NodeStatus;
    p.children = childNames.map((c) => nodeId(wf, c));
  };
}

/** wf: Steps → [0] → a (Succeeded), [1] → b (Failed). */
function failedSteps(): WorkflowObject {
  const w = 'wf';
  const root = nodeId(w, w);
  const nodes = [
    node(w, w, 'Steps', 'Failed'),
    node(w, 'wf[0]', 'StepGroup', 'Succeeded', { boundaryID: root }),
    node(w, 'wf[0].a', 'Pod', 'Succeeded', { boundaryID: root, outputs: { result: 'A' } }),
    node(w, 'wf[1]', 'StepGroup', 'Failed', { boundaryID: root }),
    node(w, 'wf[1].b', 'Pod', 'Failed', { boundaryID: root, message: 'exit 1' }),
    node(w, 'wf.onExit', 'Pod', 'Succeeded'),
  ];
  link(w, 'wf', 'wf[0]', 'wf[1]')(nodes);
  link(w, 'wf[0]', 'wf[0].a')(nodes);
  link(w, 'wf[0].a', 'wf[1]')(nodes);
  link(w, 'wf[1]', 'wf[1].b')(nodes);
  return workflow(w, 'Failed', nodes, { shutdown: 'Stop', activeDeadlineSeconds: 0 });
}

function expectBad(fn: () => unknown, text: RegExp): void {
  assert.throws(fn, (e: unknown) => isWeirError(e) && e.code === 'INVALID_ARGUMENT' && text.test(e.message));
}

describe('node field selector', () => {
  const cases: { sel: string; want: { field: string; op: string; value: string }[] }[] = [
    { sel: 'displayName=approve', want: [{ field: 'displayName', op: '=', value: 'approve' }] },
    {
      sel: 'phase!=Succeeded,templateName==t',
      want: [
        { field: 'phase', op: '!=', value: 'Succeeded' },
        { field: 'templateName', op: '=', value: 't' },
      ],
    },
    { sel: 'inputs.parameters.x.value=a\\,b', want: [{ field: 'inputs.parameters.x.value', op: '=', value: 'a,b' }] },
    { sel: 'name=', want: [{ field: 'name', op: '=', value: '' }] },
  ];
  for (const c of cases) test(`parses ${c.sel}`, () => assert.deepEqual(parseFieldSelector(c.sel), c.want));
  test('rejects a term without an operator', () => expectBad(() => parseFieldSelector('phase'), /invalid field selector/));

  const n = node('wf', 'wf.approve', 'Suspend', 'Running', { templateName: 'wait', inputs: { parameters: [{ name: 'x', value: '1' }] } });
  const matches: [string, boolean][] = [
    ['displayName=approve', true],
    ['displayName=other', false],
    ['templateName=wait,phase=Running', true],
    ['inputs.parameters.x.value=1', true],
    ['inputs.parameters.x.value!=1', false],
    ['templateRef.name!=x', true],
    [`id=${nodeId('wf', 'wf.approve')}`, true],
    ['name=wf.approve', true],
  ];
  for (const [sel, want] of matches) test(`${sel} → ${want}`, () => assert.equal(nodeMatches(parseFieldSelector(sel), n), want));
});

describe('suspend, stop, terminate', () => {
  const running = (): WorkflowObject => workflow('wf', 'Running', [node('wf', 'wf', 'Steps', 'Running')]);
  const table: {
    name: string;
    op: (w: WorkflowObject) => { workflow: WorkflowObject; changed: boolean };
    check: (w: WorkflowObject) => unknown;
    expected: unknown;
  }[] = [
    { name: 'suspend sets spec.suspend', op: suspendWorkflow, check: (w) => w.spec.suspend, expected: true },
    { name: 'stop sets shutdown=Stop', op: (w) => stopWorkflow(w), check: (w) => w.spec.shutdown, expected: 'Stop' },
    { name: 'terminate sets shutdown=Terminate', op: terminateWorkflow, check: (w) => w.spec.shutdown, expected: 'Terminate' },
  ];
  for (const c of table) {
    test(c.name, () => {
      const input = running();
      const before = structuredClone(input);
      const r = c.op(input);
      assert.equal(r.changed, true);
      assert.deepEqual(c.check(r.workflow), c.expected);
      assert.deepEqual(input, before, 'input is not mutated');
      assert.equal(c.op(r.workflow).changed, false, 'second application is a no-op');
    });
  }
  for (const phase of ['Succeeded', 'Failed', 'Error'] as const) {
    test(`refuses on a ${phase} workflow`, () => {
      const done = workflow('wf', phase, []);
      expectBad(() => suspendWorkflow(done), /cannot suspend completed/);
      expectBad(() => stopWorkflow(done), /cannot shutdown a completed workflow/);
      expectBad(() => terminateWorkflow(done), /cannot shutdown a completed workflow/);
    });
  }
});

describe('resume and set', () => {
  const suspended = (): WorkflowObject => {
    const w = 'wf';
    const nodes = [
      node(w, w, 'Steps', 'Running'),
      node(w, 'wf[0].approve', 'Suspend', 'Running', {
        outputs: {
          parameters: [
            { name: 'ok', valueFrom: { supplied: {}, default: 'no' } },
            { name: 'why', valueFrom: { supplied: {} }, globalName: 'reason' },
          ],
        },
      }),
      node(w, 'wf[0].other', 'Suspend', 'Running'),
      node(w, 'wf[0].done', 'Suspend', 'Succeeded'),
    ];
    return workflow(w, 'Running', nodes, { suspend: true });
  };
  const id = (n: string): string => nodeId('wf', n);

  test('resume clears spec.suspend and succeeds every running suspend node', () => {
    const wf = suspended();
    (wf.status?.nodes?.[id('wf[0].approve')].outputs?.parameters ?? []).splice(1, 1);
    const r = resumeWorkflow(wf, { clock });
    assert.equal(r.changed, true);
    assert.equal(r.workflow.spec.suspend, undefined);
    const nodes = r.workflow.status?.nodes ?? {};
    for (const n of ['wf[0].approve', 'wf[0].other']) {
      assert.equal(nodes[id(n)].phase, 'Succeeded');
      assert.equal(nodes[id(n)].finishedAt, NOW);
    }
    assert.equal(nodes[id('wf[0].done')].finishedAt, T0);
    assert.deepEqual(nodes[id('wf[0].approve')].outputs?.parameters, [{ name: 'ok', value: 'no' }]);
  });
  test('resume fails when a supplied parameter has no default', () => {
    expectBad(() => resumeWorkflow(suspended(), { clock }), /has not been set and does not have a default/);
  });
  test('resume with a selector resumes only matching nodes and keeps spec.suspend (as Argo)', () => {
    const r = resumeWorkflow(suspended(), { nodeFieldSelector: 'displayName=other', clock });
    assert.equal(r.workflow.spec.suspend, true);
    assert.equal(r.workflow.status?.nodes?.[id('wf[0].other')].phase, 'Succeeded');
    assert.equal(r.workflow.status?.nodes?.[id('wf[0].approve')].phase, 'Running');
  });
  test('resume of a workflow that is not suspended changes nothing', () => {
    const wf = workflow('wf', 'Running', [node('wf', 'wf', 'Steps', 'Running')]);
    assert.equal(resumeWorkflow(wf).changed, false);
  });
  test('stop and terminate of a suspended workflow also clear spec.suspend (as Argo), so the shutdown can run', () => {
    for (const op of [(w: WorkflowObject) => stopWorkflow(w), terminateWorkflow]) {
      const r = op(suspended());
      assert.equal(r.changed, true);
      assert.equal(r.workflow.spec.suspend, undefined);
      assert.ok(r.workflow.spec.shutdown === 'Stop' || r.workflow.spec.shutdown === 'Terminate');
    }
  });

  test('stop with a selector fails the matching suspend node with the message', () => {
    const r = stopWorkflow(suspended(), { nodeFieldSelector: 'displayName=other', message: 'nope', clock });
    const n = r.workflow.status?.nodes?.[id('wf[0].other')];
    assert.deepEqual([n?.phase, n?.message, n?.finishedAt], ['Failed', 'nope', NOW]);
    assert.equal(r.workflow.spec.shutdown, undefined);
  });
  test('set supplies output parameters and publishes global ones', () => {
    const r = setWorkflow(suspended(), {
      nodeFieldSelector: 'displayName=approve',
      outputParameters: { why: 'because', ok: 'yes' },
      clock,
    });
    const n = r.workflow.status?.nodes?.[id('wf[0].approve')];
    assert.deepEqual(n?.outputs?.parameters, [
      { name: 'ok', value: 'yes' },
      { name: 'why', value: 'because', globalName: 'reason' },
    ]);
    assert.equal(n?.phase, 'Running');
    assert.deepEqual(r.workflow.status?.outputs?.parameters, [{ name: 'reason', value: 'because' }]);
  });
  const setErrors: [string, Parameters<typeof setWorkflow>[1], RegExp][] = [
    ['no selector', { nodeFieldSelector: '' }, /only targets suspend nodes/],
    ['no matching node', { nodeFieldSelector: 'displayName=done', phase: 'Succeeded' }, /no suspend nodes matching/],
    [
      'unknown parameter',
      { nodeFieldSelector: 'displayName=approve', outputParameters: { zzz: '1' } },
      /not expecting output parameter 'zzz'/,
    ],
    ['node without outputs', { nodeFieldSelector: 'displayName=other', outputParameters: { a: '1' } }, /not expecting any raw parameters/],
  ];
  for (const [name, opts, re] of setErrors) test(`set refuses: ${name}`, () => expectBad(() => setWorkflow(suspended(), opts), re));
});

describe('retry', () => {
  const id = (n: string): string => nodeId('wf', n);
  test('resets the failed step and its ancestors, keeps succeeded steps, drops exit-handler nodes', () => {
    const input = failedSteps();
    const before = structuredClone(input);
    const r = retryWorkflow(input, { clock });
    assert.deepEqual(input, before);
    const s = r.workflow.status ?? {};
    assert.equal(s.phase, 'Running');
    assert.equal(s.finishedAt, undefined);
    assert.equal(s.startedAt, NOW);
    assert.equal(r.workflow.spec.shutdown, undefined);
    assert.equal(r.workflow.spec.activeDeadlineSeconds, undefined);
    assert.equal(r.workflow.metadata.labels?.['workflows.argoproj.io/completed'], undefined);
    const nodes = s.nodes ?? {};
    assert.deepEqual(Object.keys(nodes).sort(), [id('wf'), id('wf[0]'), id('wf[0].a'), id('wf[1]')].sort());
    assert.deepEqual([nodes[id('wf')].phase, nodes[id('wf')].finishedAt, nodes[id('wf')].startedAt], ['Running', undefined, NOW]);
    assert.equal(nodes[id('wf[1]')].phase, 'Running');
    assert.deepEqual(nodes[id('wf[1]')].children, []);
    assert.deepEqual(nodes[id('wf[0].a')], before.status?.nodes?.[id('wf[0].a')]);
    assert.deepEqual(r.deletedPodNodeIds, [id('wf.onExit'), id('wf[1].b')].sort());
  });

  test('a failed step inside a Retry node resets the Retry node and deletes every attempt', () => {
    const w = 'wf';
    const root = id(w);
    const nodes = [
      node(w, w, 'Steps', 'Failed'),
      node(w, 'wf[0]', 'StepGroup', 'Failed', { boundaryID: root }),
      node(w, 'wf[0].b', 'Retry', 'Failed', { boundaryID: root }),
      node(w, 'wf[0].b(0)', 'Pod', 'Failed', { boundaryID: root }),
      node(w, 'wf[0].b(1)', 'Pod', 'Error', { boundaryID: root }),
    ];
    link(w, w, 'wf[0]')(nodes);
    link(w, 'wf[0]', 'wf[0].b')(nodes);
    link(w, 'wf[0].b', 'wf[0].b(0)', 'wf[0].b(1)')(nodes);
    const r = retryWorkflow(workflow(w, 'Failed', nodes), { clock });
    const out = r.workflow.status?.nodes ?? {};
    assert.deepEqual(Object.keys(out).sort(), [id('wf'), id('wf[0]'), id('wf[0].b')].sort());
    assert.equal(out[id('wf[0].b')].phase, 'Running');
    assert.deepEqual(out[id('wf[0].b')].children, []);
    assert.deepEqual(r.deletedPodNodeIds, [id('wf[0].b(0)'), id('wf[0].b(1)')].sort());
  });

  test('DAG: the failed task and its dependants are deleted, the DAG node reset', () => {
    const w = 'wf';
    const root = id(w);
    const nodes = [
      node(w, w, 'DAG', 'Failed'),
      node(w, 'wf.a', 'Pod', 'Succeeded', { boundaryID: root }),
      node(w, 'wf.b', 'Pod', 'Failed', { boundaryID: root }),
      node(w, 'wf.c', 'Skipped', 'Omitted', { boundaryID: root }),
    ];
    link(w, w, 'wf.a')(nodes);
    link(w, 'wf.a', 'wf.b')(nodes);
    link(w, 'wf.b', 'wf.c')(nodes);
    const r = retryWorkflow(workflow(w, 'Failed', nodes), { clock });
    const out = r.workflow.status?.nodes ?? {};
    assert.deepEqual(Object.keys(out).sort(), [id('wf'), id('wf.a')].sort());
    assert.equal(out[id('wf')].phase, 'Running');
    assert.deepEqual(out[id('wf.a')].children, []);
  });

  test('restartSuccessful with a selector re-runs a succeeded step, also in a Succeeded workflow', () => {
    const wf = failedSteps();
    (wf.status as { phase: string }).phase = 'Succeeded';
    const nodes = wf.status?.nodes ?? {};
    nodes[id('wf[1].b')].phase = 'Succeeded';
    nodes[id('wf[1]')].phase = 'Succeeded';
    const r = retryWorkflow(wf, { restartSuccessful: true, nodeFieldSelector: 'displayName=a', clock });
    const out = r.workflow.status?.nodes ?? {};
    assert.equal(out[id('wf[0].a')], undefined, 'a is deleted to run again');
    assert.equal(out[id('wf[1].b')], undefined, 'b hangs off a and goes too');
    assert.equal(out[id('wf[0]')].phase, 'Running');
  });

  test('parameters override the workflow arguments, overridden first', () => {
    const wf = failedSteps();
    wf.spec.arguments = {
      parameters: [
        { name: 'x', value: '1' },
        { name: 'y', value: '2' },
      ],
    };
    const r = retryWorkflow(wf, { parameters: ['y=3'], clock });
    assert.deepEqual(r.workflow.spec.arguments?.parameters, [
      { name: 'y', value: '3' },
      { name: 'x', value: '1' },
    ]);
    expectBad(() => retryWorkflow(wf, { parameters: ['novalue'] }), /NAME=VALUE/);
  });

  const refusals: [WorkflowPhase | undefined, Parameters<typeof retryWorkflow>[1], RegExp][] = [
    ['Running', {}, /Cannot retry a workflow in phase Running/],
    [undefined, {}, /Cannot retry a workflow in phase Pending/],
    ['Succeeded', {}, /set the options restartSuccessful and nodeFieldSelector/],
    ['Succeeded', { restartSuccessful: true }, /set the options restartSuccessful and nodeFieldSelector/],
  ];
  for (const [phase, opts, re] of refusals) {
    test(`refuses ${phase ?? 'a new'} workflow with ${JSON.stringify(opts)}`, () =>
      expectBad(() => retryWorkflow(workflow('wf', phase, []), opts), re));
  }
});

describe('resubmit', () => {
  test('plain: a new object with generateName, the spec and user labels only', () => {
    const old = failedSteps();
    const r = resubmitWorkflow(old, { parameters: ['p=1'] });
    assert.deepEqual(r.metadata, {
      generateName: 'wf-',
      namespace: 'ns',
      labels: { team: 'a', 'workflows.argoproj.io/resubmitted-from-workflow': 'wf' },
    });
    assert.equal(r.status, undefined);
    assert.equal(r.spec.shutdown, undefined);
    assert.equal(r.spec.activeDeadlineSeconds, undefined);
    assert.deepEqual(r.spec.arguments?.parameters, [{ name: 'p', value: '1' }]);
  });
  test('keeps the original generateName', () => {
    const old = failedSteps();
    old.metadata.generateName = 'hello-';
    assert.equal(resubmitWorkflow(old).metadata.generateName, 'hello-');
  });
  test('memoized: succeeded pods become Skipped under the new name, failed pods run again, exit handlers go', () => {
    const r = resubmitWorkflow(failedSteps(), { memoized: true, randomSuffix: () => 'zz9zz', clock });
    const nw = 'wf-zz9zz';
    assert.equal(r.metadata.name, nw);
    const nodes = (r.status as { nodes: Record<string, NodeStatus> }).nodes;
    const nid = (n: string): string => nodeId(nw, n);
    assert.deepEqual(Object.keys(nodes).sort(), [nid(nw), nid(`${nw}[0]`), nid(`${nw}[0].a`), nid(`${nw}[1]`), nid(`${nw}[1].b`)].sort());
    const a = nodes[nid(`${nw}[0].a`)];
    assert.deepEqual(
      [a.type, a.phase, a.message, a.outputs?.result],
      ['Skipped', 'Skipped', `original pod: ${nodeId('wf', 'wf[0].a')}`, 'A'],
    );
    const b = nodes[nid(`${nw}[1].b`)];
    assert.deepEqual([b.phase, b.startedAt, b.message], ['Pending', undefined, undefined]);
    assert.equal(nodes[nid(nw)].phase, 'Pending');
    assert.deepEqual(nodes[nid(nw)].children, [nid(`${nw}[0]`), nid(`${nw}[1]`)]);
    assert.equal(nodes[nid(`${nw}[1]`)].boundaryID, nid(nw));
  });
  test('memoized needs a Failed or Error workflow', () => {
    const wf = failedSteps();
    (wf.status as { phase: string }).phase = 'Succeeded';
    expectBad(() => resubmitWorkflow(wf, { memoized: true }), /must be Failed\/Error/);
  });
});
