// The images' ENTRYPOINT and CMD for the pod executor (Argo's `images` setting of workflow-controller-configmap):
// a template that names no `command` still needs the agent around its argv when it has inputs, outputs or a script,
// and the executor cannot look the image up in a registry (Argo's emissary does when the image is not listed). The
// container executor honours the same file: a listed image's command wins over the image's own config, as in Argo.
// `weir server --pod-images FILE` and `weir run --pod-images FILE`: a YAML map `image: { entrypoint: [...], cmd: [...] }` (Argo also accepts `cmd`
// alone, meaning the argv to run). Names match as written, else with Docker's defaults (`docker.io/`, `library/`,
// `:latest`) applied on both sides.
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { WeirError, errorMessage } from '../core/errors.js';
import type { StepSpec } from './types.js';

export interface ImageCommand {
  entrypoint?: string[];
  cmd?: string[];
}

export type ImageCommands = Readonly<Record<string, ImageCommand>>;

function strings(v: unknown, where: string): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || !v.every((s) => typeof s === 'string'))
    throw new WeirError('INVALID_SPEC', `${where} must be a list of strings`);
  return v;
}

/** Parses the images file; names the bad entry. */
export function parseImageCommands(text: string, source: string): ImageCommands {
  let v: unknown;
  try {
    v = parseYaml(text);
  } catch (e) {
    throw new WeirError('INVALID_SPEC', `${source}: not valid YAML: ${errorMessage(e)}`, { cause: e });
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v))
    throw new WeirError('INVALID_SPEC', `${source}: must map image names to commands`);
  const out: Record<string, ImageCommand> = {};
  for (const [image, c] of Object.entries(v as Record<string, unknown>)) {
    if (c === null || typeof c !== 'object' || Array.isArray(c))
      throw new WeirError('INVALID_SPEC', `${source}: ${image}: must be a mapping with entrypoint and/or cmd`);
    const r = c as Record<string, unknown>;
    const entrypoint = strings(r.entrypoint, `${source}: ${image}.entrypoint`);
    const cmd = strings(r.cmd, `${source}: ${image}.cmd`);
    if (!entrypoint?.length && !cmd?.length) throw new WeirError('INVALID_SPEC', `${source}: ${image}: names neither entrypoint nor cmd`);
    out[image] = { ...(entrypoint ? { entrypoint } : {}), ...(cmd ? { cmd } : {}) };
  }
  return out;
}

/** Reads and parses the images file (`--pod-images`); INVALID_ARGUMENT when it cannot be read. */
export async function loadImageCommands(path: string, shown = path): Promise<ImageCommands> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new WeirError('INVALID_ARGUMENT', `--pod-images ${shown}: cannot read it: ${errorMessage(e)}`, { cause: e });
  }
  return parseImageCommands(text, shown);
}

/** Docker's defaults applied: `alpine` → `docker.io/library/alpine:latest`. */
export function canonicalImage(image: string): string {
  let name = image;
  const first = name.split('/')[0];
  const hasRegistry = name.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (!hasRegistry) name = `docker.io/${name.includes('/') ? '' : 'library/'}${name}`;
  const last = name.slice(name.lastIndexOf('/') + 1);
  if (!last.includes(':') && !name.includes('@')) name += ':latest';
  return name;
}

function lookup(images: ImageCommands, image: string): ImageCommand | undefined {
  if (Object.hasOwn(images, image)) return images[image];
  const want = canonicalImage(image);
  for (const [k, c] of Object.entries(images)) if (canonicalImage(k) === want) return c;
  return undefined;
}

/**
 * The step with its image's command filled in by Kubernetes' rules (ENTRYPOINT, then the template's `args` or else
 * CMD) when the template names no `command` and the image is listed; otherwise the step unchanged.
 */
export function withImageCommand(spec: StepSpec, images: ImageCommands | undefined): StepSpec {
  const c = spec.container;
  if (!images || !c || c.command?.length || spec.image === undefined) return spec;
  const known = lookup(images, spec.image);
  if (!known) return spec;
  const command = [...(known.entrypoint ?? []), ...(c.args?.length ? c.args : (known.cmd ?? []))];
  return command.length === 0 ? spec : { ...spec, container: { ...c, command, args: [] } };
}

/**
 * withImageCommand for a pod step and every container of its pod that runs behind the agent: the containerSet's
 * members and the sidecars (each looked up by its own image, as Argo's emissary does for every container it wraps).
 */
export function withImageCommands(spec: StepSpec, images: ImageCommands | undefined): StepSpec {
  if (!images) return spec;
  const out = withImageCommand(spec, images);
  const pod = out.pod;
  if (!pod || (!pod.containerSet && !pod.sidecars?.length)) return out;
  return {
    ...out,
    pod: {
      ...pod,
      ...(pod.containerSet
        ? {
            containerSet: {
              ...pod.containerSet,
              members: pod.containerSet.members.map((m) => ({ ...m, spec: withImageCommand(m.spec, images) })),
            },
          }
        : {}),
      ...(pod.sidecars ? { sidecars: pod.sidecars.map((m) => ({ ...m, spec: withImageCommand(m.spec, images) })) } : {}),
    },
  };
}
