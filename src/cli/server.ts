// `weir server [MANIFEST_DIR...] [--port 2746] [--host 127.0.0.1] [--data-dir D] [--auth-token T] [--bus B] [--store S]`: the
// composition root of the long-running process — store (SQLite in the data dir, or Kubernetes: server-store.ts), host
// executor in the data dir, workflow controller (with Kubernetes: on the Lease holder only), REST API.
// Manifests in the given paths are applied (created or updated) at start (server-workflows.ts).
// Drain order on SIGINT/SIGTERM:
//   1. the API stops accepting requests (streams end, in-flight requests get drainTimeoutMs),
//   2. background services stop (controller loop; running steps keep running detached and are re-adopted later),
//      then the executor closes (the pod executor's watches and API connections),
//   3. the event bus closes (when this process created it: pending acks are flushed),
//   4. the store closes.
// A start that fails part-way (e.g. the API port is taken) closes what it had opened, last opened first: API server,
// executor, event bus, store. A close that fails is logged and the others still close.
import { mkdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { resolveServerConfig } from '../core/config.js';
import type { ServerConfig } from '../core/config.js';
import { WeirError, errorMessage } from '../core/errors.js';
import type { Logger, LogFn } from '../core/logger.js';
import { WorkflowController } from '../controller/controller.js';
import { createExecutor } from '../executor/select.js';
import { nodeDirFor, nodePaths, readHandleFile } from '../executor/node-dir.js';
import { createApiServer } from '../server/api-server.js';
import type { ApiServer } from '../server/api-server.js';
import { isLoopback } from '../server/options.js';
import type { LiveStatus } from '../server/options.js';
import { ComponentLogs, eventSourceLogTap, sensorLogTap } from '../server/component-logs.js';
import { tapLogger } from '../core/log-tap.js';
import { openStore, runLeaderServices } from './server-store.js';
import { applyManifests, pickUpWorkflows } from './server-workflows.js';
import type { BackgroundService } from './server-store.js';
import type { EventBus } from '../bus/types.js';
import { busConfigFrom, createBus } from '../bus/factory.js';
import { SensorHost } from '../sensor-host/host.js';
import { createEventSourceHost } from '../eventsource-host/host.js';
import { CronController } from '../cron/controller.js';
import type { CliIo, Verb } from './io.js';
import { packageVersion } from '../core/package-version.js';
import { parseArtifactRepository } from '../artifacts/repository-config.js';
import type { ArtifactRepository } from '../artifacts/repository-config.js';
import { loadImageCommands } from '../executor/pod-images.js';
import type { ImageCommands } from '../executor/pod-images.js';

const HELP = `Usage: weir server [MANIFEST_PATH...] [--port 2746] [--host 127.0.0.1] [--data-dir D] [--auth-token T] [--bus B]

Runs Weir as a service: the Argo-compatible REST API (argo-server paths), the workflow controller and the host step
executor, with state in a SQLite database under the data directory (or in a Kubernetes cluster: --store kubernetes).
Manifests (files or directories) given as arguments are created or updated at start.
      --port N          listen port (env WEIR_PORT; default 2746; 0 picks a free port)
      --host H          listen address (env WEIR_HOST; default 127.0.0.1). Any non-loopback address needs a token.
      --data-dir D      state directory (env WEIR_DATA_DIR; default ./.weir)
      --auth-token T    require "Authorization: Bearer T" on every request but /healthz (env WEIR_AUTH_TOKEN)
      --namespace NS    namespace for manifests that name none (default: default)
      --allow-host-path PREFIX[:rw]  host path prefix that hostPath volumes may mount, read-only unless :rw
                        (repeatable; env WEIR_ALLOW_HOST_PATH, comma-separated). Default: hostPath volumes are refused
      --executor E      step executor: host (default; sandboxed host processes), container (podman/Docker) or pod
                        (one Kubernetes Pod per step, through --kubeconfig's API server; env WEIR_EXECUTOR)
      --bus B           event bus: "embedded" (default: <data-dir>/bus.db) or nats://host:4222 (env WEIR_BUS);
                        without it, an EventBus "default" with jetstreamExotic.url is used when applied
      --artifact-repository F  YAML file with the default artifact repository (Argo's ArtifactRepository, e.g.
                        s3: {bucket, endpoint, ...}); default: the local repository <data-dir>/artifacts. A namespace's
                        artifact-repositories ConfigMap and spec.artifactRepositoryRef take precedence
      --store S         sqlite (default) or kubernetes (env WEIR_STORE): resources as CRDs, ConfigMaps and Secrets in
                        a cluster; replicas elect a leader on a Lease that runs the controllers (all serve the API)
      --kubeconfig F    kubeconfig of --store kubernetes and --executor pod (default: KUBECONFIG, in-cluster service account, ~/.kube/config)
      --pod-images F    YAML map image -> {entrypoint, cmd}: the command of templates that name none (Argo's
                        \`images\` setting; --executor pod does not query registries; --executor container uses it
                        instead of the image's own ENTRYPOINT/CMD)
      --lease-duration S  seconds the leader Lease lasts without renewal (env WEIR_LEASE_DURATION; default 15)
      --offload-db URL  postgres:// database for the node status of workflows too big for the cluster even
                        compressed (env WEIR_OFFLOAD_DB; Argo's node status offload)
Stop with Ctrl-C or SIGTERM; running steps keep running and are picked up again at the next start.
`;

export type { BackgroundService };

function stderrLogger(io: CliIo): Logger {
  const make =
    (level: string): LogFn =>
    (obj, msg) => {
      if (level === 'debug' && io.env.WEIR_DEBUG !== '1') return;
      const fields = Object.entries(obj)
        .filter(([k, v]) => k !== 'stack' && v !== undefined)
        .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
      io.stderr(`weir: ${level === 'info' ? '' : `${level}: `}${msg ?? ''}${fields.length > 0 ? ` (${fields.join(' ')})` : ''}\n`);
    };
  return { debug: make('debug'), info: make('info'), warn: make('warn'), error: make('error') };
}

/** Something start-up opened, to close when the server stops or its start fails. */
interface Opened {
  name: string;
  close(): Promise<void> | void;
}

/** Closes `opened` last opened first and empties it; a failure is logged and the rest still close. */
async function closeAll(opened: Opened[], log: Logger): Promise<{ error: unknown } | undefined> {
  let failed: { error: unknown } | undefined;
  for (const o of opened.splice(0).reverse()) {
    try {
      await o.close();
      log.debug({}, `closed the ${o.name}`);
    } catch (e) {
      log.error({ err: errorMessage(e) }, `cannot close the ${o.name}`);
      failed ??= { error: e };
    }
  }
  return failed;
}

export interface RunningServer {
  api: ApiServer;
  url: string;
  /** Drains in the documented order; idempotent. */
  stop(): Promise<void>;
}

/** Builds and starts everything; used by the verb and by in-process tests. */
export type ServerStartConfig = Omit<ServerConfig, 'store' | 'leaseDurationMs'> &
  Partial<Pick<ServerConfig, 'store' | 'leaseDurationMs'>> & {
    manifests: string[];
    namespace: string;
    bus?: EventBus;
    artifactRepository?: ArtifactRepository;
    /** --pod-images: ENTRYPOINT/CMD of images for the pod and container executors. */
    podImages?: ImageCommands;
    /** Called when this replica lost the leader Lease and stopped (the verb exits non-zero). */
    onFatal?: (reason: string) => void;
  };

export async function startServer(cfg: ServerStartConfig, io: CliIo): Promise<RunningServer> {
  if (cfg.authToken === undefined && !isLoopback(cfg.host)) {
    throw new WeirError('INVALID_ARGUMENT', `refusing to listen on ${cfg.host} without an auth token: set --auth-token or WEIR_AUTH_TOKEN`);
  }
  const log = stderrLogger(io);
  await mkdir(cfg.dataDir, { recursive: true });
  const opened: Opened[] = [];
  try {
    const { store, kube } = await openStore({
      store: cfg.store ?? 'sqlite',
      dataDir: cfg.dataDir,
      ...(cfg.kubeconfig ? { kubeconfig: cfg.kubeconfig } : {}),
      ...(cfg.offloadDb ? { offloadDb: cfg.offloadDb } : {}),
    });
    opened.push({ name: 'store', close: () => store.close() });
    if (cfg.manifests.length > 0) {
      const n = await applyManifests(cfg.manifests, store, cfg.namespace, log, io);
      log.info({}, `applied ${n} manifest(s)`);
    }
    // The event bus (src/bus/factory.ts): an injected one (tests), else --bus / WEIR_BUS, else the EventBus "default"
    // in the namespace, else embedded in the data dir. Event-source and sensor hosts get it from `bus` below; this
    // process owns (and closes) a bus it created.
    let ownBus: EventBus | undefined;
    if (cfg.bus === undefined) {
      const created = await createBus(
        busConfigFrom({
          busUrl: cfg.busUrl,
          dataDir: cfg.dataDir,
          logger: log,
          eventBus: await store.get('EventBus', cfg.namespace, 'default'),
        }),
      );
      ownBus = created;
      opened.push({ name: 'event bus', close: () => created.close() });
    }
    const { executor, description: executorInfo } = await createExecutor(cfg.executor ?? 'host', {
      dataDir: cfg.dataDir,
      logger: log,
      ...(cfg.maxLogBytes !== undefined ? { maxLogBytes: cfg.maxLogBytes } : {}),
      ...(cfg.kubeconfig ? { kubeconfig: cfg.kubeconfig } : {}),
      ...(cfg.podImages ? { podImages: cfg.podImages } : {}),
      workflowsInCluster: kube !== undefined,
    });
    opened.push({ name: 'step executor', close: () => executor.close?.() });
    log.info({}, `step executor: ${executorInfo}`);
    const hostPaths = { allow: cfg.allowHostPath ?? [], deny: [cfg.dataDir] };
    const controller = new WorkflowController({
      store,
      executor,
      logger: log,
      hostPaths,
      ...(cfg.artifactRepository ? { artifacts: { defaultRepository: cfg.artifactRepository } } : {}),
    });
    const stepsDir = join(cfg.dataDir, 'steps');
    // Filled in once the event source and sensor hosts exist (below); the API shows it as status.weir.
    const live: LiveStatus = { eventSource: () => undefined, sensor: () => undefined };
    // The last records of each event source and sensor, tapped from the hosts' logger (GET .../stream/.../logs).
    const componentLogs = { eventSources: new ComponentLogs(), sensors: new ComponentLogs() };
    const debugLogs = process.env.WEIR_DEBUG === '1'; // debug records are kept only when they are logged at all
    const api = createApiServer({
      store,
      controller,
      live,
      componentLogs,
      dataDir: cfg.dataDir,
      bus: cfg.bus ?? ownBus,
      logger: log,
      host: cfg.host,
      port: cfg.port,
      authToken: cfg.authToken,
      namespace: cfg.namespace,
      version: packageVersion(),
      executorInfo,
      processMetrics: true,
      steps: {
        executor,
        // The controller knows the steps it started; after a restart the handle is read back from the step's dir.
        handleOf: async (wf, id) =>
          controller.handleOf(wf.metadata.uid, id) ??
          (await readHandleFile(nodePaths(nodeDirFor(stepsDir, wf.metadata.uid, id)).handle))?.handle,
      },
    });
    const { url } = await api.listen();
    opened.push({ name: 'API server', close: () => api.close() });
    // Leader-only services (with a local store: this process is the leader); event sources run on every replica.
    const leaderServices: BackgroundService[] = [
      { name: 'workflow-controller', run: (s) => controller.run(s) },
      { name: 'workflow-pickup', run: (s) => pickUpWorkflows(store, controller, log, s) },
      { name: 'cron-controller', run: (s) => new CronController({ store, logger: log }).run(s) },
    ];
    // Offloaded node status of Workflows deleted while no replica watched (their DELETED event drops it otherwise).
    if (kube && cfg.offloadDb)
      leaderServices.push({
        name: 'offload-collection',
        run: async () => {
          const n = await kube.collectOffloadedNodes();
          if (n > 0) log.info({ workflows: n }, 'dropped the offloaded node status of deleted workflows');
        },
      });
    const services: BackgroundService[] = [];
    const bus = cfg.bus ?? ownBus;
    if (bus) {
      // Webhook ports listen on the API's address (loopback unless --host says otherwise).
      const eventSources = createEventSourceHost({
        store,
        bus,
        logger: tapLogger(log, eventSourceLogTap(componentLogs.eventSources), { debug: debugLogs }),
        webhookHost: cfg.host,
      });
      services.push({ name: 'eventsource-host', run: (s) => eventSources.run(s) });

      const sensors = new SensorHost({
        store,
        bus,
        logger: tapLogger(log, sensorLogTap(componentLogs.sensors), { debug: debugLogs }),
        onWorkflow: (ns, name) => controller.enqueue(`${ns}/${name}`),
      });
      live.eventSource = (ns, name) => eventSources.eventSourceStatus(ns, name)?.events;
      live.sensor = (ns, name) => sensors.status()[`${ns}/${name}`];
      leaderServices.push({ name: 'sensor-host', run: (s) => sensors.run(s) });
    }
    const ac = new AbortController();
    services.push({
      name: 'leader',
      run: (s) =>
        runLeaderServices(
          {
            kube,
            namespace: cfg.namespace,
            leaseDurationMs: cfg.leaseDurationMs ?? 15_000,
            services: leaderServices,
            logger: log,
            onLost: () => {
              cfg.onFatal?.('lost the leader Lease');
              void stop();
            },
          },
          s,
        ),
    });
    const running = services.map((svc) =>
      svc.run(ac.signal).catch((e: unknown) => {
        if (!ac.signal.aborted) log.error({ service: svc.name, err: errorMessage(e) }, 'service stopped with an error');
      }),
    );
    let stopping: Promise<void> | undefined;
    const stop = (): Promise<void> =>
      (stopping ??= (async () => {
        await api.close();
        ac.abort();
        await Promise.all(running);
        // Then the executor (after the controller: its watches and connections; steps keep running), bus, store.
        const failed = await closeAll(opened, log);
        if (failed) throw failed.error;
      })());
    return { api, url, stop };
  } catch (e) {
    await closeAll(opened, log);
    throw e;
  }
}

export const verb: Verb = async (args, io) => {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'data-dir': { type: 'string' },
      'allow-host-path': { type: 'string', multiple: true },
      executor: { type: 'string' },
      'auth-token': { type: 'string' },
      namespace: { type: 'string' },
      bus: { type: 'string' },
      'artifact-repository': { type: 'string' },
      store: { type: 'string' },
      kubeconfig: { type: 'string' },
      'lease-duration': { type: 'string' },
      'offload-db': { type: 'string' },
      'pod-images': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.stdout(HELP);
    return 0;
  }
  const cfg = resolveServerConfig(
    {
      port: values.port,
      host: values.host,
      dataDir: values['data-dir'],
      authToken: values['auth-token'],
      bus: values.bus,
      allowHostPath: values['allow-host-path'],
      executor: values.executor,
      store: values.store,
      kubeconfig: values.kubeconfig,
      leaseDuration: values['lease-duration'],
      offloadDb: values['offload-db'],
    },
    io.env,
    io.cwd,
  );
  const repoFile = values['artifact-repository'];
  const artifactRepository =
    repoFile === undefined ? undefined : parseArtifactRepository(await readFile(resolve(io.cwd, repoFile), 'utf8'), repoFile);
  const imagesFile = values['pod-images'];
  const podImages = imagesFile === undefined ? undefined : await loadImageCommands(resolve(io.cwd, imagesFile), imagesFile);
  let fatal: string | undefined;
  let wakeOnFatal: (() => void) | undefined;
  const srv = await startServer(
    {
      ...cfg,
      manifests: positionals.map((p) => resolve(io.cwd, p)),
      namespace: values.namespace ?? 'default',
      ...(artifactRepository ? { artifactRepository } : {}),
      ...(podImages ? { podImages } : {}),
      onFatal: (reason) => {
        fatal = reason;
        wakeOnFatal?.();
      },
    },
    io,
  );
  io.stdout(`Weir server listening on ${srv.url}\n`);
  await new Promise<void>((done) => {
    wakeOnFatal = done;
    const onSignal = (sig: NodeJS.Signals): void => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      io.stderr(`weir: ${sig}: stopping (again to force)\n`);
      done();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  await srv.stop();
  if (fatal !== undefined) {
    io.stderr(`weir: stopped: ${fatal}\n`);
    return 1;
  }
  return 0;
};
