// The controller's artifact side effects, through the artifact library (src/artifacts): one ArtifactService per
// namespace (Secrets read from the store), the workflow's repository (artifact-repositories ConfigMap,
// spec.artifactRepositoryRef, else the configured default: Weir's local repository in the data dir), input
// artifacts loaded on the host before a step starts, outputs copied out of a finished step and saved, and
// artifactGC (OnWorkflowCompletion after the final status is saved, OnWorkflowDeletion when the Workflow is deleted).
import { mkdir, rm } from 'node:fs/promises';
import { WeirError, errorMessage } from '../core/errors.js';
import type { SecretKeySelector } from '../api/k8s.js';

import type { Artifact } from '../api/workflow-io.js';
import type { ArtifactService } from '../artifacts/service.js';
import type * as Service from '../artifacts/service.js';
import type * as StepIo from '../artifacts/step-io.js';
import type * as Location from '../artifacts/location.js';
import type * as Gc from '../artifacts/gc.js';
import type { DriverOptions } from '../artifacts/drivers.js';
import { resolveArtifactRepository } from '../artifacts/repository-config.js';
import type { ArtifactRepository } from '../artifacts/repository-config.js';
import type { ArtifactGCEvent, GCOutcome, SavedArtifactRecord } from '../artifacts/gc.js';
import type { StepInputFile, StepResult } from '../executor/types.js';
import type { ResourceStore } from '../store/types.js';
import type { StoredWorkflow } from '../api/objects.js';
import type { Logger } from '../core/logger.js';
import type { ArtifactRepositoryRefStatus } from './artifacts.js';
import type { InputArtifactPlan, OutputArtifactPlan, WorkflowObject } from './types.js';

/**
 * The artifact library (services, drivers, step I/O, GC), imported the first time a workflow moves an artifact:
 * most runs move none, and `weir run` would otherwise load a dozen modules it does not use at start-up.
 */
const library = async (): Promise<typeof Service & typeof StepIo & typeof Location & typeof Gc> => {
  const [service, stepIo, location, gc] = await Promise.all([
    import('../artifacts/service.js'),
    import('../artifacts/step-io.js'),
    import('../artifacts/location.js'),
    import('../artifacts/gc.js'),
  ]);
  return { ...service, ...stepIo, ...location, ...gc };
};

export interface ArtifactHostOptions {
  store: ResourceStore;
  /** Weir's data directory: the local repository is `<dataDir>/artifacts/`. */
  dataDir: string;
  /** The repository of workflows without an artifact-repositories ConfigMap. Default `{ local: {} }`. */
  defaultRepository?: ArtifactRepository;
  drivers?: DriverOptions;
}

export class ArtifactHost {
  private readonly services = new Map<string, ArtifactService>();

  constructor(private readonly o: ArtifactHostOptions) {}

  /** The service for a namespace (its Secrets are that namespace's). */
  async service(namespace: string): Promise<ArtifactService> {
    const { createArtifactService } = await library();
    let s = this.services.get(namespace);
    if (!s) {
      const store = this.o.store;
      s = createArtifactService({
        dataDir: this.o.dataDir,
        drivers: this.o.drivers,
        secrets: {
          async get(ref: SecretKeySelector): Promise<string | undefined> {
            const obj = await store.get('Secret', namespace, ref.name ?? '');
            const data = (obj?.data ?? {}) as Record<string, string>;
            const str = (obj?.stringData ?? {}) as Record<string, string>;
            const v = Object.hasOwn(str, ref.key)
              ? str[ref.key]
              : Object.hasOwn(data, ref.key)
                ? Buffer.from(data[ref.key], 'base64').toString('utf8')
                : undefined;
            if (v === undefined && ref.optional !== true)
              throw new WeirError(
                'NOT_FOUND',
                `Secret ${JSON.stringify(ref.name ?? '')} key ${JSON.stringify(ref.key)} not found in namespace ${namespace}`,
              );
            return v;
          },
        },
      });
      this.services.set(namespace, s);
    }
    return s;
  }

