// Test kit for the pure engine: a Workflow driven through operate() pass by pass, with simulated steps that only
// finish when the test says so (no processes, no clock other than `now`).
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { operate } from '../../src/controller/operate.js';
import type { Action, NodeStatus, OperateContext, PodState, WorkflowObject } from '../../src/controller/types.js';

/** A workflow plus simulated steps; nothing finishes unless the test says so. */
export class Sim {
  wf: WorkflowObject;
  pods = new Map<string, PodState>();
  now = Date.parse('2024-01-01T00:00:00Z');
  actions: Action[] = [];
  extra: Partial<OperateContext> = {};

  constructor(yaml: string) {
    this.wf = parse(yaml) as WorkflowObject;
    this.wf.metadata.uid = 'uid-1';
  }

  pass(): this {
    const r = operate(this.wf, {
      now: this.now,
      workflowTemplate: () => undefined,
      configMap: () => undefined,
      pod: (id) => this.pods.get(id),
      ...this.extra,
    });
    this.wf.status = r.status;
    this.actions = r.actions;
    for (const a of r.actions)
      if (a.type === 'start')
        this.pods.set(a.nodeId, {
          state: 'running',
          startedAt: new Date(this.now).toISOString(),
          ...(a.readiness ? { ready: false } : {}),
        });
    return this;
  }

  /** A running step's readinessProbe passed (as the step tracker reports it). */
  ready(name: string): this {
    const p = this.pods.get(this.node(name).id);
    assert.ok(p?.state === 'running', `${name} is not running`);
    p.ready = true;
    return this;
  }

  node(name: string): NodeStatus {
    const n = Object.values(this.wf.status?.nodes ?? {}).find((x) => x.displayName === name || x.name === name);
    assert.ok(
      n,
      `no node ${name}: ${Object.values(this.wf.status?.nodes ?? {})
        .map((x) => x.name)
        .join(', ')}`,
    );
    return n;
  }

  has(name: string): boolean {
    return Object.values(this.wf.status?.nodes ?? {}).some((x) => x.displayName === name || x.name === name);
  }

  finish(name: string, code = 0, stdout = ''): this {
    const n = this.node(name);
    const p = this.pods.get(n.id);
    assert.equal(p?.state, 'running', `${name} is not running`);
    this.pods.set(n.id, {
      state: 'done',
      outcome: {
        exitCode: code,
        stdout,
        files: {},
        startedAt: (p as { startedAt: string }).startedAt,
        finishedAt: new Date(this.now).toISOString(),
      },
    });
    return this;
  }

  /** Finishes every running step with exit code 0 (stdout from `out`, by node display name) and passes again. */
  finishAll(out: Record<string, string> = {}): this {
    for (const n of Object.values(this.wf.status?.nodes ?? {})) {
      if (this.pods.get(n.id)?.state === 'running') this.finish(n.name, 0, out[n.displayName] ?? '');
    }
    return this.pass();
  }

  /** Runs passes, finishing every started step, until the workflow ends (at most `max` rounds). */
  runToEnd(max = 50): this {
    this.pass();
    for (let i = 0; i < max && (this.phase === 'Running' || this.phase === undefined); i++) this.finishAll();
    return this;
  }

  /** The start actions of the last pass, by node display name. */
  started(): string[] {
    return this.actions.filter((a) => a.type === 'start').map((a) => this.wf.status?.nodes?.[a.nodeId]?.displayName ?? a.nodeId);
  }

  get phase(): string | undefined {
    return this.wf.status?.phase;
  }
}
