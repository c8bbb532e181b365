// Follows one running host step until it ends: reacts to the exit file (inotify), to the leader's exit when
// Weir spawned it itself, and polls process-group liveness while someone waits. Decides the outcome from the
// step directory alone, so a new Weir process reaches the same verdict as the one that launched the step.
import { constants as osConstants } from 'node:os';
import type { Clock } from '../core/clock.js';
import { WeirError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { stat } from 'node:fs/promises';
import { LogCap } from './log-cap.js';
import { LogIndex, StepWatch } from './log-index.js';
import { mtimeOf, readExit, readKilled, readTail } from './node-dir.js';
import type { NodePaths } from './node-dir.js';
import { stepGroupAlive } from './proc.js';
import type { GroupIdentity } from './proc.js';

export interface Outcome {
  exitCode: number | null;
  signal?: NodeJS.Signals;
  finishedAt: Date;
  message?: string;
  /** The exit file was missing; the code came from the leader's exit status (logged as a warning). */
  recordMissing?: boolean;
}

const signalName = (n: number): NodeJS.Signals | undefined =>
  (Object.entries(osConstants.signals) as [NodeJS.Signals, number][]).find(([, v]) => v === n)?.[0];

/**
 * How the leader Weir spawned ended, when this process spawned it. Isolated, the leader is bwrap's monitor, which
 * exits with the wrapper's code (the step's, see WRAPPER_ISOLATED): `codeIsStep` says the code can stand in for a
 * missing exit file.
 */
export interface LeaderStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
  codeIsStep: boolean;
}

/** The step's outcome, or undefined while it still runs. */
export async function determineOutcome(paths: NodePaths, id: GroupIdentity, leader?: LeaderStatus): Promise<Outcome | undefined> {
  let exit = readExit(paths.exit);
  if (exit === undefined) {
    if (stepGroupAlive(id)) return undefined;
    exit = readExit(paths.exit); // the wrapper may have written it just before the group went away
  }
  const killed = await readKilled(paths.killed);
  if (exit !== undefined) {
    const out: Outcome = { exitCode: exit.code, finishedAt: exit.at };
    const sig = exit.code > 128 ? signalName(exit.code - 128) : undefined;
    if (killed !== undefined && sig !== undefined) {
      out.signal = sig;
      out.message = `terminated by ${sig}`;
    } else if (exit.code === 127 || exit.code === 126) {
      const err = (await readTail(paths.stderr, 4096)).trimEnd().split('\n').pop() ?? '';
      if (/not found|Permission denied|cannot execute/i.test(err)) out.message = err.replace(/^weir-step: \d+: /, '');
    }
    return out;
  }
  const times = await Promise.all([mtimeOf(paths.stdout), mtimeOf(paths.stderr), mtimeOf(paths.killed)]);
  const finishedAt = new Date(Math.max(...times.map((t) => t?.getTime() ?? 0)));
  if (killed !== undefined) {
    return { exitCode: 128 + 9, signal: 'SIGKILL', finishedAt, message: 'killed (SIGKILL) after the grace period' };
  }
  const lastErr = (await readTail(paths.stderr, 4096)).trimEnd().split('\n').pop() ?? '';
  if (lastErr.startsWith('bwrap:')) return { exitCode: null, finishedAt, message: `sandbox setup failed: ${lastErr}` };
  if (leader?.codeIsStep === true && leader.code !== null) return { exitCode: leader.code, finishedAt, recordMissing: true };
  const how =
    leader === undefined
      ? ''
      : leader.signal !== null
        ? ` (its process got ${leader.signal} from outside Weir)`
        : ` (its process exited with ${leader.code})`;
  return { exitCode: null, finishedAt, message: `the step disappeared without recording an exit code${how}` };
}

export interface StepMonitorOptions {
  paths: NodePaths;
  identity: GroupIdentity;
  clock: Clock;
  logger: Logger;
  pollIntervalMs: number;
  /** Bytes kept per stream (log-cap.ts). */
  maxLogBytes: number;
  onFinished: (outcome: Outcome) => void;
}

export class StepMonitor {
  readonly done: Promise<Outcome>;
  outcome: Outcome | undefined;
  private resolveDone!: (o: Outcome) => void;
  private watch: StepWatch | undefined;
  private checking: Promise<void> | undefined;
  private recheck = false;
  private readonly listeners = new Set<() => void>();
  private leader: LeaderStatus | undefined;

