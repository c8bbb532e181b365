// SFTP event source (Argo's `sftp`, ssh2 client): lists one directory over SFTP every pollIntervalDuration (default
// 10s) and compares it with the previous listing, as Argo's poller does: a file that appeared, or whose size or
// modification time changed, is CREATE; one that disappeared is REMOVE; directories are skipped. Config keys:
// address (secret, host:port), username (secret), password (secret) or sshKeySecret (secret: a private key), eventType
// (CREATE or REMOVE), watchPathConfig {directory, path (a file name), pathRegexp (Go RE2 on the file name)},
// pollIntervalDuration, metadata, filter (host). Emits Argo's fsevent `{name, op, metadata}`: name the file name as
// the server lists it, op Go's bitmask (CREATE 1, REMOVE 4). The host key is not verified (as Argo). A failed login
// is UNAUTHORIZED (user and method named, never the secret); the host restarts the source with its backoff.
// Exactly once: the listing the last diff was taken against is kept in the host's state with a generation number;
// event ids are (generation, op, name, size, mtime), and the new listing is saved only after the diff's events were
// acknowledged, so a restart (also after kill -9) computes the same diff again (same ids: the bus drops the repeats)
// plus whatever changed while Weir was down, which Argo's poller, starting from a fresh listing, misses.
import { Client } from 'ssh2';
import type { ConnectConfig, FileEntryWithStats, SFTPWrapper } from 'ssh2';
import { WeirError, errorMessage } from '../src/core/errors.js';
import { compileGoRegexp } from '../src/core/go-regexp.js';
import { tryParseGoDuration } from '../src/core/duration.js';
import { stringMap, text } from '../src/core/adapter-kit.js';
import { emitAckedBatch } from './common/broker-kit.js';
import { FILE_OP_BITS } from './file.js';
import type { EmitInput, EventSourceAdapter, SecretRef, StartContext } from '../src/api/eventsource-adapter.js';

const DEFAULT_POLL_MS = 10_000;
const STATE_KEY = 'listing';
/** Directory bit of an SFTP mode (S_IFMT / S_IFDIR). */
const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;

/** name -> [size, mtime] of the regular (non-directory) entries. */
type Listing = Record<string, [size: number, mtime: number]>;
interface Saved {
  directory: string;
  generation: number;
  files: Listing;
}

async function secret(ctx: StartContext, ref: unknown, field: string): Promise<string | undefined> {
  if (ref === undefined || ref === null) return undefined;
  if (typeof ref !== 'object') throw new WeirError('INVALID_SPEC', `sftp: ${field} must be a secret reference {name, key}`);
  return ctx.secrets.get(ref as SecretRef);
}

/** host:port (port 22 when missing); [v6]:port accepted. */
function splitAddress(address: string): { host: string; port: number } {
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(address) ?? /^([^:]+)(?::(\d+))?$/.exec(address);
  if (m === null) throw new WeirError('INVALID_SPEC', `sftp: address ${JSON.stringify(address)} is not host:port`);
  return { host: m[1], port: m[2] !== undefined ? Number(m[2]) : 22 };
}

function connect(config: ConnectConfig, signal: AbortSignal): Promise<{ client: Client; sftp: SFTPWrapper }> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    const fail = (e: unknown): void => {
      signal.removeEventListener('abort', onAbort);
      client.end();
      const where = `${config.host}:${config.port}`;
      // ssh2 marks a failed login (refused by the server, or a key it cannot use) with this level. The message names
      // the user and the method, never the secret.
      if ((e as { level?: unknown } | null)?.level === 'client-authentication') {
        const method = config.privateKey !== undefined ? 'the key from sshKeySecret' : 'the password';
        const msg = `sftp: login to ${where} as user ${JSON.stringify(config.username)} with ${method} failed`;
        return reject(new WeirError('UNAUTHORIZED', `${msg}: ${errorMessage(e)}`, { cause: e }));
      }
      reject(new WeirError('IO_ERROR', `sftp: connecting to ${where}: ${errorMessage(e)}`, { cause: e }));
    };
    const onAbort = (): void => fail(new WeirError('CANCELLED', 'event source stopped'));
    signal.addEventListener('abort', onAbort, { once: true });
    client.once('error', fail);
    client.once('ready', () =>
      client.sftp((err, sftp) => {
        if (err) return fail(err);
        signal.removeEventListener('abort', onAbort);
        client.removeListener('error', fail);
        resolve({ client, sftp });
      }),
    );
    client.connect(config);
  });
}

function list(sftp: SFTPWrapper, directory: string): Promise<Listing> {
  return new Promise((resolve, reject) => {
    sftp.readdir(directory, (err, entries: FileEntryWithStats[]) => {
      if (err) return reject(new WeirError('IO_ERROR', `sftp: reading ${directory}: ${errorMessage(err)}`, { cause: err }));
      const files: Listing = {};
      for (const e of entries) {
        if (e.filename === '.' || e.filename === '..' || (e.attrs.mode & S_IFMT) === S_IFDIR) continue;
        files[e.filename] = [e.attrs.size, e.attrs.mtime];
      }
      resolve(files);
    });
  });
}

