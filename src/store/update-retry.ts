// updateWithRetry: the get → change → update loop for objects someone else saves concurrently (the controller writes
// a Workflow's status while the API or a trigger applies a manual operation). A CONFLICT re-reads and re-applies the
// change, a bounded number of times; the last CONFLICT is thrown.
import type { KindName } from '../api/kinds.js';
import { WeirError, isWeirError } from '../core/errors.js';
import type { ObjectOf, ResourceStore, StoredObject } from './types.js';

export interface UpdateWithRetryOptions {
  /** How many get → change → update rounds in all (default 5). */
  attempts?: number;
  /** The error thrown when the object does not exist (default: NOT_FOUND naming the kind, namespace and name). */
  notFound?: () => Error;
}

export interface UpdateWithRetryResult<T = StoredObject> {
  /** The saved object, or the current one when `change` changed nothing. */
  object: T;
  updated: boolean;
}

/** `change` gets the current object and returns the one to save, or undefined when nothing changes (nothing is written). */
export async function updateWithRetry<K extends KindName>(
  store: ResourceStore,
  kind: K,
  namespace: string | undefined,
  name: string,
  change: (cur: ObjectOf<K>) => ObjectOf<K> | undefined | Promise<ObjectOf<K> | undefined>,
  opts: UpdateWithRetryOptions = {},
): Promise<UpdateWithRetryResult<ObjectOf<K>>> {
  const attempts = opts.attempts ?? 5;
  for (let attempt = 1; ; attempt++) {
    const cur = await store.get(kind, namespace, name);
    if (!cur) throw opts.notFound?.() ?? new WeirError('NOT_FOUND', `${kind} ${namespace ?? ''}/${name} not found`);
    const next = await change(cur);
    if (next === undefined) return { object: cur, updated: false };
    try {
      return { object: await store.update(kind, next), updated: true };
    } catch (e) {
      if (!isWeirError(e) || e.code !== 'CONFLICT' || attempt >= attempts) throw e;
    }
  }
}
