// The test node's container runtime plumbing, shaped like a kubelet's: podman commands go through a bounded queue
// (a kubelet talks to one CRI daemon; a thousand concurrent podman CLI processes would need tens of GiB), and exits
// are learnt from ONE `podman events` stream (the kubelet's PLEG) instead of one `podman wait` process per
// container. A missed event (the stream restarting) is caught by a sweep over `podman ps` of the waited containers.
// The queue serves work that finishes pods (start, inspect, rm, ...) before work that begins new ones (create,
// run): with 1,000 pods bound at once, FIFO order created every container before starting any, and every podman
// command slows down with the number of containers in its store. Ended pods' containers are removed in batches
// (one `podman rm` for all that ended meanwhile), as a kubelet's garbage collection does.
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * podman commands running at once (WEIR_TEST_NODE_PODMAN_SLOTS, default 12). 100 one-container pods on the node
 * alone, load ~16: 32 s and 20 s with 12 slots, 45 s and 46 s with 6, 50 s with 3, 35 s with 24.
 */
const SLOTS = Math.max(1, Number(process.env.WEIR_TEST_NODE_PODMAN_SLOTS ?? 12));
let active = 0;
/** Waiting commands: [0] finish pods (served first), [1] begin pods (`create`, `run`). */
const queues: [(() => void)[], (() => void)[]] = [[], []];

async function limited<T>(begins: boolean, fn: () => Promise<T>): Promise<T> {
  while (active >= SLOTS) await new Promise<void>((r) => queues[begins ? 1 : 0].push(r));
  active++;
  try {
    return await fn();
  } finally {
    active--;
    (queues[0].shift() ?? queues[1].shift())?.();
  }
}

export async function podman(args: string[]): Promise<string> {
  const begins = args[0] === 'create' || args[0] === 'run';
  try {
    const { stdout } = await limited(begins, () => run('podman', args, { maxBuffer: 64 << 20 }));
    return stdout;
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`podman ${args[0]}: ${(err.stderr ?? '').trim() || err.message}`, { cause: e });
  }
}

/**
 * One podman command for many containers: names given while a batch runs go into the next one (one batch at a time).
 * `run` resolves with the stdout of the batch holding the names (what it printed even when it failed, as for a
 * container already gone). Used to remove ended pods' containers (`rm -f -i`) and to read addresses (`inspect`).
 */
export class Batched {
  private pending: string[] = [];
  private next: Promise<string> | undefined;
  private last: Promise<unknown> = Promise.resolve();

  constructor(private readonly command: (names: string[]) => string[]) {}

  run(names: string[]): Promise<string> {
    this.pending.push(...names);
    if (!this.next) {
      const batch = this.last.then(async () => {
        this.next = undefined; // names given from now on go into the batch after this one
        const these = this.pending;
        this.pending = [];
        if (these.length === 0) return '';
        return podman(this.command(these)).catch((e: unknown) => {
          const out = ((e as Error).cause as { stdout?: unknown } | undefined)?.stdout;
          return typeof out === 'string' ? out : '';
        });
      });
      this.next = batch;
      this.last = batch;
    }
    return this.next;
  }
}

/** Removes containers in batches; remove a container that joins another's network before that one (podman refuses). */
export const removeBatch = (): Batched => new Batched((names) => ['rm', '-f', '-i', '-t', '0', ...names]);

/** Reads bridge addresses in batches: `run([name])` resolves with lines `<name> <address>`. */
export const addressBatch = (): Batched => new Batched((names) => ['inspect', '-f', '{{.Name}} {{.NetworkSettings.IPAddress}}', ...names]);

interface DiedEvent {
  Name?: string;
  Status?: string;
  ContainerExitCode?: number;
  Time?: string;
}

/** How a container ended: its exit code and, when learnt from the event stream, when it died (podman's time). */
export interface Exit {
  code: number;
  finishedAt?: string;
}

/** Exit codes of this node's containers (label `io.weir.test-node=<label>`), from one event stream. */
export class ContainerExits {
  private child: ChildProcess | undefined;
  private readonly waiters = new Map<string, (exit: Exit) => void>();
  private sweeping = false;
  private stopped = false;
  private sweepTimer: NodeJS.Timeout | undefined;

  constructor(private readonly label: string) {}

  start(): void {
    if (this.stopped) return;
    const child = spawn(
      'podman',
      ['events', '--format', 'json', '--filter', 'event=died', '--filter', `label=io.weir.test-node=${this.label}`],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    this.child = child;
    let rest = '';
    child.stdout.on('data', (b: Buffer) => {
      rest += b.toString('utf8');
      let nl: number;
      while ((nl = rest.indexOf('\n')) >= 0) {
        const line = rest.slice(0, nl);
        rest = rest.slice(nl + 1);
        let ev: DiedEvent;
        try {
          ev = JSON.parse(line) as DiedEvent;
        } catch {
          continue;
        }
        if (ev.Status === 'died' && ev.Name) this.resolve(ev.Name, { code: ev.ContainerExitCode ?? 0, finishedAt: ev.Time }); // code omitted when 0
      }
    });
    child.once('exit', () => {
      if (this.stopped) return;
      setTimeout(() => {
        this.start();
        void this.sweep();
      }, 200);
    });
    this.sweepTimer ??= setInterval(() => void this.sweep(), 2000);
  }

  private resolve(name: string, exit: Exit): void {
    const w = this.waiters.get(name);
    if (!w) return;
    this.waiters.delete(name);
    w(exit);
  }

  /** Resolves once the container died (how, see Exit); call before starting it. */
  exit(name: string): Promise<Exit> {
    return new Promise((resolve) => this.waiters.set(name, resolve));
  }

  forget(name: string): void {
    this.waiters.delete(name);
  }

  /** Catches exits the stream missed: one `podman ps` over every waited container (one sweep at a time). */
  async sweep(): Promise<void> {
    if (this.waiters.size === 0 || this.sweeping) return;
    this.sweeping = true;
    const out = await podman([
      'ps',
      '-a',
      '--filter',
      `label=io.weir.test-node=${this.label}`,
      '--filter',
      'status=exited',
      '--format',
      '{{.Names}} {{.ExitCode}}',
    ])
      .catch(() => '')
      .finally(() => (this.sweeping = false));
    for (const line of out.split('\n')) {
      const [name, code] = line.trim().split(' ');
      if (name && code !== undefined) this.resolve(name, { code: Number(code) });
    }
  }

  stop(): void {
    this.stopped = true;
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.child?.kill();
  }
}
