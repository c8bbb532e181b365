// Fixtures and helpers shared by the store conformance suite files.
import assert from 'node:assert/strict';
import { WeirError } from '../../src/core/errors.js';
import type { NewObject, NewObjectOf, ResourceStore, WatchEvent } from '../../src/store/types.js';
import type { WorkflowPhase } from '../../src/api/workflow-status.js';
import type { Clock } from '../../src/core/clock.js';

/** What a conformance test may ask of a fresh store: a fake clock and a small change history. */
export interface StoreFactoryOptions {
  clock?: Clock;
  historyLimit?: number;
}

export interface ConformanceOptions {
  /** Cases that cannot be checked against an implementation, each with the reason (shown as the skip reason). */
  notApplicable?: Readonly<Record<string, string>>;
  /**
   * Makes the store forget the changes up to `keepAfterVersion`: a watch from that version must still work, one from
   * an older version must fail as Expired. For a store whose kept history StoreFactoryOptions.historyLimit cannot set
   * (Kubernetes: compacting etcd at that revision). Without it, the case relies on historyLimit alone.
   */
  trimHistory?: (s: ResourceStore, keepAfterVersion: string) => Promise<void>;
}

export type StoreFactory = (opts?: StoreFactoryOptions) => Promise<ResourceStore> | ResourceStore;

export const cm = (name: string, labels: Record<string, string> = {}, namespace = 'default'): NewObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace, labels },
  data: { k: name },
});

export const wf = (name: string, phase?: WorkflowPhase): NewObjectOf<'Workflow'> => ({
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'Workflow',
  metadata: { name, namespace: 'default' },
  spec: { entrypoint: 'main' },
  ...(phase ? { status: { phase } } : {}),
});

export async function rejectsCode(p: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => e instanceof WeirError && e.code === code);
}

export async function take(it: AsyncIterable<WatchEvent>, n: number): Promise<WatchEvent[]> {
  const out: WatchEvent[] = [];
  if (n === 0) return out;
  for await (const ev of it) {
    out.push(ev);
    if (out.length >= n) break;
  }
  return out;
}

/** Registers one test that gets a fresh store (closed afterwards). */
export type WithStore = (title: string, fn: (s: ResourceStore) => Promise<void>, opts?: StoreFactoryOptions) => void;
