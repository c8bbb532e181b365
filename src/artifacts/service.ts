// The artifact service the controller calls: load an input artifact to a host path before a step starts, save
// an output artifact from a host path after it exits, delete saved artifacts. Follows Argo's executor: inputs are
// downloaded to `<dest>.tmp`, then unpacked when tar (explicit, or a detected .tgz) or zip (explicit only),
// a single top entry becoming `<dest>`; `mode` (and `recurseMode`) applied; `subPath` picks a sub path;
// `optional` turns "missing" into a skip. Outputs are packed to a temp file (tgz default, zip) or sent as is.
import { randomUUID } from 'node:crypto';
import { chmod, lstat, mkdir, rename, rm } from 'node:fs/promises';
import { dirname, join, posix } from 'node:path';
import { WeirError, isWeirError } from '../core/errors.js';
import type { Artifact } from '../api/workflow-io.js';
import type { StatusArtifact } from '../api/artifact-status.js';
import { createDriverRegistry } from './drivers.js';
import type { DriverOptions, DriverRegistry } from './drivers.js';
import { freshSibling, normalizeKey, pathExists, placeExtracted, safeJoin, walkTree } from './fs-util.js';
import {
  archiveFileName,
  archiveMode,
  describeLocation,
  getKey,
  hasLocationOrKey,
  isKeyOnly,
  locationOf,
  resolveArtifactLocation,
  withKey,
} from './location.js';
import type { ArtifactRepository } from './repository-config.js';
import { LOCATION_KINDS } from './types.js';
import type { ArtifactDriver, LoadedKind, LocationKind, SecretSource, WeirArtifactLocation } from './types.js';

// The archive modules (tar-stream, yauzl, yazl, zlib) load on first use: most runs pass no artifacts.
const tar = () => import('./archive-tar.js');
const zip = () => import('./archive-zip.js');

export interface ArtifactServiceOptions {
  /** Weir's data directory (the local repository is `<dataDir>/artifacts/`). */
  dataDir: string;
  /** Secret look-ups in the workflow's namespace (one service per namespace, or a source that knows it). */
  secrets: SecretSource;
  /** Where output archives are staged (default `<dataDir>/tmp/artifacts`). */
  tmpDir?: string;
  drivers?: DriverOptions;
  /** Replace drivers by kind (tests, or a future pod executor). */
  driverOverrides?: Partial<Record<LocationKind, ArtifactDriver>>;
}

export type { StatusArtifact } from '../api/artifact-status.js';

export type LoadInputResult =
  { status: 'loaded'; kind: LoadedKind; location: WeirArtifactLocation } | { status: 'skipped'; reason: string };

export type SaveOutputResult =
  { status: 'saved'; artifact: StatusArtifact; location: WeirArtifactLocation } | { status: 'skipped'; reason: string };

export interface LoadInputOptions {
  /** The workflow's repository (needed for key-only artifacts). */
  repository?: ArtifactRepository;
  signal?: AbortSignal;
}

export interface SaveOutputOptions {
  repository?: ArtifactRepository;
  /** Key format variables: at least `workflow.name` and `pod.name` (Argo's default format uses both). */
  vars?: Readonly<Record<string, string>>;
  signal?: AbortSignal;
}

const isNotFound = (e: unknown) => isWeirError(e) && e.code === 'NOT_FOUND';

export class ArtifactService {
  readonly #drivers: DriverRegistry;
  readonly #tmpDir: string;

  constructor(opts: ArtifactServiceOptions) {
    this.#drivers = createDriverRegistry({ dataDir: opts.dataDir, secrets: opts.secrets }, opts.drivers, opts.driverOverrides);
    this.#tmpDir = opts.tmpDir ?? join(opts.dataDir, 'tmp', 'artifacts');
  }

  driverFor(loc: WeirArtifactLocation): ArtifactDriver {
    return this.#drivers.forLocation(loc);
  }

  /**
   * Places input artifact `a` at `dest` (a host path that is replaced; its parent is created). The caller has
   * already merged the argument (`from`, location) into the template's input declaration.
   */
  async loadInput(a: Artifact, dest: string, o: LoadInputOptions = {}): Promise<LoadInputResult> {
    if (!hasLocationOrKey(a)) {
      if (a.optional === true) return { status: 'skipped', reason: `optional input artifact ${a.name} was not supplied` };
      throw new WeirError('NOT_FOUND', `required artifact '${a.name}' not supplied`);
    }
    const loc = resolveArtifactLocation(a, o.repository);
    await rm(dest, { recursive: true, force: true });
    await mkdir(dirname(dest), { recursive: true });
    try {
      const kind = await this.#loadWithSubPath(a, loc, dest, o.signal);
      if (a.mode !== undefined) await applyMode(dest, a.mode, a.recurseMode === true);
      return { status: 'loaded', kind, location: loc };
    } catch (e) {
      if (a.optional === true && isNotFound(e))
        return { status: 'skipped', reason: `optional input artifact ${a.name} not found at ${describeLocation(loc)}` };
      throw e;
    }
  }