  /** The repository a new workflow uses (Argo's order), as status.artifactRepositoryRef; or why there is none. */
  async resolveRepository(wf: WorkflowObject): Promise<{ ref: ArtifactRepositoryRefStatus } | { error: string }> {
    const namespace = wf.metadata.namespace ?? 'default';
    try {
      const r = await resolveArtifactRepository({
        ref: wf.spec.artifactRepositoryRef,
        workflowNamespace: namespace,
        getConfigMap: (ns, name) => this.o.store.get('ConfigMap', ns, name),
        defaultRepository: this.o.defaultRepository ?? { local: {} },
      });
      const ref: ArtifactRepositoryRefStatus =
        r.ref.default === true ? { default: true } : { namespace: r.ref.namespace, configMap: r.ref.configMap, key: r.ref.key };
      if (r.repository) ref.artifactRepository = r.repository;
      return { ref };
    } catch (e) {
      return { error: `artifact repository: ${errorMessage(e)}` };
    }
  }

  /** Loads a step's input artifacts into its staging dir; the files to place into the step's view. Throws on failure. */
  async loadInputs(namespace: string, plan: InputArtifactPlan, repository: ArtifactRepository | undefined): Promise<StepInputFile[]> {
    const { loadStepInputs } = await library();
    await rm(plan.stagingDir, { recursive: true, force: true });
    await mkdir(plan.stagingDir, { recursive: true });
    const r = await loadStepInputs({
      service: await this.service(namespace),
      artifacts: plan.artifacts,
      stagingDir: plan.stagingDir,
      repository,
    });
    return r.inputFiles;
  }

  /** Copies a finished step's output artifacts out and saves them; the staging copy is removed afterwards. */
  async saveOutputs(namespace: string, plan: OutputArtifactPlan, result: StepResult): Promise<{ artifacts: Artifact[]; errors: string[] }> {
    if (plan.stagingDir === undefined) return { artifacts: [], errors: ['no staging directory for output artifacts'] };
    const { saveStepOutputs } = await library();
    await rm(plan.stagingDir, { recursive: true, force: true });
    await mkdir(plan.stagingDir, { recursive: true });
    try {
      const r = await saveStepOutputs({
        service: await this.service(namespace),
        artifacts: plan.artifacts,
        copyOutput: (p, d) => result.copyOutput(p, d),
        stagingDir: plan.stagingDir,
        repository: plan.repository,
        vars: plan.keyVars,
      });
      return { artifacts: r.saved, errors: r.errors };
    } finally {
      await rm(plan.stagingDir, { recursive: true, force: true });
    }
  }

  /** The file keys under an artifact location (a `data` template's source). */
  async listKeys(namespace: string, a: Artifact, repository: ArtifactRepository | undefined): Promise<string[]> {
    const { resolveArtifactLocation } = await library();
    const loc = resolveArtifactLocation(a, repository);
    const driver = (await this.service(namespace)).driverFor(loc);
    if (!driver.list) throw new WeirError('INVALID_SPEC', `artifact location ${driver.kind} cannot list its files`);
    return driver.list(loc);
  }

  /** Deletes the workflow's saved output artifacts due at `event`; marks them `deleted: true` in `wf` (mutated). */
  async collect(wf: WorkflowObject, event: ArtifactGCEvent): Promise<GCOutcome | undefined> {
    const records: SavedArtifactRecord[] = [];
    for (const n of Object.values(wf.status?.nodes ?? {})) {
      for (const a of n.outputs?.artifacts ?? []) records.push({ nodeId: n.id, artifact: a });
    }
    if (records.length === 0) return undefined;
    const { planArtifactGC, runArtifactGC } = await library();
    const plan = planArtifactGC({ artifacts: records, workflowStrategy: wf.spec.artifactGC?.strategy, event });
    if (plan.delete.length === 0) return undefined;
    const repository = (wf.status?.artifactRepositoryRef as ArtifactRepositoryRefStatus | undefined)?.artifactRepository;
    const out = await runArtifactGC(plan, await this.service(wf.metadata.namespace ?? 'default'), { repository });
    for (const r of out.deleted) r.artifact.deleted = true;
    return out;
  }

  /** artifactGC OnWorkflowCompletion: deletes the due artifacts and records them `deleted: true` in the stored status. */
  async collectOnCompletion(key: string, obj: StoredWorkflow, log: Logger): Promise<void> {
    const wf: WorkflowObject = structuredClone(obj);
    try {
      const r = await this.collect(wf, 'completion');
      if (!r) return;
      for (const f of r.failed) log.warn({ workflow: key, node: f.record.nodeId, err: f.message }, 'artifact garbage collection failed');
      if (r.deleted.length > 0) await this.o.store.update('Workflow', { ...obj, status: wf.status });
    } catch (e) {
      log.warn({ workflow: key, err: errorMessage(e) }, 'artifact garbage collection failed');
    }
  }

  close(): void {
    for (const s of this.services.values()) s.close();
    this.services.clear();
  }
}
