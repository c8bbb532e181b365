// The pod executor's shared view of its pods (a Kubernetes informer): per namespace one LIST of Weir's pods (those
// labelled with a workflow uid, pod-manifest.ts) and one WATCH from the list's resourceVersion with bookmarks,
// instead of a GET and a watch per waiting step (a 1,000-task DAG held 1,000 watch connections). A cache by pod
// name answers new waiters at once; waiters are called on every change of their pod. A watch the server ends is
// resumed from the last resourceVersion; 410 Expired, an ERROR event, a broken stream or a silent connection start
// over with a fresh LIST, after which a pod that is no longer there is reported gone (as a DELETED event would).
//
// Lifecycle: a namespace's informer starts with its first waiter and stops on close() (the executor's), or after
// `idleMs` without waiters. Between waiters its watch connection does not keep the process alive (unref'd).
import type { IncomingMessage } from 'node:http';
import { WeirError, errorMessage } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { podPath } from './pod-kube.js';
import type { PodApi } from './pod-kube.js';
import { LABEL_UID } from './pod-manifest.js';
import { getPod, watchEvents } from './pod-watch.js';
import type { Pod, PodSource } from './pod-watch.js';

export interface PodInformerOptions {
  api: PodApi;
  logger?: Logger;
  /** Label selector of the pods watched; default every pod Weir created (`weir.io/workflow-uid`). */
  labelSelector?: string;
  /** A namespace's informer stops after this long without waiters (default 120 s); the next waiter lists again. */
  idleMs?: number;
  /** The server ends each watch after this long (default 240 s; it is resumed from its resourceVersion). */
  watchSeconds?: number;
}

interface Waiter {
  /** The list generation under way (or last done) when the waiter came: a list started later tells it "gone". */
  since: number;
  /** Uid of the pod it was last shown: a DELETED event of another incarnation is not its pod's. */
  uid?: string;
  /** Shows it the pod; true once it decided (or failed) and left. */
  offer(pod: Pod | undefined): boolean;
  /** Leaves with an error. */
  fail(e: Error): void;
  done: boolean;
}

const LIST_PAGE = 500;

/** One namespace: cache, waiters and the LIST+WATCH loop. */
class NamespacePods {
  private readonly cache = new Map<string, Pod>();
  private readonly waiters = new Map<string, Set<Waiter>>();
  private count = 0;
  /** Generation of the last list started (0: none yet). */
  private generation = 0;
  private synced = false;
  private resourceVersion = '';
  private loop: AbortController | undefined;
  private stopped: Promise<void> = Promise.resolve();
  private watchRes: IncomingMessage | undefined;
  private idle: NodeJS.Timeout | undefined;

  constructor(
    private readonly o: Required<Omit<PodInformerOptions, 'logger'>> & { logger?: Logger },
    readonly namespace: string,
  ) {}

