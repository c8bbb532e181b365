// A step's input files on their way into its pod: the inputs tar (pod-io.ts) cut into chunks of INPUT_CHUNK_BYTES,
// one Secret each (`POD-inputs`, `POD-inputs-1`, ...), created before the pod, which mounts them in order (the agent
// joins them: pod-agent.ts). Each Secret carries the workflow-uid label, a label naming its pod (to find them when
// the pod is gone) and the Workflow as owner (when it is a cluster object), like the pod, so deleting the Workflow in a cluster with a garbage
// collector removes them too; the executor deletes them itself when it releases or cleans up the step.
import { WeirError } from '../core/errors.js';
import type { PodApi } from './pod-kube.js';
import { secretPath } from './pod-kube.js';
import { INPUTS_KEY } from './pod-agent.js';
import { inputChunks, packInputs } from './pod-io.js';
import { isInputsVolume, LABEL_UID, workflowOwner } from './pod-manifest.js';
import type { Pod } from './pod-watch.js';
import type { StepSpec } from './types.js';

/** Label on every inputs Secret: the name of the pod that mounts it. */
export const LABEL_INPUTS_OF = 'weir.io/inputs-of';

/** Secrets created at once (a 32 MiB tar is 37 of them, each a ~1.2 MB request). */
const PARALLEL = 4;

export function inputsSecretName(pod: string, n: number): string {
  return n === 0 ? `${pod}-inputs` : `${pod}-inputs-${n}`;
}

/**
 * Packs the step's input files and stores them as Secrets for pod `pod`; resolves with their names in order (none
 * without input files). A Secret that exists already (start() again after a crash) is kept. PAYLOAD_TOO_LARGE above
 * `maxBytes`, before anything is stored. `owned: false`: no ownerReference (the Workflow is not a cluster object).
 */
export async function createInputSecrets(
  api: PodApi,
  spec: StepSpec,
  pod: string,
  o: { maxBytes?: number; owned?: boolean; signal?: AbortSignal },
): Promise<string[]> {
  const { maxBytes, owned, signal } = o;
  if (!spec.inputFiles?.length) return [];
  const chunks = inputChunks(await packInputs(spec.inputFiles, maxBytes));
  const ns = spec.workflow.namespace;
  const names = chunks.map((_, n) => inputsSecretName(pod, n));
  const create = async (n: number): Promise<void> => {
    const secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: names[n],
        namespace: ns,
        labels: { [LABEL_UID]: spec.workflow.uid, [LABEL_INPUTS_OF]: pod },
        ...workflowOwner(spec, owned, false),
      },
      data: { [INPUTS_KEY]: chunks[n].toString('base64') },
    };
    try {
      await api.request('POST', secretPath(ns), { body: secret, ...(signal ? { signal } : {}) });
    } catch (e) {
      if (!(e instanceof WeirError && e.code === 'ALREADY_EXISTS')) throw e;
    }
  };
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < chunks.length) await create(next++);
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, chunks.length) }, worker));
  return names;
}

/**
 * Deletes the inputs Secrets of a pod: those its volumes name when the pod is at hand (no list needed), else those
 * labelled with its name, and `POD-inputs` in any case (a pod that was never created).
 */
export async function deleteInputSecrets(api: PodApi, namespace: string, podName: string, pod: Pod | undefined): Promise<void> {
  const names = new Set<string>([inputsSecretName(podName, 0)]);
  if (pod) {
    for (const v of pod.spec?.volumes ?? []) if (isInputsVolume(v.name) && v.secret?.secretName) names.add(v.secret.secretName);
  } else {
    const list = await api.request<{ items: { metadata: { name: string } }[] }>('GET', secretPath(namespace), {
      query: { labelSelector: `${LABEL_INPUTS_OF}=${podName}` },
    });
    for (const s of list.items) names.add(s.metadata.name);
  }
  await Promise.all(
    [...names].map((n) =>
      api.request('DELETE', secretPath(namespace, n)).catch((e: unknown) => {
        if (!(e instanceof WeirError && e.code === 'NOT_FOUND')) throw e;
      }),
    ),
  );
}
