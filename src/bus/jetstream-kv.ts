// KeyValueStore on NATS KV buckets (@nats-io/kv). One bucket per (bus, bucket) pair, named
// `weir-<bus>__<bucket>` with both parts encoded by subject-codec.ts (so `__` cannot occur inside a part); keys are
// encoded the same way, so any string is a valid key. Revisions are the bucket stream's sequence numbers.
// expectedRevision 0 = create only (a deleted key counts as absent); n = update only if the key is at revision n.
import { Kvm } from '@nats-io/kv';
import type { KV } from '@nats-io/kv';
import { WeirError } from '../core/errors.js';
import { busError, isWrongSequence } from './jetstream-errors.js';
import type { JetStreamContext } from './jetstream-bus.js';
import { decodeToken, encodeToken } from './subject-codec.js';
import type { KeyValueStore, KvEntry } from './types.js';

export function kvBucketName(bus: string, bucket: string): string {
  return `weir-${encodeToken(bus)}__${encodeToken(bucket)}`;
}

function conflict(bucket: string, key: string, expected: number, cause: unknown): WeirError {
  return new WeirError(
    'CONFLICT',
    `kv ${bucket}/${key}: ${expected === 0 ? 'key exists already' : `key is no longer at revision ${expected}`}`,
    {
      cause,
      details: { bucket, key, expectedRevision: expected },
    },
  );
}

class JetStreamKv implements KeyValueStore {
  constructor(
    private readonly bucket: string,
    private readonly kv: KV,
    private readonly ctx: JetStreamContext,
  ) {}

  private ensureUp(what: string): void {
    const s = this.ctx.state();
    if (s !== 'up')
      throw new WeirError('BUS_UNAVAILABLE', `kv ${what}: ${s === 'closed' ? 'bus closed' : 'not connected to NATS'}`, {
        details: { reason: s === 'closed' ? 'closed' : 'disconnected', bucket: this.bucket },
      });
  }

  async get(key: string): Promise<KvEntry | undefined> {
    this.ensureUp('get');
    try {
      const e = await this.kv.get(encodeToken(key));
      if (e === null || e.operation !== 'PUT') return undefined;
      return { value: e.string(), revision: e.revision };
    } catch (e) {
      throw busError(e, `kv get ${this.bucket}/${key}`);
    }
  }

  async put(key: string, value: string, opts: { expectedRevision?: number } = {}): Promise<number> {
    this.ensureUp('put');
    const k = encodeToken(key);
    const exp = opts.expectedRevision;
    if (exp !== undefined && (!Number.isSafeInteger(exp) || exp < 0)) {
      throw new WeirError('INVALID_ARGUMENT', `kv put ${this.bucket}/${key}: expectedRevision must be a non-negative integer`);
    }
    try {
      if (exp === undefined) return await this.kv.put(k, value);
      if (exp === 0) return await this.kv.create(k, value);
      return await this.kv.update(k, value, exp);
    } catch (e) {
      if (exp !== undefined && isWrongSequence(e)) throw conflict(this.bucket, key, exp, e);
      throw busError(e, `kv put ${this.bucket}/${key}`);
    }
  }

  async delete(key: string): Promise<void> {
    this.ensureUp('delete');
    try {
      await this.kv.delete(encodeToken(key));
    } catch (e) {
      throw busError(e, `kv delete ${this.bucket}/${key}`);
    }
  }

  async keys(prefix = ''): Promise<string[]> {
    this.ensureUp('keys');
    try {
      const out: string[] = [];
      for await (const k of await this.kv.keys()) {
        const key = decodeToken(k);
        if (key.startsWith(prefix)) out.push(key);
      }
      return out.sort();
    } catch (e) {
      throw busError(e, `kv keys ${this.bucket}`);
    }
  }
}

export async function openJetStreamKv(ctx: JetStreamContext, bucket: string): Promise<KeyValueStore> {
  if (typeof bucket !== 'string' || bucket === '') throw new WeirError('INVALID_ARGUMENT', 'kv: bucket name must be a non-empty string');
  try {
    const kvm = new Kvm(ctx.js);
    const kv = await kvm.create(kvBucketName(ctx.options.name, bucket), { history: 1, replicas: ctx.options.replicas });
    return new JetStreamKv(bucket, kv, ctx);
  } catch (e) {
    throw busError(e, `kv bucket ${bucket}`);
  }
}
