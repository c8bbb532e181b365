// podGC (pure plan): which finished steps' pods are released and which deleted, per strategy, when a saved status
// moves from one pass to the next; deleteDelayDuration as a delay.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { keptStepPlan, podGcPlan } from '../../src/controller/pod-gc.js';
import type { KeptStep } from '../../src/executor/types.js';
import type { NodeStatus, WorkflowStatus } from '../../src/controller/types.js';

const h = (id: string): NodeStatus['weir'] => ({ handle: { executor: 'pod', id, startedAt: 'T', details: {} } });
const node = (id: string, phase: NodeStatus['phase'], extra: Partial<NodeStatus> = {}): NodeStatus => ({
  id,
  name: id,
  displayName: id,
  type: 'Pod',
  phase,
  weir: h(id),
  ...extra,
});
const status = (phase: WorkflowStatus['phase'], nodes: NodeStatus[]): WorkflowStatus => ({
  phase,
  nodes: Object.fromEntries(nodes.map((n) => [n.id, n])),
});
const ids = (hs: { id: string }[]): string[] => hs.map((x) => x.id).sort();

const prev = status('Running', [node('a', 'Running'), node('b', 'Running'), node('c', 'Succeeded')]);
const next = status('Running', [node('a', 'Succeeded'), node('b', 'Failed'), node('c', 'Succeeded')]);

test('every step that ended in this save is released; none is deleted without a strategy', () => {
  const p = podGcPlan(prev, next, undefined);
  assert.deepEqual(ids(p.release), ['a', 'b']);
  assert.deepEqual(p.remove, []);
  assert.deepEqual(podGcPlan(next, next, undefined).release, [], 'nothing twice');
});

test('OnPodCompletion deletes every ended step, OnPodSuccess only the Succeeded ones', () => {
  assert.deepEqual(ids(podGcPlan(prev, next, { strategy: 'OnPodCompletion' }).remove), ['a', 'b']);
  assert.deepEqual(ids(podGcPlan(prev, next, { strategy: 'OnPodSuccess' }).remove), ['a']);
});

test('OnWorkflowCompletion / OnWorkflowSuccess delete all pods once the workflow ends (Success: only if it Succeeded)', () => {
  const ended = status('Failed', next.nodes ? Object.values(next.nodes) : []);
  assert.deepEqual(podGcPlan(prev, next, { strategy: 'OnWorkflowCompletion' }).remove, [], 'not before the end');
  assert.deepEqual(ids(podGcPlan(next, ended, { strategy: 'OnWorkflowCompletion' }).remove), ['a', 'b', 'c']);
  assert.deepEqual(podGcPlan(next, ended, { strategy: 'OnWorkflowSuccess' }).remove, []);
  const ok = status('Succeeded', [node('a', 'Succeeded'), node('c', 'Succeeded')]);
  assert.deepEqual(ids(podGcPlan(next, ok, { strategy: 'OnWorkflowSuccess' }).remove), ['a', 'c']);
  assert.deepEqual(ids(podGcPlan(next, ok, { strategy: 'OnWorkflowSuccess' }).release), ['a', 'c'], 'all released at the end');
});

test('sub-steps (init containers, sidecars) go with their node; deleteDelayDuration delays; a bad one is reported', () => {
  const withSide = node('a', 'Succeeded', {
    weir: { ...h('a'), steps: { 'sidecar-s': { handle: { executor: 'pod', id: 'a-side', startedAt: 'T', details: {} } } } },
  });
  const p = podGcPlan(prev, status('Running', [withSide]), { strategy: 'OnPodCompletion', deleteDelayDuration: '2m' });
  assert.deepEqual(ids(p.remove), ['a', 'a-side']);
  assert.equal(p.delayMs, 120_000);
  const bad = podGcPlan(prev, next, { strategy: 'OnPodCompletion', deleteDelayDuration: 'soon' });
  assert.equal(bad.delayMs, 0);
  assert.match(bad.error ?? '', /deleteDelayDuration/);
});

