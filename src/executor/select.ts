// Choosing the step executor (`--executor host|container|pod`, WEIR_EXECUTOR): a typed table of factories, each
// returning the executor and a one-line description for start-up logs and `weir version` (container: the engine).
// Each factory imports its executor when called, so a process loads only the one it runs (the container executor
// pulls in node:http, whose ESM facade alone costs ~100 ms of `weir run` start-up).
import { WeirError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { StepExecutor } from './types.js';
import type { ImageCommands } from './pod-images.js';

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
  /** ENTRYPOINT/CMD of images whose templates name no command (Argo's `images` setting): pod and container executors. */
  podImages?: ImageCommands;
  /**
   * The pod executor: whether the Workflows are objects of its cluster (the Kubernetes store), so that pods may name
   * them as owner (default false: `weir run` and the SQLite store keep Workflows outside the cluster).
   */
  workflowsInCluster?: boolean;
}

export interface SelectedExecutor {
  executor: StepExecutor;
  /** e.g. `host` or `container (podman 4.3.1)`. */
  description: string;
  /** Removes everything the workflow's steps left in the executor (`weir run` with a temporary data dir). */
  removeWorkflow: (uid: string) => Promise<void>;
}

const factories = {
  host: async (o: ExecutorSetup): Promise<SelectedExecutor> => {
    const { HostExecutor } = await import('./host-executor.js');
    return {
      executor: new HostExecutor({
        dataDir: o.dataDir,
        logger: o.logger,
        ...(o.maxLogBytes !== undefined ? { maxLogBytes: o.maxLogBytes } : {}),
      }),
      description: 'host',
      removeWorkflow: () => Promise.resolve(), // its files live in the data dir
    };
  },
  container: async (o: ExecutorSetup): Promise<SelectedExecutor> => {
    const [{ ContainerExecutor }, { LABEL_UID }] = await Promise.all([import('./container-executor.js'), import('./container-create.js')]);
    const executor = await ContainerExecutor.connect({
      dataDir: o.dataDir,
      logger: o.logger,
      ...(o.podImages ? { images: o.podImages } : {}),
    });
    return {
      executor,
      description: `container (${await executor.engineDescription()})`,
      removeWorkflow: async (uid) => {
        await executor.removeLabelled(LABEL_UID, uid);
      },
    };
  },
  pod: async (o: ExecutorSetup): Promise<SelectedExecutor> => {
    const [{ PodApi }, { PodExecutor }] = await Promise.all([import('./pod-kube.js'), import('./pod-executor.js')]);
    const api = PodApi.connect(o.kubeconfig ? { kubeconfig: o.kubeconfig } : {});
    const executor = new PodExecutor({
      api,
      dataDir: o.dataDir,
      logger: o.logger,
      ...(o.podImage ? { defaultImage: o.podImage } : {}),
      ...(o.podImages ? { images: o.podImages } : {}),
      ownedByWorkflow: o.workflowsInCluster === true,
    });
    return { executor, description: `pod (${api.server})`, removeWorkflow: (uid) => executor.removeWorkflow(uid) };
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
