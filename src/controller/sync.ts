// Synchronization (Argo's mutexes and semaphores, v3 `mutex`/`semaphore` and v4 `mutexes`/`semaphores` forms) at
// workflow and template level. Locks are keyed like Argo's (`<ns>/Mutex/<name>`, `<ns>/ConfigMap/<cm>/<key>`); a
// semaphore's size is read from its ConfigMap key. The truth is in the Workflows' own statuses
// (`status.synchronization.{mutex,semaphore}.holding`, Argo's shape): the controller gathers the holders of every
// other unfinished Workflow into OperateContext.lockHolders, so locks are rebuilt from statuses after a restart.
import type { Synchronization } from '../api/workflow-steps.js';
import type { WorkflowStatus } from './types.js';

export interface LockRef {
  key: string;
  kind: 'Mutex' | 'Semaphore';
  /** Holders allowed at once (1 for a mutex). */
  limit: number;
}

interface Holding {
  mutex?: { holding?: { mutex: string; holder: string }[] };
  semaphore?: { holding?: { semaphore: string; holders: string[] }[] };
}

/** The locks a synchronization block asks for, or an error (unknown ConfigMap, bad size). */
export function locksOf(
  s: Synchronization | undefined,
  namespace: string,
  configMap: (name: string) => Record<string, string> | undefined,
): LockRef[] | { error: string } {
  if (!s) return [];
  const out: LockRef[] = [];
  for (const m of [...(s.mutex ? [s.mutex] : []), ...(s.mutexes ?? [])]) {
    if (m.database) return { error: 'not supported yet: database mutexes' };
    out.push({ key: `${m.namespace ?? namespace}/Mutex/${m.name ?? ''}`, kind: 'Mutex', limit: 1 });
  }
  for (const sem of [...(s.semaphore ? [s.semaphore] : []), ...(s.semaphores ?? [])]) {
    const ref = sem.configMapKeyRef;
    if (sem.database || !ref) return { error: 'not supported yet: database semaphores' };
    const ns = sem.namespace ?? namespace;
    if (ns !== namespace)
      return { error: `semaphore ConfigMap in namespace ${JSON.stringify(ns)}: only the workflow's own namespace is supported` };
    const data = configMap(ref.name ?? '');
    const text = data?.[ref.key];
    if (text === undefined)
      return { error: `semaphore: ConfigMap ${JSON.stringify(ref.name ?? '')} key ${JSON.stringify(ref.key)} not found` };
    const limit = Number(text.trim());
    if (!Number.isInteger(limit) || limit < 0)
      return { error: `semaphore ${ref.name}/${ref.key}: size ${JSON.stringify(text)} is not a non-negative integer` };
    out.push({ key: `${ns}/ConfigMap/${ref.name ?? ''}/${ref.key}`, kind: 'Semaphore', limit });
  }
  return out;
}

/** Every lock key a status holds, with its holders. */
export function holdersIn(status: WorkflowStatus | undefined): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const h = status?.synchronization as Holding | undefined;
  for (const m of h?.mutex?.holding ?? []) out.set(m.mutex, [...(out.get(m.mutex) ?? []), m.holder]);
  for (const s of h?.semaphore?.holding ?? []) out.set(s.semaphore, [...(out.get(s.semaphore) ?? []), ...s.holders]);
  return out;
}

/** This workflow's lock bookkeeping for one pass: other workflows' holders (read-only) plus its own (mutated). */
export class LockTable {
  constructor(
    private readonly status: WorkflowStatus,
    private readonly others: (key: string) => number,
  ) {}

  private own(): Map<string, string[]> {
    return holdersIn(this.status);
  }

  /** Acquires all `locks` for `holder` (all or none). Returns undefined when held, else the waiting message. */
  acquire(locks: readonly LockRef[], holder: string): string | undefined {
    const own = this.own();
    for (const l of locks) {
      const mine = own.get(l.key) ?? [];
      if (mine.includes(holder)) continue;
      const used = mine.length + this.others(l.key);
      if (used >= l.limit) return `Waiting for ${l.key} lock. Lock status: ${Math.max(0, l.limit - used)}/${l.limit}`;
    }
    for (const l of locks) this.add(l, holder);
    return undefined;
  }

  holds(holder: string): boolean {
    return [...this.own().values()].some((hs) => hs.includes(holder));
  }

  /** Releases every lock `holder` has. */
  release(holder: string): void {
    const h = this.status.synchronization as Holding | undefined;
    if (!h) return;
    if (h.mutex?.holding) h.mutex.holding = h.mutex.holding.filter((m) => m.holder !== holder);
    if (h.semaphore?.holding) {
      for (const s of h.semaphore.holding) s.holders = s.holders.filter((x) => x !== holder);
      h.semaphore.holding = h.semaphore.holding.filter((s) => s.holders.length > 0);
    }
    if ((h.mutex?.holding ?? []).length === 0) delete h.mutex;
    if ((h.semaphore?.holding ?? []).length === 0) delete h.semaphore;
    if (!h.mutex && !h.semaphore) delete this.status.synchronization;
  }

  private add(l: LockRef, holder: string): void {
    const h = (this.status.synchronization ??= {}) as Holding;
    if (l.kind === 'Mutex') {
      const list = ((h.mutex ??= {}).holding ??= []);
      list.push({ mutex: l.key, holder });
      return;
    }
    const list = ((h.semaphore ??= {}).holding ??= []);
    const cur = list.find((s) => s.semaphore === l.key);
    if (cur) cur.holders.push(holder);
    else list.push({ semaphore: l.key, holders: [holder] });
  }
}
