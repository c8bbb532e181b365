// Test kit for the cron controller: a fake clock whose sleeps end when time is advanced, CronWorkflow manifests,
// and helpers that play the workflow controller's part (setting child phases) on a memory store.
import type { Clock } from '../../src/core/clock.js';
import { WeirError } from '../../src/core/errors.js';
import type { NewObjectOf, ResourceStore, StoredObject } from '../../src/store/types.js';
import type { CronWorkflowSpec } from '../../src/api/cron-workflow.js';
import type { WorkflowPhase } from '../../src/api/workflow-status.js';
import { eventually } from '../helpers/eventually.js';

export class FakeClock implements Clock {
  private sleepers: { until: number; done: () => void }[] = [];
  constructor(public t: number) {}
  now(): number {
    return this.t;
  }
  /** Follows the Clock rule: an aborted sleep rejects with CANCELLED. */
  sleep(ms: number, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.reject(new WeirError('CANCELLED', 'stopped'));
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const s = { until: this.t + ms, done: () => resolve() };
      this.sleepers.push(s);
      signal.addEventListener(
        'abort',
        () => {
          this.sleepers = this.sleepers.filter((x) => x !== s);
          reject(new WeirError('CANCELLED', 'stopped'));
        },
        { once: true },
      );
    });
  }
  advance(ms: number): void {
    this.t += ms;
    const due = this.sleepers.filter((s) => s.until <= this.t);
    this.sleepers = this.sleepers.filter((s) => s.until > this.t);
    for (const s of due) s.done();
  }
}

export function cronManifest(name: string, spec: Partial<CronWorkflowSpec>): NewObjectOf<'CronWorkflow'> {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'CronWorkflow',
    metadata: { name, namespace: 'default' },
    spec: {
      workflowSpec: { entrypoint: 'main', templates: [{ name: 'main', container: { image: 'alpine', command: ['true'] } }] },
      ...spec,
    },
  };
}

export async function children(store: ResourceStore, cron: string): Promise<StoredObject[]> {
  const r = await store.list('Workflow', { namespace: 'default', labelSelector: `workflows.argoproj.io/cron-workflow=${cron}` });
  return r.items.sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
}

export async function setPhase(store: ResourceStore, name: string, phase: string, finishedAt?: string): Promise<void> {
  const wf = await store.get('Workflow', 'default', name);
  if (!wf) throw new Error(`no workflow ${name}`);
  const final = phase === 'Succeeded' || phase === 'Failed' || phase === 'Error';
  await store.update('Workflow', {
    ...wf,
    status: { ...wf.status, phase: phase as WorkflowPhase, ...(final ? { finishedAt: finishedAt ?? new Date().toISOString() } : {}) },
  });
}

export async function cronStatus(
  store: ResourceStore,
  name: string,
): Promise<Record<string, unknown> & { history?: Record<string, unknown>[] }> {
  const c = await store.get('CronWorkflow', 'default', name);
  return c?.status ?? {};
}

export { eventually };
