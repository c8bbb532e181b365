// Shared helpers for the artifact tests: an in-memory SecretSource, temp dirs, tree snapshots for comparisons.
import { mkdtemp, readFile, readdir, lstat, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SecretKeySelector } from '../../src/api/k8s.js';
import { WeirError } from '../../src/core/errors.js';
import type { SecretSource } from '../../src/artifacts/types.js';

/** Secrets as `{ 'name/key': value }`; a missing one throws NOT_FOUND like the store-backed source. */
export function fakeSecrets(values: Record<string, string>): SecretSource & { reads: number } {
  const src = {
    reads: 0,
    get(ref: SecretKeySelector): Promise<string | undefined> {
      src.reads++;
      const v = values[`${ref.name ?? ''}/${ref.key}`];
      if (v === undefined && ref.optional !== true)
        return Promise.reject(new WeirError('NOT_FOUND', `Secret ${ref.name ?? ''} has no key ${ref.key}`));
      return Promise.resolve(v);
    },
  };
  return src;
}

export async function tempDir(prefix = 'weir-art-'): Promise<{ path: string; [Symbol.asyncDispose](): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, [Symbol.asyncDispose]: () => rm(path, { recursive: true, force: true }) };
}

/** `{ relPath: content | '->target' | '/' (dir) }` for a file or directory, for deep-equal checks. */
export async function snapshot(p: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  async function walk(abs: string, rel: string): Promise<void> {
    const st = await lstat(abs);
    if (st.isSymbolicLink()) out[rel] = `->${await readlink(abs)}`;
    else if (st.isDirectory()) {
      if (rel !== '') out[rel] = '/';
      for (const n of (await readdir(abs)).sort()) await walk(join(abs, n), rel === '' ? n : `${rel}/${n}`);
    } else out[rel] = await readFile(abs, 'utf8');
  }
  await walk(p, '');
  return out;
}
