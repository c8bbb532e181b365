// Per-trigger serialisation for a sensor that processes several events at once: an event takes the locks of the
// triggers it may change (in arrival order, so no deadlock and per-trigger order is kept), and the last state each
// trigger saved is cached with its KV revision so the next event on that trigger skips a KV read. The cache is only
// a hint: saves are still compare-and-set on the cached revision, and a conflict or failure drops the entry.
import type { KeyValueStore } from '../bus/types.js';
import type { TriggerState } from './decisions.js';
import type { CorruptStateHandler, LoadedState } from './state-store.js';
import { loadState } from './state-store.js';

export class TriggerLanes {
  private readonly tails = new Map<string, Promise<void>>();
  private readonly cache = new Map<string, { state: TriggerState; revision: number }>();

  /**
   * Queues for the locks of `names`; must be called synchronously in arrival order. Resolves with the release
   * function once every earlier holder of any of these names released it.
   */
  acquire(names: readonly string[]): Promise<() => void> {
    let release!: () => void;
    const done = new Promise<void>((r) => (release = r));
    const prev = names.map((n) => this.tails.get(n)).filter((p): p is Promise<void> => p !== undefined);
    for (const n of names) this.tails.set(n, done);
    const unlock = (): void => {
      for (const n of names) if (this.tails.get(n) === done) this.tails.delete(n);
      release();
    };
    return prev.length === 0 ? Promise.resolve(unlock) : Promise.all(prev).then(() => unlock);
  }

  /** The states of `names` (held locks): from the cache, else from the KV store. */
  async load(
    kv: KeyValueStore,
    namespace: string,
    sensor: string,
    names: readonly string[],
    onCorrupt: CorruptStateHandler,
  ): Promise<LoadedState> {
    const missing = names.filter((n) => !this.cache.has(n));
    const loaded =
      missing.length > 0 ? await loadState(kv, namespace, sensor, missing, onCorrupt) : { state: { triggers: {} }, revisions: {} };
    for (const n of names) {
      const c = this.cache.get(n);
      if (!c) continue;
      loaded.state.triggers[n] = c.state;
      loaded.revisions[n] = c.revision;
    }
    return loaded;
  }

  saved(name: string, state: TriggerState, revision: number): void {
    this.cache.set(name, { state, revision });
  }

  forget(name: string): void {
    this.cache.delete(name);
  }
}