test('labelSelector: only pods whose labels match are deleted (all are still released); a bad selector deletes none', () => {
  const labelled = (id: string, phase: NodeStatus['phase'], podLabels?: Record<string, string>): NodeStatus =>
    node(id, phase, { weir: { ...h(id), ...(podLabels ? { podLabels } : {}) } });
  const before = status('Running', [labelled('a', 'Running'), labelled('b', 'Running'), labelled('c', 'Running')]);
  const after = status('Running', [
    labelled('a', 'Succeeded', { 'should-be-deleted': 'true' }),
    labelled('b', 'Succeeded', { 'should-be-deleted': 'false' }),
    labelled('c', 'Succeeded'),
  ]);
  const byLabel = podGcPlan(before, after, { strategy: 'OnPodSuccess', labelSelector: { matchLabels: { 'should-be-deleted': 'true' } } });
  assert.deepEqual(ids(byLabel.remove), ['a']);
  assert.deepEqual(ids(byLabel.release), ['a', 'b', 'c']);
  const notIn = podGcPlan(before, after, {
    strategy: 'OnPodCompletion',
    labelSelector: { matchExpressions: [{ key: 'should-be-deleted', operator: 'NotIn', values: ['false'] }] },
  });
  assert.deepEqual(ids(notIn.remove), ['a', 'c']);
  const absent = podGcPlan(before, after, {
    strategy: 'OnPodCompletion',
    labelSelector: { matchExpressions: [{ key: 'should-be-deleted', operator: 'DoesNotExist' }] },
  });
  assert.deepEqual(ids(absent.remove), ['c']);
  const completed = podGcPlan(before, after, {
    strategy: 'OnPodCompletion',
    labelSelector: { matchLabels: { 'workflows.argoproj.io/completed': 'true' } },
  });
  assert.deepEqual(ids(completed.remove), ['a', 'b', 'c'], 'the completed label is on every finished pod');
  const bad = podGcPlan(before, after, {
    strategy: 'OnPodCompletion',
    labelSelector: { matchExpressions: [{ key: 'x', operator: 'Near' }] },
  });
  assert.deepEqual(bad.remove, []);
  assert.match(bad.error ?? '', /labelSelector.*Near/);
});

test('a controller start handles the finished pods an earlier one left (keptStepPlan)', () => {
  const handle = { executor: 'pod', id: 'h-a', startedAt: 'T', details: { namespace: 'ns', pod: 'p-a' } };
  const kept = (held: boolean): KeptStep => ({ handle, workflow: { namespace: 'ns', name: 'w', uid: 'u1' }, nodeId: 'a', held });
  const done = (
    podGC: { strategy?: 'OnPodSuccess' | 'OnWorkflowCompletion'; deleteDelayDuration?: string } | undefined,
    phase: WorkflowStatus['phase'] = 'Succeeded',
  ) => ({
    uid: 'u1',
    spec: podGC ? { podGC } : {},
    status: {
      phase,
      finishedAt: '2026-01-01T00:01:00Z',
      nodes: { a: node('a', 'Succeeded', { finishedAt: '2026-01-01T00:00:00Z' }) },
    } as WorkflowStatus,
  });
  const t0 = Date.parse('2026-01-01T00:00:00Z');
  assert.deepEqual(keptStepPlan(kept(false), undefined, t0)?.remove, [handle], 'workflow gone: deleted');
  assert.deepEqual(keptStepPlan(kept(false), { ...done(undefined), uid: 'other' }, t0)?.remove, [handle], 'replaced: deleted');
  assert.equal(keptStepPlan(kept(false), done(undefined), t0), undefined, 'released, no podGC: left alone');
  assert.deepEqual(keptStepPlan(kept(true), done(undefined), t0), { release: [handle], remove: [], delayMs: 0 }, 'still held: released');
  const running = done(undefined);
  if (running.status.nodes?.a) running.status.nodes.a.phase = 'Running';
  assert.equal(keptStepPlan(kept(true), running, t0), undefined, 'not saved finished: the pass reads it');
  const delayed = keptStepPlan(kept(false), done({ strategy: 'OnPodSuccess', deleteDelayDuration: '5m' }), t0 + 60_000);
  assert.deepEqual(delayed?.remove, [handle]);
  assert.equal(delayed?.delayMs, 4 * 60_000, 'the delay counts from the node’s end');
  const past = keptStepPlan(kept(false), done({ strategy: 'OnPodSuccess', deleteDelayDuration: '5m' }), t0 + 600_000);
  assert.equal(past?.delayMs, 0);
  const wfWide = keptStepPlan(kept(false), done({ strategy: 'OnWorkflowCompletion', deleteDelayDuration: '2m' }), t0 + 60_000);
  assert.equal(wfWide?.delayMs, 2 * 60_000, 'OnWorkflow*: from the workflow’s end');
  assert.equal(keptStepPlan(kept(false), done({ strategy: 'OnWorkflowCompletion' }, 'Running'), t0), undefined, 'workflow still running');
});
