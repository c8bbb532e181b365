// Pods of several containers on the container executor (a main container with sidecars, a containerSet): every
// member joins the network namespace of one small infra container per pod, as a Kubernetes Pod's pause container
// holds it, so members reach each other on localhost and the pod has one address. The infra container runs
// catatonit's pause mode (the static binary podman ships as its init, bind-mounted read-only) in a member's image.
import { existsSync, realpathSync } from 'node:fs';
import { WeirError, errorMessage } from '../core/errors.js';
import { EngineStatusError, inspectContainer as inspect, query, untilContainer } from './container-api.js';
import type { EngineApi } from './container-api.js';
import {
  LABEL_MANAGED,
  LABEL_NODE,
  LABEL_STARTED,
  LABEL_UID,
  LABEL_WORKFLOW,
  UNPRIVILEGED_PORTS,
  containerName,
} from './container-create.js';
import type { StepSpec } from './types.js';

/** Label on pod members and the infra container: the infra container's name. */
export const LABEL_POD = 'io.weir.pod';

const PAUSE_CANDIDATES = ['/usr/libexec/podman/catatonit', '/usr/bin/catatonit', '/usr/libexec/catatonit/catatonit'];

function pauseBinary(): string {
  for (const p of PAUSE_CANDIDATES) if (existsSync(p)) return realpathSync(p);
  throw new WeirError('STEP_FAILED', `pods of several containers need catatonit (looked at ${PAUSE_CANDIDATES.join(', ')})`);
}

/** The infra container's name for the pod `podId` of the spec's workflow. */
export function infraName(spec: Pick<StepSpec, 'workflow'>, podId: string): string {
  return containerName({ workflow: spec.workflow, nodeId: `${podId}::pod` });
}

/** Creates and starts the pod's infra container unless it runs already (idempotent, safe against a racing member). */
export async function ensureInfra(
  api: EngineApi,
  spec: StepSpec,
  podId: string,
  image: string,
  extraLabels: Record<string, string>,
): Promise<string> {
  const name = infraName(spec, podId);
  let c = await inspect(api, name);
  if (!c) {
    const body = {
      Image: image,
      Entrypoint: ['/weir-pause', '-P'],
      Cmd: [],
      Labels: {
        ...extraLabels,
        [LABEL_MANAGED]: 'true',
        [LABEL_WORKFLOW]: `${spec.workflow.namespace}/${spec.workflow.name}`,
        [LABEL_UID]: spec.workflow.uid,
        [LABEL_NODE]: `${podId}::pod`,
        [LABEL_STARTED]: new Date().toISOString(),
        [LABEL_POD]: name,
      },
      HostConfig: {
        Mounts: [{ Type: 'bind', Source: pauseBinary(), Target: '/weir-pause', ReadOnly: true }],
        CapDrop: ['ALL'],
        SecurityOpt: ['no-new-privileges'],
        NetworkMode: spec.container?.hostNetwork === true ? 'host' : 'bridge',
        ...(spec.container?.hostNetwork === true ? {} : { Sysctls: UNPRIVILEGED_PORTS }),
        ReadonlyRootfs: true,
      },
    };
    try {
      await api.call({ method: 'POST', path: `/containers/create${query({ name })}`, json: body });
    } catch (e) {
      // Another member of the pod created it first (podman answers a name race with 409 or 500). podman reserves the
      // name before the other create has finished, so for a while the name is taken and an inspect still finds
      // nothing: wait for that create to land.
      if (!(await untilContainer(api, name, () => true)))
        throw new WeirError('STEP_FAILED', `cannot create the pod's network holder: ${errorMessage(e)}`, { cause: e });
    }
    c = await inspect(api, name);
  }
  if (c && !c.State.Running) {
    // Members of one pod start together: two starts of the infra container race. podman answered the second with 304
    // in every try here; should it refuse one otherwise, the container still runs once the other start returns.
    await api.call({ method: 'POST', path: `/containers/${name}/start` }).catch(async (e: unknown) => {
      if (e instanceof EngineStatusError && e.status === 304) return;
      if (await untilContainer(api, name, (c) => c.State.Running)) return;
      throw new WeirError('STEP_FAILED', `cannot start the pod's network holder: ${errorMessage(e)}`, { cause: e });
    });
  }
  return name;
}

/** The pod's address (its infra container's IP on the engine's network). */
export async function podAddress(api: EngineApi, infra: string): Promise<string | undefined> {
  const c = await inspect(api, infra);
  return (
    c?.NetworkSettings?.IPAddress ||
    Object.values(c?.NetworkSettings?.Networks ?? {})
      .map((n) => n.IPAddress)
      .find((x) => x) ||
    undefined
  );
}

/** Removes the pod's infra container once no other member container is left. */
export async function releaseInfra(api: EngineApi, infra: string): Promise<void> {
  const members = await api.call<{ Id: string; Names?: string[] }[]>({
    path: `/containers/json${query({ all: true, filters: JSON.stringify({ label: [`${LABEL_POD}=${infra}`] }) })}`,
  });
  if (members.some((m) => !(m.Names ?? []).some((n) => n.replace(/^\//, '') === infra))) return;
  await api.call({ method: 'DELETE', path: `/containers/${infra}${query({ force: true })}` }).catch(() => undefined);
}
