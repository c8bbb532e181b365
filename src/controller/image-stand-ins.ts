// Host stand-ins for the container images Argo's own examples and tests use: the repo's `images/bin` directory
// (argosay, cowsay) is put first on every step's PATH, and an `argoproj/argosay` container without a command runs
// the image's entrypoint (`argosay` + args), as it would on Kubernetes.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StepSpec } from '../executor/types.js';

/** `images/bin` of the Weir installation, found by walking up from this module (src/ or dist-x/src/); undefined if absent. */
export const IMAGES_BIN: string | undefined = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, 'images', 'bin');
    if (existsSync(join(candidate, 'argosay'))) return candidate;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return undefined;
})();

/** Whether an image reference names Argo's test image argoproj/argosay (any registry, tag or digest). */
export function isArgosayImage(image: string | undefined): boolean {
  if (image === undefined) return false;
  const path = image.replace(/@.*$/, '').replace(/:[^/:]*$/, '');
  return path === 'argoproj/argosay' || path.endsWith('/argoproj/argosay');
}

/** The image's entrypoint when a container has no command and the image is a known stand-in; else undefined. */
export function imageEntrypoint(image: string | undefined): string[] | undefined {
  return isArgosayImage(image) ? ['argosay'] : undefined;
}

/** The image's default CMD (used when a container sets neither command nor args): whalesay's is `bash`. */
export function imageCmd(image: string | undefined): string[] | undefined {
  const path = (image ?? '').replace(/@.*$/, '').replace(/:[^/:]*$/, '');
  return path === 'docker/whalesay' || path.endsWith('/docker/whalesay') ? ['bash'] : undefined;
}

/** Puts the stand-ins' directory first on the step's PATH (the step's own PATH, else `hostPath`). */
export function withStandInPath(spec: StepSpec, hostPath: string | undefined, bin: string | undefined = IMAGES_BIN): StepSpec {
  if (bin === undefined) return spec;
  const base = spec.env.PATH ?? hostPath ?? '/usr/local/bin:/usr/bin:/bin';
  if (base.split(':').includes(bin)) return spec;
  // Inside the sandbox the host's /tmp is private, so an installation under /tmp is bound read-only at its own
  // path (unisolated, the executor accepts a mount onto the same path). Elsewhere the read-only host root shows it.
  const hidden = bin === '/tmp' || bin.startsWith('/tmp/');
  const mounted =
    !hidden || spec.mounts.some((m) => m.containerPath === bin)
      ? spec.mounts
      : [...spec.mounts, { containerPath: bin, hostPath: bin, readOnly: true }];
  return { ...spec, mounts: mounted, env: { ...spec.env, PATH: `${bin}:${base}` } };
}
