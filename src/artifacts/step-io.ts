// Glue between the artifact service and the step executor contract (src/executor/types.ts), kept structural so
// this library does not depend on the controller: inputs are loaded into a staging dir and returned as
// StepSpec.inputFiles; outputs are copied out of a finished step with StepResult.copyOutput and saved.
import { join } from 'node:path';
import type { Artifact } from '../api/workflow-io.js';
import type { ArtifactRepository } from './repository-config.js';
import type { ArtifactService, StatusArtifact } from './service.js';
import { errorMessage } from '../core/errors.js';

/** Same shape as StepInputFile in src/executor/types.ts. */
export interface StagedInputFile {
  containerPath: string;
  hostPath: string;
  mode?: number;
}

/** File-name-safe form of an artifact name for staging paths. */
const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]/g, '_');

export interface LoadStepInputsOptions {
  service: ArtifactService;
  /** Resolved input artifacts (template declaration merged with its argument; each with a `path`). */
  artifacts: readonly Artifact[];
  /** A directory owned by this node attempt, e.g. `<volumesDir>/node/<nodeId>/inputs`. */
  stagingDir: string;
  repository?: ArtifactRepository;
  signal?: AbortSignal;
}

export interface LoadedStepInputs {
  inputFiles: StagedInputFile[];
  /** Names of optional inputs that were absent (their `{{inputs.artifacts.X}}` stays undefined). */
  skipped: string[];
}

/** Loads every input artifact; the first failure is thrown (the node fails, as Argo's init container does). */
export async function loadStepInputs(o: LoadStepInputsOptions): Promise<LoadedStepInputs> {
  const out: LoadedStepInputs = { inputFiles: [], skipped: [] };
  for (const a of o.artifacts) {
    const hostPath = join(o.stagingDir, safe(a.name));
    const r = await o.service.loadInput(a, hostPath, { repository: o.repository, signal: o.signal });
    if (r.status === 'skipped') {
      out.skipped.push(a.name);
      continue;
    }
    if (a.path === undefined || a.path === '') continue; // loaded but not placed: nothing to mount
    out.inputFiles.push({ containerPath: a.path, hostPath, ...(a.mode !== undefined ? { mode: a.mode } : {}) });
  }
  return out;
}

export interface SaveStepOutputsOptions {
  service: ArtifactService;
  /** The template's `outputs.artifacts` (placeholders resolved). */
  artifacts: readonly Artifact[];
  /** StepResult.copyOutput bound to the finished step. */
  copyOutput(containerPath: string, hostDest: string): Promise<'file' | 'dir' | undefined>;
  /** A directory owned by this node attempt, e.g. `<volumesDir>/node/<nodeId>/outputs`; must exist. */
  stagingDir: string;
  repository?: ArtifactRepository;
  /** Key format variables (`workflow.name`, `pod.name`, `workflow.namespace`, `workflow.uid`, ...). */
  vars: Readonly<Record<string, string>>;
  signal?: AbortSignal;
}

export interface SavedStepOutputs {
  /** In declaration order; record them in the node's `outputs.artifacts`. */
  saved: StatusArtifact[];
  /** `'<name>: <message>'` per failed artifact (Argo aggregates these and fails the node). */
  errors: string[];
}

/** Copies out and saves every output artifact; errors are collected so one bad artifact does not hide others. */
export async function saveStepOutputs(o: SaveStepOutputsOptions): Promise<SavedStepOutputs> {
  const out: SavedStepOutputs = { saved: [], errors: [] };
  for (const a of o.artifacts) {
    try {
      let src: string | undefined;
      if (a.path !== undefined && a.path !== '') {
        const dest = join(o.stagingDir, safe(a.name));
        src = (await o.copyOutput(a.path, dest)) === undefined ? undefined : dest;
      }
      const r = await o.service.saveOutput(a, src, { repository: o.repository, vars: o.vars, signal: o.signal });
      if (r.status === 'saved') out.saved.push(r.artifact);
    } catch (e) {
      out.errors.push(`${a.name}: ${errorMessage(e)}`);
    }
  }
  return out;
}
