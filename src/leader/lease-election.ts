// Leader election on a coordination.k8s.io/v1 Lease, as client-go's leaderelection does it: a replica that finds
// the Lease unheld, or unchanged for a whole lease duration (measured on its own clock, so clock skew between nodes
// does not matter), takes it with an optimistic-concurrency update; the holder renews it every retry period and
// steps down when it could not renew within the renew deadline (shorter than the lease duration, so it has stopped
// before anyone else may take over). On abort the holder releases the Lease so a successor starts at once.
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { pause, systemClock } from '../core/clock.js';
import type { Clock } from '../core/clock.js';
import { WeirError, errorMessage } from '../core/errors.js';
import { nullLogger } from '../core/logger.js';
import type { Logger } from '../core/logger.js';
import type { KubeRest } from '../store/kubernetes-rest.js';

export interface LeaseElectionOptions {
  rest: KubeRest;
  namespace: string;
  /** Default `weir-controller`. */
  name?: string;
  /** Default: $POD_NAME or the host name, plus a random suffix (unique per process). */
  identity?: string;
  /** Default 15,000 ms. */
  leaseDurationMs?: number;
  /** Default 2/3 of the lease duration. Must be shorter than it. */
  renewDeadlineMs?: number;
  /** Default 1/7 of the lease duration (2 s for 15 s). */
  retryPeriodMs?: number;
  logger?: Logger;
  clock?: Clock;
}

export interface LeaderCallbacks {
  /** Runs while this replica leads; `signal` aborts when leadership ends. */
  onStartedLeading(signal: AbortSignal): void;
  /** Leadership was lost (not released on abort). */
  onStoppedLeading(): void;
}

interface Lease {
  apiVersion: 'coordination.k8s.io/v1';
  kind: 'Lease';
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec: { holderIdentity?: string; leaseDurationSeconds?: number; acquireTime?: string; renewTime?: string; leaseTransitions?: number };
}

/** Kubernetes MicroTime: RFC 3339 with six fractional digits. */
const microTime = (ms: number): string => new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');

export class LeaseElection {
  readonly identity: string;
  private readonly o: Required<Omit<LeaseElectionOptions, 'identity'>>;
  private readonly path: string;
  /** The last Lease record seen and when (our clock) it last changed. */
  private observed: { holder: string; renew: string; at: number } | undefined;
  private leading = false;

  constructor(o: LeaseElectionOptions) {
    const leaseDurationMs = o.leaseDurationMs ?? 15_000;
    const renewDeadlineMs = o.renewDeadlineMs ?? Math.floor((leaseDurationMs * 2) / 3);
    if (renewDeadlineMs >= leaseDurationMs) throw new WeirError('INVALID_ARGUMENT', 'renewDeadlineMs must be shorter than leaseDurationMs');
    this.o = {
      rest: o.rest,
      namespace: o.namespace,
      name: o.name ?? 'weir-controller',
      leaseDurationMs,
      renewDeadlineMs,
      retryPeriodMs: o.retryPeriodMs ?? Math.max(200, Math.floor(leaseDurationMs / 7)),
      logger: o.logger ?? nullLogger,
      clock: o.clock ?? systemClock,
    };
    this.identity = o.identity ?? `${process.env.POD_NAME || hostname()}_${randomUUID().slice(0, 8)}`;
    this.path = `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(o.namespace)}/leases`;
  }

  isLeader(): boolean {
    return this.leading;
  }

