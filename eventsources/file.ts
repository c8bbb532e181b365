// File event source (Argo's `file`): watches one directory (node:fs watch, inotify on Linux; not recursive, as
// Argo's fsnotify watcher) and emits an event per matching change. Config keys: eventType (CREATE, WRITE, REMOVE,
// RENAME, CHMOD), watchPathConfig {directory, path (a file name in it), pathRegexp (matched against the name
// relative to the directory)}, polling (accepted; Weir always uses the kernel's notifications), metadata, filter
// (host). Emits Argo's fsevent `{name, op, metadata}`: name is the directory joined with the file name, op Go's
// bitmask (CREATE 1, WRITE 2, REMOVE 4, RENAME 8, CHMOD 16). Node reports "rename" (appeared or disappeared) and
// "change": a rename whose file exists is CREATE, one whose file is gone REMOVE (RENAME when eventType is RENAME),
// a change WRITE (CHMOD when eventType is CHMOD). Event ids come from the file's inode, size and times, so the
// several notifications one write produces are one event. Changes made while Weir is down are not seen (as Argo).
import { watch } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { WeirError, errorMessage } from '../src/core/errors.js';
import { compileGoRegexp } from '../src/core/go-regexp.js';
import { stringMap, text } from '../src/core/adapter-kit.js';
import { emitAcked, untilAborted } from './common/broker-kit.js';
import type { EventSourceAdapter, StartContext } from '../src/api/eventsource-adapter.js';

export const FILE_OP_BITS = { CREATE: 1, WRITE: 2, REMOVE: 4, RENAME: 8, CHMOD: 16 } as const;
type Op = keyof typeof FILE_OP_BITS;

async function classify(path: string, kind: 'rename' | 'change', wanted: string): Promise<{ op: Op; id: string } | undefined> {
  const st = await stat(path, { bigint: true }).catch(() => undefined);
  if (kind === 'rename') {
    if (st !== undefined) return { op: 'CREATE', id: `CREATE:${path}:${st.ino}:${st.birthtimeNs}:${st.ctimeNs}` };
    return { op: wanted === 'RENAME' ? 'RENAME' : 'REMOVE', id: `${wanted === 'RENAME' ? 'RENAME' : 'REMOVE'}:${path}:${randomUUID()}` };
  }
  if (st === undefined) return undefined;
  const op: Op = wanted === 'CHMOD' ? 'CHMOD' : 'WRITE';
  return { op, id: `${op}:${path}:${st.ino}:${st.mtimeNs}:${st.ctimeNs}:${st.size}` };
}

async function run(ctx: StartContext): Promise<void> {
  const { spec, log, signal } = ctx;
  const cfg = (spec.watchPathConfig ?? {}) as Record<string, unknown>;
  const directory = text(cfg.directory);
  if (directory === undefined) throw new WeirError('INVALID_SPEC', 'file needs watchPathConfig.directory');
  const path = text(cfg.path);
  // File names are event data (anyone who can write the directory picks them): Go's RE2, linear in the name.
  const re = text(cfg.pathRegexp) !== undefined ? compileGoRegexp(text(cfg.pathRegexp) ?? '') : undefined;
  const wanted = text(spec.eventType) ?? '';
  const metadata = stringMap(spec.metadata) ?? null;
  if (spec.polling === true) log.info({ field: 'polling' }, "file: polling is not needed; Weir uses the kernel's file notifications");
  const st = await stat(directory).catch((e: unknown) => {
    throw new WeirError('INVALID_SPEC', `file: cannot watch ${directory}: ${errorMessage(e)}`);
  });
  if (!st.isDirectory()) throw new WeirError('INVALID_SPEC', `file: ${directory} is not a directory`);
  let failure: ((e: Error) => void) | undefined;
  const failed = new Promise<never>((_res, reject) => {
    failure = reject;
  });
  failed.catch(() => undefined);
  let chain: Promise<void> = Promise.resolve();
  const watcher = watch(directory, { persistent: true, signal });
  watcher.on('error', (e: Error) => {
    if (!signal.aborted) failure?.(new WeirError('IO_ERROR', `file: watching ${directory} failed: ${e.message}`, { cause: e }));
  });
  watcher.on('change', (kind, filename) => {
    if (filename === null) return;
    const rel = String(filename);
    if (!((path !== undefined && path === rel) || (re !== undefined && re.test(rel)))) return;
    const full = join(directory, rel);
    chain = chain
      .then(async () => {
        const c = await classify(full, kind === 'rename' ? 'rename' : 'change', wanted);
        if (c === undefined || c.op !== wanted) return;
        await emitAcked(ctx, { id: c.id, data: { name: full, op: FILE_OP_BITS[c.op], metadata } });
      })
      .catch((e: unknown) => {
        if (!signal.aborted) failure?.(e instanceof Error ? e : new WeirError('INTERNAL', errorMessage(e)));
      });
  });
  log.info({ directory, path, pathRegexp: re?.source, eventType: wanted }, 'file watcher started');
  try {
    await Promise.race([untilAborted(signal), failed]);
  } finally {
    watcher.close();
  }
}

export function createFileSource(): EventSourceAdapter {
  return { kind: 'file', start: run };
}
