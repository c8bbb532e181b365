// Choosing the step executor (`--executor host|container|pod`, WEIR_EXECUTOR): a typed table of factories, each
// returning the executor and a one-line description for start-up logs and `weir version` (container: the engine).
import { WeirError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { LABEL_UID } from './container-create.js';
import { ContainerExecutor } from './container-executor.js';
import { HostExecutor } from './host-executor.js';
import { PodApi } from './pod-kube.js';
import { PodExecutor } from './pod-executor.js';
import type { StepExecutor } from './types.js';

export const EXECUTOR_KINDS = ['host', 'container', 'pod'] as const;
export type ExecutorKind = (typeof EXECUTOR_KINDS)[number];

export interface ExecutorSetup {
  dataDir: string;
  logger: Logger;
  /** Bytes of stdout (and of stderr) the host executor keeps per step (head and tail); default its own. */
  maxLogBytes?: number;
  /** The pod executor's kubeconfig (default: KUBECONFIG, the in-cluster service account, ~/.kube/config). */
  kubeconfig?: string;
  /** The pod executor's image for steps that name none and for its wait container (default busybox / the step's). */
  podImage?: string;
}

export interface SelectedExecutor {
  executor: StepExecutor;
  /** e.g. `host` or `container (podman 4.3.1)`. */
  description: string;
  /** Removes everything the workflow's steps left in the executor (`weir run` with a temporary data dir). */
  removeWorkflow: (uid: string) => Promise<void>;
}

const factories = {
  host: (o: ExecutorSetup): Promise<SelectedExecutor> =>
    Promise.resolve({
      executor: new HostExecutor({
        dataDir: o.dataDir,
        logger: o.logger,
        ...(o.maxLogBytes !== undefined ? { maxLogBytes: o.maxLogBytes } : {}),
      }),
      description: 'host',
      removeWorkflow: () => Promise.resolve(), // its files live in the data dir
    }),
  container: async (o: ExecutorSetup): Promise<SelectedExecutor> => {
    const executor = await ContainerExecutor.connect({ dataDir: o.dataDir, logger: o.logger });
    return {
      executor,
      description: `container (${await executor.engineDescription()})`,
      removeWorkflow: async (uid) => {
        await executor.removeLabelled(LABEL_UID, uid);
      },
    };
  },
  pod: (o: ExecutorSetup): Promise<SelectedExecutor> => {
    const api = PodApi.connect(o.kubeconfig ? { kubeconfig: o.kubeconfig } : {});
    const executor = new PodExecutor({ api, dataDir: o.dataDir, logger: o.logger, ...(o.podImage ? { defaultImage: o.podImage } : {}) });
    return Promise.resolve({ executor, description: `pod (${api.server})`, removeWorkflow: (uid) => executor.removeWorkflow(uid) });
  },
} satisfies Record<ExecutorKind, (o: ExecutorSetup) => Promise<SelectedExecutor>>;

export function isExecutorKind(s: string): s is ExecutorKind {
  return (EXECUTOR_KINDS as readonly string[]).includes(s);
}

/** Creates the executor of `kind`; ENGINE_UNAVAILABLE when the container executor finds no engine. */
export function createExecutor(kind: string, o: ExecutorSetup): Promise<SelectedExecutor> {
  if (!isExecutorKind(kind))
    throw new WeirError('INVALID_ARGUMENT', `unknown executor ${JSON.stringify(kind)}; use ${EXECUTOR_KINDS.join(', ')}`);
  return factories[kind](o);
}