  /** Campaigns until `signal` aborts; calls back when leadership starts and when it is lost. */
  async run(signal: AbortSignal, cb: LeaderCallbacks): Promise<void> {
    const log = this.o.logger;
    while (!signal.aborted) {
      // An attempt to acquire may take at most a lease duration, however slow the API server is.
      let lastRenew = this.o.clock.now();
      if (!(await this.tryAcquireOrRenew(this.bounded(signal, this.o.leaseDurationMs)))) {
        await pause(this.o.clock, this.o.retryPeriodMs, signal);
        continue;
      }
      this.leading = true;
      log.info({ lease: `${this.o.namespace}/${this.o.name}`, identity: this.identity }, 'became the leader');
      const term = new AbortController();
      cb.onStartedLeading(AbortSignal.any([term.signal, signal]));
      while (!signal.aborted) {
        await pause(this.o.clock, this.o.retryPeriodMs, signal);
        if (signal.aborted) break;
        // A renewal that has not succeeded by the renew deadline (counted from the start of the last successful
        // attempt) is abandoned: a hung request must not keep this replica leading past the point where another
        // may take the Lease.
        const attempt = this.o.clock.now();
        const left = lastRenew + this.o.renewDeadlineMs - attempt;
        if (left > 0 && (await this.tryAcquireOrRenew(this.bounded(signal, left)))) lastRenew = attempt;
        else if (this.o.clock.now() - lastRenew >= this.o.renewDeadlineMs) break;
      }
      this.leading = false;
      term.abort();
      if (signal.aborted) {
        await this.release();
        return;
      }
      log.warn({ lease: `${this.o.namespace}/${this.o.name}`, identity: this.identity }, 'lost the leader lease');
      cb.onStoppedLeading();
    }
  }

  /** `signal`, also aborted after `ms`. */
  private bounded(signal: AbortSignal, ms: number): AbortSignal {
    return AbortSignal.any([signal, AbortSignal.timeout(Math.max(1, Math.ceil(ms)))]);
  }

  private async get(signal: AbortSignal): Promise<Lease | undefined> {
    try {
      return await this.o.rest.request<Lease>('GET', `${this.path}/${this.o.name}`, { signal });
    } catch (e) {
      if (e instanceof WeirError && e.code === 'NOT_FOUND') return undefined;
      throw e;
    }
  }

  private async tryAcquireOrRenew(signal: AbortSignal): Promise<boolean> {
    const now = this.o.clock.now();
    const spec = {
      holderIdentity: this.identity,
      leaseDurationSeconds: Math.ceil(this.o.leaseDurationMs / 1000),
      acquireTime: microTime(now),
      renewTime: microTime(now),
      leaseTransitions: 0,
    };
    try {
      const cur = await this.get(signal);
      if (!cur) {
        const body: Lease = {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name: this.o.name, namespace: this.o.namespace },
          spec,
        };
        await this.o.rest.request('POST', this.path, { body, signal });
        return true;
      }
      const holder = cur.spec.holderIdentity ?? '';
      const renew = cur.spec.renewTime ?? '';
      if (!this.observed || this.observed.holder !== holder || this.observed.renew !== renew) this.observed = { holder, renew, at: now };
      const mine = holder === this.identity;
      const expired = holder === '' || now >= this.observed.at + (cur.spec.leaseDurationSeconds ?? 15) * 1000;
      if (!mine && !expired) return false;
      const next: Lease = {
        ...cur,
        spec: mine
          ? { ...cur.spec, renewTime: spec.renewTime, leaseDurationSeconds: spec.leaseDurationSeconds }
          : { ...spec, leaseTransitions: (cur.spec.leaseTransitions ?? 0) + 1 },
      };
      const saved = await this.o.rest.request<Lease>('PUT', `${this.path}/${this.o.name}`, { body: next, signal });
      this.observed = { holder: this.identity, renew: saved.spec.renewTime ?? '', at: now };
      return true;
    } catch (e) {
      const timedOut = signal.aborted && (signal.reason as { name?: string } | undefined)?.name === 'TimeoutError';
      if (timedOut) this.o.logger.warn({ lease: `${this.o.namespace}/${this.o.name}` }, 'lease request timed out');
      else if (!signal.aborted && !(e instanceof WeirError && (e.code === 'CONFLICT' || e.code === 'ALREADY_EXISTS'))) {
        this.o.logger.warn({ lease: `${this.o.namespace}/${this.o.name}`, err: errorMessage(e) }, 'lease update failed');
      }
      return false;
    }
  }

  /** Gives the Lease up (holder cleared) so another replica need not wait for it to expire. */
  private async release(): Promise<void> {
    try {
      const cur = await this.get(AbortSignal.timeout(5000));
      if (!cur || cur.spec.holderIdentity !== this.identity) return;
      const body: Lease = {
        ...cur,
        spec: { ...cur.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: microTime(this.o.clock.now()) },
      };
      await this.o.rest.request('PUT', `${this.path}/${this.o.name}`, { body, signal: AbortSignal.timeout(5000) });
    } catch {
      // Best effort: the Lease expires on its own.
    }
  }
}