  until<T>(name: string, decide: (pod: Pod | undefined) => T | undefined, signal?: AbortSignal): Promise<T> {
    const cancelled = (): WeirError => new WeirError('CANCELLED', `waiting for pod ${this.namespace}/${name} cancelled`);
    if (signal?.aborted) return Promise.reject(cancelled());
    return new Promise<T>((resolve, reject) => {
      const leave = (): void => {
        w.done = true;
        signal?.removeEventListener('abort', onAbort);
        this.remove(name, w);
      };
      const onAbort = (): void => w.fail(cancelled());
      const w: Waiter = {
        since: this.generation,
        done: false,
        fail: (e) => {
          if (w.done) return;
          leave();
          reject(e);
        },
        offer: (pod) => {
          if (w.done) return true;
          if (pod) w.uid = pod.metadata.uid;
          let r: T | undefined;
          try {
            r = decide(pod);
          } catch (e) {
            leave();
            reject(e instanceof Error ? e : new Error(String(e)));
            return true;
          }
          if (r === undefined) {
            if (!pod) {
              leave();
              reject(new WeirError('INTERNAL', `untilPod: no decision for the missing pod ${name}`));
              return true;
            }
            return false;
          }
          leave();
          resolve(r);
          return true;
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.add(name, w);
      if (this.synced) {
        const pod = this.cache.get(name);
        if (pod) w.offer(pod);
        else this.confirm(name, w);
      }
    });
  }

  private add(name: string, w: Waiter): void {
    let set = this.waiters.get(name);
    if (!set) this.waiters.set(name, (set = new Set()));
    set.add(w);
    if (this.count++ === 0) {
      clearTimeout(this.idle);
      this.idle = undefined;
      this.watchRes?.socket?.ref();
    }
    if (!this.loop) this.start();
  }

  private remove(name: string, w: Waiter): void {
    const set = this.waiters.get(name);
    if (!set?.delete(w)) return;
    if (set.size === 0) this.waiters.delete(name);
    if (--this.count > 0) return;
    this.watchRes?.socket?.unref();
    this.idle = setTimeout(() => void this.stop(), this.o.idleMs);
    this.idle.unref();
  }

  private start(): void {
    const ac = new AbortController();
    this.loop = ac;
    this.stopped = this.run(ac.signal).catch((e: unknown) => {
      this.o.logger?.error({ namespace: this.namespace, err: errorMessage(e) }, 'pod informer stopped');
    });
  }

  /** Ends the watch and forgets the cache (idle, or close()); a waiter that came meanwhile starts it again. */
  async stop(): Promise<void> {
    clearTimeout(this.idle);
    this.idle = undefined;
    const ac = this.loop;
    if (!ac) return;
    ac.abort();
    this.synced = false;
    await this.stopped;
    if (this.loop !== ac) return;
    this.loop = undefined;
    this.cache.clear();
    if (this.count > 0) this.start();
  }

  /** Stops the watch and rejects every waiter with CANCELLED (the executor closes). */
  async close(): Promise<void> {
    for (const set of [...this.waiters.values()])
      for (const w of [...set]) w.fail(new WeirError('CANCELLED', `waiting for pod ${this.namespace}: the pod executor is closed`));
    await this.stop();
  }

  private async run(signal: AbortSignal): Promise<void> {
    let relist = true;
    let backoff = 0;
    while (!signal.aborted) {
      try {
        if (relist) await this.list(signal);
        relist = await this.watch(signal);
        backoff = 0;
      } catch (e) {
        if (signal.aborted) break;
        relist = true;
        backoff = Math.min(5000, backoff ? backoff * 2 : 250);
        this.o.logger?.warn({ namespace: this.namespace, err: errorMessage(e), retryMs: backoff }, 'pod watch failed; listing again');
        await pause(backoff, signal);
      }
    }
  }

  /** LISTs the namespace (pages of 500, one snapshot), replaces the cache and shows every waiter its pod. */
  private async list(signal: AbortSignal): Promise<void> {
    const generation = ++this.generation;
    const items = new Map<string, Pod>();
    let next: string | undefined;
    let rv = '';
    do {
      const page: { items: Pod[]; metadata?: { continue?: string; resourceVersion?: string } } = await this.o.api.request(
        'GET',
        podPath(this.namespace),
        { query: { labelSelector: this.o.labelSelector, limit: LIST_PAGE, ...(next ? { continue: next } : {}) }, signal },
      );
      for (const p of page.items) items.set(p.metadata.name, slim(p));
      next = page.metadata?.continue || undefined;
      rv = page.metadata?.resourceVersion ?? rv;
    } while (next);
    if (signal.aborted) return;
    this.cache.clear();
    for (const [k, p] of items) this.cache.set(k, p);
    this.resourceVersion = rv;
    this.synced = true;
    for (const [name, set] of [...this.waiters]) {
      const pod = items.get(name);
      for (const w of [...set]) {
        if (pod) w.offer(pod);
        else if (w.since < generation) w.offer(undefined);
        else this.confirm(name, w); // came while this list ran: it may predate the pod
      }
    }
  }

  /** Watches from the cache's resourceVersion until the server ends the watch; true when a new list is needed. */
  private async watch(signal: AbortSignal): Promise<boolean> {
    const ac = new AbortController();
    const both = AbortSignal.any([signal, ac.signal]);
    let heard = Date.now();
    // A connection that went silent (no event, no bookmark) past the server's own timeout is dead.
    const guard = setInterval(() => {
      if (Date.now() - heard > (this.o.watchSeconds + 30) * 1000) ac.abort();
    }, 30_000);
    guard.unref();
    let res: IncomingMessage | undefined;
    try {
      res = await this.o.api.open('GET', podPath(this.namespace), {
        query: {
          watch: true,
          labelSelector: this.o.labelSelector,
          resourceVersion: this.resourceVersion,
          allowWatchBookmarks: true,
          timeoutSeconds: this.o.watchSeconds,
        },
        signal: both,
        long: true,
      });
      this.watchRes = res;
      if (this.count === 0) res.socket?.unref();
      for await (const ev of watchEvents<Pod & { code?: number; message?: string }>(res)) {
        heard = Date.now();
        if (ev.type === 'ERROR') {
          if (ev.object.code === 410) return true;
          throw new WeirError('IO_ERROR', `pod watch of ${this.namespace}: ${ev.object.message ?? JSON.stringify(ev.object)}`);
        }
        const rv = ev.object.metadata?.resourceVersion;
        if (rv) this.resourceVersion = rv;
        if (ev.type === 'BOOKMARK') continue;
        this.apply(ev.type, slim(ev.object));
      }
      if (ac.signal.aborted) throw new WeirError('TIMEOUT', `pod watch of ${this.namespace} went silent`);
      return false;
    } catch (e) {
      if (ac.signal.aborted && !signal.aborted) throw new WeirError('TIMEOUT', `pod watch of ${this.namespace} went silent`, { cause: e });
      if (e instanceof WeirError && e.code === 'CONFLICT') return true; // 410 Gone at the start
      throw e;
    } finally {
      clearInterval(guard);
      res?.destroy();
      if (this.watchRes === res) this.watchRes = undefined;
      ac.abort();
    }
  }

  private apply(type: string, pod: Pod): void {
    const name = pod.metadata.name;
    if (type === 'DELETED') this.cache.delete(name);
    else this.cache.set(name, pod);
    const set = this.waiters.get(name);
    if (!set) return;
    for (const w of [...set]) {
      if (type !== 'DELETED') w.offer(pod);
      else if (!w.uid || !pod.metadata.uid || w.uid === pod.metadata.uid) w.offer(undefined);
    }
  }

  /** A waiter whose pod the cache lacks though it may exist (newer than the list): asks the API server. */
  private confirm(name: string, w: Waiter): void {
    void (async () => {
      for (let backoff = 250; !w.done && this.loop; backoff = Math.min(5000, backoff * 2)) {
        try {
          const pod = await getPod(this.o.api, this.namespace, name, this.loop.signal);
          if (w.done) return;
          const cached = this.cache.get(name);
          if (pod) {
            if (!cached) this.cache.set(name, slim(pod));
            w.offer(cached ?? pod);
          } else if (!cached) w.offer(undefined);
          return; // else: the watch delivers its deletion
        } catch (e) {
          if (w.done || !this.loop || this.loop.signal.aborted) return;
          this.o.logger?.warn({ namespace: this.namespace, pod: name, err: errorMessage(e) }, 'pod GET failed; retrying');
          await pause(backoff, this.loop.signal);
        }
      }
    })();
  }
}

/** Drops what waiters never read and that dominates a pod's size (managedFields). */
function slim(p: Pod): Pod {
  const m = p.metadata as Pod['metadata'] & { managedFields?: unknown };
  if (m?.managedFields !== undefined) delete m.managedFields;
  return p;
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/** The informers of every namespace the executor waits in, created on first use. */
export class PodInformer implements PodSource {
  private readonly o: Required<Omit<PodInformerOptions, 'logger'>> & { logger?: Logger };
  private readonly namespaces = new Map<string, NamespacePods>();
  private closed = false;

  constructor(o: PodInformerOptions) {
    this.o = { labelSelector: LABEL_UID, idleMs: 120_000, watchSeconds: 240, ...o };
  }

  until<T>(namespace: string, name: string, decide: (pod: Pod | undefined) => T | undefined, signal?: AbortSignal): Promise<T> {
    if (this.closed) return Promise.reject(new WeirError('CANCELLED', `waiting for pod ${namespace}/${name}: the pod executor is closed`));
    let ns = this.namespaces.get(namespace);
    if (!ns) this.namespaces.set(namespace, (ns = new NamespacePods(this.o, namespace)));
    return ns.until(name, decide, signal);
  }

  /** Stops every watch; waiters still waiting are rejected with CANCELLED. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.namespaces.values()].map((ns) => ns.close()));
    this.namespaces.clear();
  }
}
