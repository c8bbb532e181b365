// Shared pieces of the step executor conformance suite: the environment an implementation provides,
// feature flags, spec builders and polling helpers.
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import type { LogLine, StepExecutor, StepHandle, StepSpec } from '../../src/executor/types.js';
import { eventually } from '../helpers/eventually.js';

export interface ConformanceEnv {
  executor: StepExecutor;
  /** A NEW executor instance over the same state, as after a restart of Weir. */
  reopen(): StepExecutor;
  /** A fresh host directory usable as a mount's hostPath or an input file's parent. */
  hostDir(): Promise<string>;
  dispose(): Promise<void>;
}

export interface ConformanceFeatures {
  /** Steps get private views (parallel writes to one path do not collide; /tmp is private). */
  isolation: boolean;
  /** `mounts` with containerPath != hostPath work. */
  mounts: boolean;
}

export type ConformanceFactory = () => Promise<ConformanceEnv>;

const scratchPaths: string[] = [];

/** A unique absolute path prefix that is safe to write even when steps run unisolated (removed by cleanupScratch). */
export function scratch(): string {
  const p = `/tmp/weir-conf-${randomUUID().slice(0, 8)}`;
  scratchPaths.push(p, `${p}.count`);
  return p;
}

/** Removes what unisolated steps wrote at scratch() paths on the real host. */
export async function cleanupScratch(): Promise<void> {
  await Promise.all(scratchPaths.splice(0).map((p) => rm(p, { recursive: true, force: true })));
}

let counter = 0;
export function spec(command: string[], extra: Partial<StepSpec> = {}): StepSpec {
  counter++;
  return {
    workflow: { namespace: 'conformance', name: 'wf', uid: extra.workflow?.uid ?? `uid-${randomUUID()}` },
    nodeId: `wf-${counter}-${randomUUID().slice(0, 6)}`,
    command,
    env: {},
    outputPaths: [],
    mounts: [],
    ...extra,
  };
}

export const sh = (script: string, extra: Partial<StepSpec> = {}): StepSpec => spec(['sh', '-c', script], extra);

export async function collect(it: AsyncIterable<LogLine>): Promise<LogLine[]> {
  const out: LogLine[] = [];
  for await (const l of it) out.push(l);
  return out;
}

export { eventually };

/** Resolves once the step has printed `text` on stdout. */
export async function waitForOutput(ex: StepExecutor, h: StepHandle, text: string): Promise<void> {
  const ac = new AbortController();
  try {
    for await (const l of ex.logs(h, { follow: true, signal: ac.signal })) if (l.line.includes(text)) return;
  } finally {
    ac.abort();
  }
  throw new Error(`step ended without printing ${text}`);
}