/** Argo's diff: removed names, then appeared or changed (size or mtime) names. */
function diff(before: Listing, after: Listing): { name: string; op: 'CREATE' | 'REMOVE'; facts: [number, number] }[] {
  const out: { name: string; op: 'CREATE' | 'REMOVE'; facts: [number, number] }[] = [];
  for (const [name, facts] of Object.entries(before)) if (!Object.hasOwn(after, name)) out.push({ name, op: 'REMOVE', facts });
  for (const [name, facts] of Object.entries(after)) {
    const old = Object.hasOwn(before, name) ? before[name] : undefined;
    if (old === undefined || old[0] !== facts[0] || old[1] !== facts[1]) out.push({ name, op: 'CREATE', facts });
  }
  return out;
}

async function run(ctx: StartContext): Promise<void> {
  const { spec, log, signal, state } = ctx;
  const cfg = (spec.watchPathConfig ?? {}) as Record<string, unknown>;
  const directory = text(cfg.directory);
  if (directory === undefined) throw new WeirError('INVALID_SPEC', 'sftp needs watchPathConfig.directory');
  const path = text(cfg.path);
  // File names are data (anyone who can write the directory picks them): Go's RE2, linear in the name.
  const re = text(cfg.pathRegexp) !== undefined ? compileGoRegexp(text(cfg.pathRegexp) ?? '') : undefined;
  const wanted = text(spec.eventType);
  if (wanted !== 'CREATE' && wanted !== 'REMOVE') throw new WeirError('INVALID_SPEC', 'sftp: eventType must be CREATE or REMOVE');
  const metadata = stringMap(spec.metadata) ?? null;
  const pollText = text(spec.pollIntervalDuration);
  const pollMs = pollText !== undefined ? tryParseGoDuration(pollText) : DEFAULT_POLL_MS;
  if (pollMs === undefined || pollMs <= 0)
    throw new WeirError('INVALID_SPEC', `sftp: pollIntervalDuration ${JSON.stringify(pollText)} is not a positive Go duration`);

  const address = await secret(ctx, spec.address, 'address');
  const username = await secret(ctx, spec.username, 'username');
  if (address === undefined || username === undefined) throw new WeirError('INVALID_SPEC', 'sftp needs address and username');
  const privateKey = await secret(ctx, spec.sshKeySecret, 'sshKeySecret');
  const password = privateKey === undefined ? await secret(ctx, spec.password, 'password') : undefined;
  if (privateKey === undefined && password === undefined) throw new WeirError('INVALID_SPEC', 'sftp needs password or sshKeySecret');
  const { host, port } = splitAddress(address.trim());

  const { client, sftp } = await connect(
    {
      host,
      port,
      username,
      ...(privateKey !== undefined ? { privateKey } : { password }),
      readyTimeout: 20_000,
      keepaliveInterval: 15_000,
      // As Argo: the server's host key is accepted without a check.
      hostVerifier: () => true,
    },
    signal,
  );
  let closed: Error | undefined;
  client.on('error', (e: Error) => (closed ??= e));
  client.on('close', () => (closed ??= new Error('connection closed')));
  try {
    // The saved listing, unless it is of another directory (the spec changed): then a fresh one, as Argo starts.
    const savedText = await state.get(STATE_KEY);
    const previous = savedText !== undefined ? (JSON.parse(savedText) as Saved) : undefined;
    let saved: Saved;
    if (previous?.directory === directory) saved = previous;
    else {
      saved = { directory, generation: (previous?.generation ?? 0) + 1, files: await list(sftp, directory) };
      await state.put(STATE_KEY, JSON.stringify(saved));
    }
    log.info({ directory, path, pathRegexp: re?.source, eventType: wanted, pollMs }, 'sftp poller started');
    const matches = (name: string): boolean => (path !== undefined && path === name) || (re !== undefined && re.test(name));
    for (;;) {
      if (closed !== undefined) throw new WeirError('IO_ERROR', `sftp: ${errorMessage(closed)}`, { cause: closed });
      const files = await list(sftp, directory);
      const changes = diff(saved.files, files);
      if (changes.length > 0) {
        log.debug({ changes: changes.length }, 'sftp: directory changed');
        const events: EmitInput[] = changes
          .filter((c) => c.op === wanted && matches(c.name))
          .map((c) => ({
            id: `${saved.generation}:${c.op}:${c.name}:${c.facts[0]}:${c.facts[1]}`,
            data: { name: c.name, op: FILE_OP_BITS[c.op], metadata },
          }));
        if (events.length > 0) await emitAckedBatch(ctx, events);
        saved = { directory, generation: saved.generation + 1, files };
        await state.put(STATE_KEY, JSON.stringify(saved));
      }
      try {
        await ctx.clock.sleep(pollMs, signal);
      } catch {
        return; // stopped
      }
    }
  } catch (e) {
    if (signal.aborted) return;
    throw e;
  } finally {
    client.end();
  }
}

export function createSftpSource(): EventSourceAdapter {
  return { kind: 'sftp', start: run };
}
