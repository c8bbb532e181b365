// Test environment for the host executor: a temp root holding the data dir and host dirs for mounts/inputs.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRecordingLogger } from '../../src/core/logger.js';
import type { RecordingLogger } from '../../src/core/logger.js';
import { HostExecutor } from '../../src/executor/host-executor.js';
import type { HostExecutorOptions } from '../../src/executor/host-options.js';
import type { ConformanceEnv } from './conformance-kit.js';

export interface HostEnv extends ConformanceEnv {
  executor: HostExecutor;
  reopen(): HostExecutor;
  root: string;
  dataDir: string;
  logger: RecordingLogger;
}

export async function makeHostEnv(opts: Partial<HostExecutorOptions> = {}): Promise<HostEnv> {
  const root = await mkdtemp(join(tmpdir(), 'weir-exec-test-'));
  const dataDir = join(root, 'data');
  const logger = createRecordingLogger();
  const make = (): HostExecutor => new HostExecutor({ dataDir, logger, ...opts });
  return {
    executor: make(),
    reopen: make,
    root,
    dataDir,
    logger,
    hostDir: () => mkdtemp(join(root, 'host-')),
    dispose: () => rm(root, { recursive: true, force: true }),
  };
}
