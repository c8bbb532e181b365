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
