// Files in and out of a step's pod. Inputs: one tar (container paths, modes), cut into Secrets the pod mounts
// (pod-inputs.ts); the agent joins and unpacks it before the step runs (a Secret holds at most 1 MiB, so the tar
// goes in chunks of INPUT_CHUNK_BYTES; inputs over MAX_INPUT_BYTES in all fail the step with a PAYLOAD_TOO_LARGE
// message naming the size and the limit). Outputs: the wait container's base64 tar of the copied
// output paths (`<index>/...`), unpacked into a private directory — regular files and directories only, never
// links, never outside that directory.
import { createReadStream, createWriteStream } from 'node:fs';
import type { Stats } from 'node:fs';
import { lstat, mkdir, readdir } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { extract as tarExtract, pack as tarPack } from 'tar-stream';
import type { Header } from 'tar-stream';
import { WeirError } from '../core/errors.js';
import type { StepInputFile } from './types.js';

type Pack = ReturnType<typeof tarPack>;

/** What one Secret carries of the inputs tar (a Secret holds 1 MiB, base64 and metadata included in etcd's limit). */
export const INPUT_CHUNK_BYTES = 900 * 1024;
/**
 * The default cap on a step's inputs tar: 32 MiB, 37 Secrets. The chunks sit in etcd while the step runs and in the
 * node's memory (Secret volumes are tmpfs); bigger inputs belong in a volume the pod mounts.
 */
export const MAX_INPUT_BYTES = 32 * 1024 * 1024;

async function* walk(abs: string, rel: string): AsyncGenerator<{ rel: string; abs: string; stat: Stats }> {
  const st = await lstat(abs);
  yield { rel, abs, stat: st };
  if (!st.isDirectory()) return;
  for (const name of (await readdir(abs)).sort()) yield* walk(join(abs, name), `${rel}/${name}`);
}

function addEntry(pack: Pack, h: Partial<Header> & { name: string }, abs?: string): Promise<void> {
  if (!abs) return new Promise((ok, fail) => pack.entry(h, Buffer.alloc(0), (e) => (e ? fail(e) : ok())));
  let sink!: NodeJS.WritableStream;
  const done = new Promise<void>((ok, fail) => {
    sink = pack.entry(h, (e) => (e ? fail(e) : ok()));
  });
  return Promise.all([pipeline(createReadStream(abs), sink), done]).then(() => undefined);
}

/** The input files as one tar, entries named by their container path without the leading `/`; at most `max` bytes. */
export async function packInputs(inputs: readonly StepInputFile[], max = MAX_INPUT_BYTES): Promise<Buffer> {
  // Sizes first: a big artifact is refused before it is read into memory.
  let bytes = 0;
  for (const inp of inputs)
    for await (const f of walk(inp.hostPath, '')) bytes += 512 + (f.stat.isFile() ? Math.ceil(f.stat.size / 512) * 512 : 0);
  if (bytes > max) throw tooLarge(bytes, max);
  const pack = tarPack();
  const chunks: Buffer[] = [];
  const collected = (async () => {
    for await (const c of pack) chunks.push(c as Buffer);
  })();
  for (const inp of inputs) {
    const base = inp.containerPath.replace(/^\/+/, '').replace(/\/+$/, '');
    for await (const f of walk(inp.hostPath, base)) {
      const top = f.rel === base;
      if (f.stat.isDirectory()) await addEntry(pack, { name: `${f.rel}/`, type: 'directory', mode: 0o755 });
      else if (f.stat.isFile())
        await addEntry(
          pack,
          { name: f.rel, type: 'file', size: f.stat.size, mode: top && inp.mode !== undefined ? inp.mode : f.stat.mode & 0o777 },
          f.abs,
        );
    }
  }
  pack.finalize();
  await collected;
  const tar = Buffer.concat(chunks);
  if (tar.length > max) throw tooLarge(tar.length, max);
  return tar;
}

function tooLarge(bytes: number, max: number): WeirError {
  return new WeirError(
    'PAYLOAD_TOO_LARGE',
    `the step's input files (its input artifacts, raw ones included) take ${bytes} bytes as a tar; the pod executor ships them into the pod through Secrets of ${INPUT_CHUNK_BYTES} bytes, at most ${max} bytes in all (pass bigger data through a volume)`,
  );
}

/** The tar cut into pieces of at most INPUT_CHUNK_BYTES (one Secret each); at least one piece. */
export function inputChunks(tar: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < tar.length || out.length === 0; at += INPUT_CHUNK_BYTES) out.push(tar.subarray(at, at + INPUT_CHUNK_BYTES));
  return out;
}

function inside(dest: string, rel: string): string {
  const target = resolve(dest, rel);
  const r = relative(resolve(dest), target);
  if (rel.includes('\0') || rel.startsWith('/') || rel.split('/').includes('..') || r.startsWith('..') || isAbsolute(r))
    throw new WeirError('INVALID_SPEC', `illegal path ${JSON.stringify(rel)} in a step's output report`);
  return target;
}

/** Unpacks the wait container's report (base64 of a tar) under `dest`: directories and regular files only. */
export async function unpackReport(base64: string, dest: string): Promise<void> {
  await mkdir(dest, { recursive: true });
  const ex = tarExtract();
  const consume = (async () => {
    for await (const e of ex) {
      const h = e.header;
      const rel = h.name.replace(/^\.\/?/, '').replace(/\/+$/, '');
      if (rel === '') {
        e.resume();
        continue;
      }
      const target = inside(dest, rel);
      if (h.type === 'directory') {
        await mkdir(target, { recursive: true, mode: 0o755 });
        e.resume();
      } else if (h.type === 'file' || h.type === 'contiguous-file') {
        await mkdir(resolve(target, '..'), { recursive: true });
        await pipeline(e, createWriteStream(target, { mode: (h.mode ?? 0o644) & 0o777, flags: 'wx' }));
      } else e.resume(); // links and devices stay in the pod
    }
  })();
  consume.catch((err: unknown) => ex.destroy(err as Error));
  await Promise.all([pipeline(Readable.from([Buffer.from(base64.replace(/\s+/g, ''), 'base64')]), ex), consume]);
}
