// The test node's container runtime plumbing, shaped like a kubelet's: podman commands go through a bounded queue
// (a kubelet talks to one CRI daemon; a thousand concurrent podman CLI processes would need tens of GiB), and exits
// are learnt from ONE `podman events` stream (the kubelet's PLEG) instead of one `podman wait` process per
// container. A missed event (the stream restarting) is caught by a sweep over `podman ps` of the waited containers.
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** podman commands running at once (WEIR_TEST_NODE_PODMAN_SLOTS, default 6). */
const SLOTS = Math.max(1, Number(process.env.WEIR_TEST_NODE_PODMAN_SLOTS ?? 6));
let active = 0;
const queue: (() => void)[] = [];

async function limited<T>(fn: () => Promise<T>): Promise<T> {
  while (active >= SLOTS) await new Promise<void>((r) => queue.push(r));
  active++;
  try {
    return await fn();
  } finally {
    active--;
    queue.shift()?.();
  }
}

export async function podman(args: string[]): Promise<string> {
  try {
    const { stdout } = await limited(() => run('podman', args, { maxBuffer: 64 << 20 }));
    return stdout;
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`podman ${args[0]}: ${(err.stderr ?? '').trim() || err.message}`, { cause: e });
  }
}

interface DiedEvent {
  Name?: string;
  Status?: string;
  ContainerExitCode?: number;
}

/** Exit codes of this node's containers (label `io.weir.test-node=<label>`), from one event stream. */
export class ContainerExits {
  private child: ChildProcess | undefined;
  private readonly waiters = new Map<string, (code: number) => void>();
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
        if (ev.Status === 'died' && ev.Name) this.resolve(ev.Name, ev.ContainerExitCode ?? 0); // omitted when 0
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

  private resolve(name: string, code: number): void {
    const w = this.waiters.get(name);
    if (!w) return;
    this.waiters.delete(name);
    w(code);
  }

  /** Resolves with the container's exit code once it died; call before starting it, then `check` after the start. */
  exit(name: string): Promise<number> {
    return new Promise((resolve) => this.waiters.set(name, resolve));
  }

  forget(name: string): void {
    this.waiters.delete(name);
  }

  /** Catches exits the stream missed: one `podman ps` over every waited container. */
  async sweep(): Promise<void> {
    if (this.waiters.size === 0) return;
    const out = await podman([
      'ps',
      '-a',
      '--filter',
      `label=io.weir.test-node=${this.label}`,
      '--filter',
      'status=exited',
      '--format',
      '{{.Names}} {{.ExitCode}}',
    ]).catch(() => '');
    for (const line of out.split('\n')) {
      const [name, code] = line.trim().split(' ');
      if (name && code !== undefined) this.resolve(name, Number(code));
    }
  }

  stop(): void {
    this.stopped = true;
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.child?.kill();
  }
}
