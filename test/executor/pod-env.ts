// Test environment for the pod executor: the real API server of scripts/kube-env.sh with the test node
// (test/helpers/kube-node.ts, pods run by podman from the stand-in images), a namespace per environment, and
// executors over a temp data dir with python:3.12 as the default image.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRecordingLogger } from '../../src/core/logger.js';
import type { RecordingLogger } from '../../src/core/logger.js';
import { PodApi } from '../../src/executor/pod-kube.js';
import { PodExecutor } from '../../src/executor/pod-executor.js';
import type { PodExecutorOptions } from '../../src/executor/pod-executor.js';
import type { KubeEnv } from '../helpers/kube.js';
import { startPodCluster } from '../kube/kit.js';
import type { ConformanceEnv } from './conformance-kit.js';

export const POD_TEST_IMAGE = 'docker.io/library/python:3.12';

export interface PodEnv extends ConformanceEnv {
  executor: PodExecutor;
  reopen(): PodExecutor;
  kube: KubeEnv;
  api: PodApi;
  root: string;
  logger: RecordingLogger;
}

/** Starts (once per process) the control plane with the test node; `namespace` gets its default ServiceAccount. */
export async function makePodEnv(namespace = 'conformance', opts: Partial<PodExecutorOptions> = {}): Promise<PodEnv> {
  const kube = await startPodCluster(namespace, 30_000);
  const root = await mkdtemp(join(tmpdir(), 'weir-pod-test-'));
  const logger = createRecordingLogger();
  const api = PodApi.connect({ kubeconfig: kube.kubeconfig });
  const envLabel = root.split('/').pop() ?? 'x';
  const make = (): PodExecutor =>
    new PodExecutor({
      api,
      dataDir: join(root, 'data'),
      logger,
      defaultImage: POD_TEST_IMAGE,
      labels: { 'weir.io/test-env': envLabel },
      ...opts,
    });
  const first = make();
  return {
    executor: first,
    reopen: make,
    kube,
    api,
    root,
    logger,
    hostDir: () => mkdtemp(join(root, 'host-')),
    dispose: async () => {
      const list = await api.request<{ items: { metadata: { name: string; namespace: string } }[] }>('GET', '/api/v1/pods', {
        query: { labelSelector: `weir.io/test-env=${envLabel}` },
      });
      await Promise.all(
        list.items.map((p) =>
          first.cleanup({
            executor: 'pod',
            id: p.metadata.name,
            startedAt: '',
            details: { namespace: p.metadata.namespace, pod: p.metadata.name },
          }),
        ),
      );
      await rm(root, { recursive: true, force: true });
    },
  };
}