  constructor(private readonly o: StepMonitorOptions) {
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
  }

  /** The live index while running; loaded from disk once finished. */
  index(): Promise<LogIndex> {
    return this.watch !== undefined && this.outcome === undefined
      ? Promise.resolve(this.watch.index)
      : LogIndex.load(this.o.paths.logIndex);
  }

  /** Begins watching; with `known` (already ended), settles at once without watching. */
  async start(known?: Outcome): Promise<void> {
    if (known !== undefined) {
      // Ended while no Weir process watched it: cap its logs now (log-cap.ts).
      await Promise.all(
        [this.o.paths.stdout, this.o.paths.stderr].map(async (p) => {
          const size = (await stat(p).catch(() => undefined))?.size ?? 0;
          await new LogCap(p, this.o.maxLogBytes, this.o.logger).enforce(size);
        }),
      );
      return this.finish(known);
    }
    const index = await LogIndex.load(this.o.paths.logIndex);
    this.watch = new StepWatch(this.o.paths, index, this.o.logger, (file) => this.onDirChange(file), this.o.maxLogBytes);
    this.watch.start(true);
    await this.check();
  }

  /** Begins watching a step this process just launched: nothing indexed or exited yet. */
  startFresh(): void {
    this.watch = new StepWatch(this.o.paths, new LogIndex(), this.o.logger, (file) => this.onDirChange(file), this.o.maxLogBytes);
    this.watch.start(false);
  }

  private onDirChange(file: string | null): void {
    if (file === 'exit' || file === null) void this.check();
    this.notify();
  }

  /** Re-checks as soon as the launched leader process exits; its status is a fallback for a missing exit file. */
  onLeaderExit(exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>, codeIsStep: boolean): void {
    void exited.then((e) => {
      this.leader = { ...e, codeIsStep };
      return this.check();
    });
  }

  /** Re-evaluates whether the step ended. Concurrent calls coalesce. */
  check(): Promise<void> {
    if (this.outcome !== undefined) return Promise.resolve();
    if (this.checking !== undefined) {
      this.recheck = true;
      return this.checking;
    }
    this.checking = (async () => {
      try {
        do {
          this.recheck = false;
          const out = await determineOutcome(this.o.paths, this.o.identity, this.leader);
          if (out !== undefined) {
            await this.finish(out);
            return;
          }
        } while (this.recheck);
      } catch (err) {
        this.o.logger.warn({ err, dir: this.o.paths.dir }, 'checking step state failed');
      } finally {
        this.checking = undefined;
      }
    })();
    return this.checking;
  }

  private async finish(out: Outcome): Promise<void> {
    if (this.outcome !== undefined) return;
    if (out.recordMissing === true || out.exitCode === null) {
      const stderrTail = (await readTail(this.o.paths.stderr, 512)).trimEnd();
      this.o.logger.warn(
        { dir: this.o.paths.dir, leader: this.leader, exitCode: out.exitCode, message: out.message, stderrTail },
        out.recordMissing === true
          ? 'step exit file missing; its code comes from the sandbox exit status'
          : 'step ended without an exit code',
      );
    }
    await this.watch?.close();
    this.outcome = out;
    this.resolveDone(out);
    this.notify();
    this.o.onFinished(out);
  }

  private notify(): void {
    for (const l of [...this.listeners]) l();
  }

  /** Resolves with the outcome; polls liveness while waiting (this keeps the event loop alive). */
  async waitDone(signal?: AbortSignal): Promise<Outcome> {
    if (this.outcome !== undefined) return this.outcome;
    const timer = setInterval(() => void this.check(), this.o.pollIntervalMs);
    try {
      return await raceAbort(this.done, signal);
    } finally {
      clearInterval(timer);
    }
  }

  /** Resolves on the next change in the step directory, or after `maxMs`. */
  nextChange(signal: AbortSignal | undefined, maxMs: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.listeners.delete(done);
        signal?.removeEventListener('abort', done);
        void this.check();
        resolve();
      };
      const timer = setTimeout(done, maxMs);
      this.listeners.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }
}

/** Rejects with CANCELLED when `signal` aborts first. */
export function raceAbort<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return p;
  if (signal.aborted) return Promise.reject(cancelled(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(cancelled(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

export const cancelled = (signal: AbortSignal): WeirError => new WeirError('CANCELLED', 'operation cancelled', { cause: signal.reason });