  async #loadWithSubPath(a: Artifact, loc: WeirArtifactLocation, dest: string, signal?: AbortSignal): Promise<LoadedKind> {
    const sub = a.subPath !== undefined && a.subPath !== '' ? normalizeKey(a.subPath) : '';
    if (sub === '') return this.#fetchAndUnpack(a, loc, dest, signal);
    const key = getKey(loc);
    if (key !== undefined) {
      // Argo: the sub path is appended to the key (works for directories saved with `archive: none`).
      try {
        return await this.#fetchAndUnpack(a, withKey(loc, posix.join(key, sub)), dest, signal);
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    }
    // Weir: otherwise load the whole artifact (e.g. a .tgz of a directory) and take the sub path from it.
    const whole = await freshSibling(dest, '.whole');
    try {
      await this.#fetchAndUnpack(a, loc, whole, signal);
      const inner = safeJoin(whole, sub);
      if (!(await pathExists(inner)))
        throw new WeirError('NOT_FOUND', `artifact ${a.name}: subPath ${sub} not found in ${describeLocation(loc)}`);
      await rename(inner, dest);
      return (await lstat(dest)).isDirectory() ? 'dir' : 'file';
    } finally {
      await rm(whole, { recursive: true, force: true });
    }
  }

  async #fetchAndUnpack(a: Artifact, loc: WeirArtifactLocation, dest: string, signal?: AbortSignal): Promise<LoadedKind> {
    const driver = this.#drivers.forLocation(loc);
    const tmp = await freshSibling(dest, '.tmp');
    const tmpDir = await freshSibling(dest, '.tmpdir');
    try {
      const kind = await driver.load(loc, tmp, { signal });
      if (kind === 'dir') {
        await rename(tmp, dest);
        return 'dir';
      }
      const unpack =
        a.archive?.none !== undefined
          ? 'none'
          : a.archive?.zip !== undefined
            ? 'zip'
            : a.archive?.tar !== undefined
              ? 'tar'
              : (await (await tar()).isTarGz(tmp))
                ? 'tar'
                : 'none'; // Argo auto-detects tarballs only, never zips
      if (unpack === 'none') {
        await rename(tmp, dest);
        return 'file';
      }
      await mkdir(tmpDir, { recursive: true });
      if (unpack === 'tar') await (await tar()).extractTarGzFile(tmp, tmpDir, signal);
      else await (await zip()).extractZipFile(tmp, tmpDir, signal);
      return await placeExtracted(tmpDir, dest);
    } finally {
      await rm(tmp, { recursive: true, force: true });
      await rm(tmpDir, { recursive: true, force: true });
    }
  }

  /**
   * Saves output artifact `a` from host path `src` (undefined or absent: the step did not produce it).
   * Returns the artifact as node status should record it, or `skipped` for a missing optional output.
   */
  async saveOutput(a: Artifact, src: string | undefined, o: SaveOutputOptions = {}): Promise<SaveOutputResult> {
    if (src === undefined || !(await pathExists(src))) {
      if (a.optional === true) return { status: 'skipped', reason: `optional output artifact ${a.name} was not produced` };
      throw new WeirError('NOT_FOUND', `output artifact '${a.name}': ${a.path ?? '(no path)'}: no such file or directory`);
    }
    const loc = resolveArtifactLocation(a, o.repository, o.vars ?? {});
    const driver = this.#drivers.forLocation(loc);
    if (driver.save === undefined)
      throw new WeirError('INVALID_SPEC', `output artifact '${a.name}': artifact location ${driver.kind} cannot store outputs`);
    const mode = archiveMode(a);
    if (mode === 'none') {
      await driver.save(src, loc, { signal: o.signal });
    } else {
      await mkdir(this.#tmpDir, { recursive: true });
      const staged = join(this.#tmpDir, `${randomUUID()}-${archiveFileName(a)}`);
      try {
        if (mode === 'zip') await (await zip()).packZip(src, staged, { signal: o.signal });
        else await (await tar()).packTarGz(src, staged, { level: a.archive?.tar?.compressionLevel, signal: o.signal });
        await driver.save(staged, loc, { signal: o.signal });
      } finally {
        await rm(staged, { force: true });
      }
    }
    return { status: 'saved', artifact: statusArtifact(a, loc), location: loc };
  }

  /** Deletes a saved artifact (status form; key-only ones resolve against `repository`). Absent is fine. */
  async deleteArtifact(a: StatusArtifact | (WeirArtifactLocation & { name?: string }), o: LoadInputOptions = {}): Promise<void> {
    const loc = resolveArtifactLocation({ name: 'artifact', ...a }, o.repository);
    const driver = this.#drivers.forLocation(loc);
    if (driver.delete === undefined) throw new WeirError('INVALID_SPEC', `artifact location ${driver.kind} cannot delete`);
    await driver.delete(loc, { signal: o.signal });
  }

  close(): void {
    this.#drivers.close();
  }
}

export function createArtifactService(opts: ArtifactServiceOptions): ArtifactService {
  return new ArtifactService(opts);
}

/** The status form: the declaration's fields with its own location (key-only stays so) or the resolved one. */
function statusArtifact(a: Artifact, loc: WeirArtifactLocation): StatusArtifact {
  const out: Record<string, unknown> = { ...a };
  for (const k of LOCATION_KINDS) delete out[k];
  return { ...out, ...(isKeyOnly(a) ? locationOf(a) : loc) } as StatusArtifact;
}

async function applyMode(p: string, mode: number, recurse: boolean): Promise<void> {
  if (!recurse) {
    await chmod(p, mode);
    return;
  }
  const entries: string[] = [];
  for await (const e of walkTree(p)) if (!e.stat.isSymbolicLink()) entries.push(e.abs);
  // Deepest first, so a mode without x bits on directories does not lock us out of their children.
  for (const abs of entries.reverse()) await chmod(abs, mode);
}
