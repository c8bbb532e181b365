// Test environment for the container executor: builds the stand-in images once per process (scripts/images.sh;
// fails loudly when podman is unusable), then gives executors over a temp data dir with python:3.12 as the default
// image (it has sh, coreutils and python, which the conformance suite's steps use).
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRecordingLogger } from '../../src/core/logger.js';
import type { RecordingLogger } from '../../src/core/logger.js';
import { ContainerExecutor } from '../../src/executor/container-executor.js';
import type { ContainerExecutorOptions } from '../../src/executor/container-executor.js';
import type { ConformanceEnv } from './conformance-kit.js';

export const DEFAULT_TEST_IMAGE = 'python:3.12';

let imagesBuilt = false;

/** The repository root (this file is compiled to dist/test/executor/). */
export function repoRoot(): string {
  return resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..', '..');
}

/** Runs `npm run images`' script once per process; throws with its output when podman cannot build them. */
export function buildTestImages(): void {
  if (imagesBuilt) return;
  try {
    execFileSync('bash', [join(repoRoot(), 'scripts', 'images.sh')], { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(
      `container tests need podman and the stand-in images (scripts/images.sh failed): ${err.stderr ?? ''}${err.stdout ?? ''}${err.message}`,
      { cause: e },
    );
  }
  imagesBuilt = true;
}

export interface ContainerEnv extends ConformanceEnv {
  executor: ContainerExecutor;
  reopen(): ContainerExecutor;
  root: string;
  dataDir: string;
  logger: RecordingLogger;
}

export async function makeContainerEnv(opts: Partial<ContainerExecutorOptions> = {}): Promise<ContainerEnv> {
  buildTestImages();
  const root = await mkdtemp(join(tmpdir(), 'weir-ctr-test-'));
  const dataDir = join(root, 'data');
  const logger = createRecordingLogger();
  const labels = { 'io.weir.test-env': root };
  const first = await ContainerExecutor.connect({ dataDir, logger, defaultImage: DEFAULT_TEST_IMAGE, labels, ...opts });
  const made: ContainerExecutor[] = [first];
  const reopen = (): ContainerExecutor => {
    const ex = new ContainerExecutor({ dataDir, logger, defaultImage: DEFAULT_TEST_IMAGE, labels, ...opts });
    made.push(ex);
    return ex;
  };
  return {
    executor: first,
    reopen,
    root,
    dataDir,
    logger,
    hostDir: () => mkdtemp(join(root, 'host-')),
    dispose: async () => {
      await first.removeLabelled('io.weir.test-env', root);
      for (const ex of made) ex.close();
      await rm(root, { recursive: true, force: true });
    },
  };
}
