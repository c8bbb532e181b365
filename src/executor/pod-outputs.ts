// A finished pod's output files on Weir's side: the wait container's report (pod-io.ts) unpacked once per pod into
// `<dataDir>/pod-outputs/<pod uid>` (copy `<index>/` per output path, in the order of the pod's output-paths
// annotation), and the readers a StepResult hands the controller for them.
import { cp, lstat, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { WeirError, errorMessage } from '../core/errors.js';
import { unpackReport } from './pod-io.js';
import { ANNOTATION_OUTPUTS } from './pod-manifest.js';
import type { Pod } from './pod-watch.js';
import type { StepResult } from './types.js';

/** Unpacks the report (read by `report()`, the wait container's log) into `dir` unless done before; resolves with `dir`. */
export async function unpackOutputs(dir: string, pod: Pod, report: () => Promise<string>): Promise<string> {
  if (await exists(join(dir, '.complete'))) return dir;
  const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
  await unpackReport(await report(), tmp).catch(async (e: unknown) => {
    await rm(tmp, { recursive: true, force: true });
    throw new WeirError(
      'STEP_FAILED',
      `cannot read the step's outputs from its wait container's log (a kubelet rotates container logs at containerLogMaxSize, 10 MiB by default: outputs above about 7 MiB are cut): ${errorMessage(e)}`,
      { cause: e },
    );
  });
  await writeFile(join(tmp, 'paths.json'), pod.metadata.annotations?.[ANNOTATION_OUTPUTS] ?? '[]');
  await mkdir(join(tmp, '.complete'));
  try {
    await rename(tmp, dir);
  } catch {
    await rm(tmp, { recursive: true, force: true }); // another wait() unpacked it first
  }
  return dir;
}

/** readOutput/copyOutput over an unpacked report. */
export function outputReaders(dir: string): Pick<StepResult, 'readOutput' | 'copyOutput'> {
  return {
    readOutput: async (p) => {
      const f = await locate(dir, p);
      if (!f || !(await lstat(f)).isFile()) return undefined;
      return readFile(f);
    },
    copyOutput: async (p, dest) => {
      const f = await locate(dir, p);
      if (!f) return undefined;
      const st = await lstat(f);
      if (!st.isFile() && !st.isDirectory()) return undefined;
      await cp(f, dest, { recursive: true, errorOnExist: false, verbatimSymlinks: true });
      return st.isDirectory() ? 'dir' : 'file';
    },
  };
}

/** The unpacked copy of `containerPath` (an output path or a path inside one); undefined when absent. */
async function locate(dir: string, containerPath: string): Promise<string | undefined> {
  const paths = await readFile(join(dir, 'paths.json'), 'utf8').then((s) => JSON.parse(s) as string[]);
  for (const [i, p] of paths.entries()) {
    const rel = containerPath === p ? '' : containerPath.startsWith(`${p}/`) ? containerPath.slice(p.length + 1) : undefined;
    if (rel === undefined) continue;
    const f = join(dir, String(i), rel);
    if (relative(join(dir, String(i)), f).startsWith('..')) return undefined;
    if (await exists(f)) return f;
  }
  return undefined;
}

async function exists(p: string): Promise<boolean> {
  return lstat(p).then(
    () => true,
    () => false,
  );
}
