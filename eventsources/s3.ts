// S3 event source (Weir's `s3` kind, and Argo's `minio` kind mapped onto it): watches a bucket by listing it.
// Config keys: endpoint (host:port or URL), region (default us-east-1), insecure (http), forcePathStyle (default: on
// when an endpoint is given), accessKey/secretKey (Secret selectors; else the SDK's default credentials), caCertificate,
// bucket.name, filter {prefix, suffix}, events (default ["s3:ObjectCreated:*"]), pollIntervalSeconds (default 5),
// metadata, filter.expression is not used here (S3 `filter` is the key filter).
// Emits Argo's MinioEventData `{notification: [S3 event record], metadata}` with eventName s3:ObjectCreated:Put
// (s3:ObjectCreated:CompleteMultipartUpload for multipart ETags) or s3:ObjectRemoved:Delete. The seen-set (key ->
// ETag, size, LastModified) lives in the adapter state, so a restart neither misses nor repeats an object. The very
// first run records what is already in the bucket without emitting (notifications only report later changes).
// Listing cost: every poll lists the prefix in pages of 1000 keys (ListObjectsV2 with continuation tokens), i.e.
// objects/1000 requests per poll; partition big buckets with filter.prefix (one event per prefix). Credentials are
// never logged.
import { createHash } from 'node:crypto';
import { Agent } from 'node:https';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import type { S3ClientConfig } from '@aws-sdk/client-s3';
import { isWeirError, WeirError } from '../src/core/errors.js';
import { stringMap, text } from '../src/core/adapter-kit.js';
import type { Finding } from '../src/api/findings.js';
import type { EventSourceAdapter, SecretRef, StartContext } from '../src/api/eventsource-adapter.js';

export const DEFAULT_POLL_SECONDS = 5;
export const PAGE_SIZE = 1000;
const META_KEY = 'meta';
const OBJ = 'o:';

interface Seen {
  e: string;
  s: number;
  m: string;
}

/** Does the configured event list ask for `name`? `s3:ObjectCreated:*` matches every s3:ObjectCreated:... */
export function wantsEvent(events: readonly string[], name: string): boolean {
  return events.some((e) => e === name || (e.endsWith(':*') && name.startsWith(e.slice(0, -1))));
}

/** S3 notifications carry the key URL-encoded ("red flower.jpg" -> "red+flower.jpg"), slashes kept. */
export function encodeNotificationKey(key: string): string {
  return encodeURIComponent(key).replace(/%20/g, '+').replace(/%2F/gi, '/');
}

function endpointUrl(spec: Record<string, unknown>): string | undefined {
  const ep = text(spec.endpoint);
  if (ep === undefined) return undefined;
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(ep) ? ep : `${spec.insecure === true ? 'http' : 'https'}://${ep}`;
}

async function makeClient(ctx: StartContext): Promise<S3Client> {
  const spec = ctx.spec;
  const endpoint = endpointUrl(spec);
  const cfg: S3ClientConfig = {
    region: text(spec.region) ?? 'us-east-1',
    forcePathStyle: typeof spec.forcePathStyle === 'boolean' ? spec.forcePathStyle : endpoint !== undefined,
    maxAttempts: 2,
  };
  if (endpoint !== undefined) cfg.endpoint = endpoint;
  const ak = spec.accessKey as SecretRef | undefined;
  const sk = spec.secretKey as SecretRef | undefined;
  if (ak !== undefined || sk !== undefined) {
    const accessKeyId = ak !== undefined ? await ctx.secrets.get(ak) : undefined;
    const secretAccessKey = sk !== undefined ? await ctx.secrets.get(sk) : undefined;
    if (accessKeyId === undefined || secretAccessKey === undefined)
      throw new WeirError('INVALID_SPEC', 'accessKey and secretKey must both resolve');
    cfg.credentials = { accessKeyId, secretAccessKey };
  }
  const ca = spec.caCertificate as SecretRef | undefined;
  if (ca !== undefined) {
    const pem = await ctx.secrets.get(ca);
    if (pem !== undefined) cfg.requestHandler = { httpsAgent: new Agent({ ca: pem }) };
  }
  return new S3Client(cfg);
}

interface Listed {
  e: string;
  s: number;
  m: string;
}

async function listAll(
  client: S3Client,
  bucket: string,
  prefix: string,
  suffix: string,
  signal: AbortSignal,
): Promise<Map<string, Listed>> {
  const out = new Map<string, Listed>();
  let token: string | undefined;
  do {
    const page = await client.send(
      new ListObjectsV2Command({
        Bucket: bucket,
        MaxKeys: PAGE_SIZE,
        ...(prefix !== '' ? { Prefix: prefix } : {}),
        ...(token !== undefined ? { ContinuationToken: token } : {}),
      }),
      { abortSignal: signal },
    );
    for (const o of page.Contents ?? []) {
      if (o.Key === undefined || !o.Key.endsWith(suffix)) continue;
      out.set(o.Key, { e: (o.ETag ?? '').replace(/"/g, ''), s: o.Size ?? 0, m: (o.LastModified ?? new Date(0)).toISOString() });
    }
    token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
  return out;
}

function record(
  kind: string,
  region: string,
  bucket: string,
  key: string,
  o: Seen,
  eventName: string,
  eventTime: string,
): Record<string, unknown> {
  return {
    eventVersion: '2.0',
    eventSource: kind === 'minio' ? 'minio:s3' : 'aws:s3',
    awsRegion: region,
    eventTime,
    eventName,
    userIdentity: { principalId: '' },
    requestParameters: {},
    responseElements: {},
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: 'Config',
      bucket: { name: bucket, ownerIdentity: { principalId: '' }, arn: `arn:aws:s3:::${bucket}` },
      object: {
        key: encodeNotificationKey(key),
        size: o.s,
        eTag: o.e,
        sequencer: Date.parse(o.m).toString(16).toUpperCase().padStart(16, '0'),
      },
    },
    source: { host: '', port: '', userAgent: '' },
  };
}

async function run(kind: string, ctx: StartContext): Promise<void> {
  const { spec, state, log, signal, clock } = ctx;
  const bucket = text((spec.bucket as { name?: unknown } | undefined)?.name) ?? '';
  const f = (spec.filter ?? {}) as { prefix?: unknown; suffix?: unknown };
  const prefix = text(f.prefix) ?? '';
  const suffix = text(f.suffix) ?? '';
  const region = text(spec.region) ?? 'us-east-1';
  const events =
    Array.isArray(spec.events) && spec.events.length > 0
      ? spec.events.filter((e): e is string => typeof e === 'string')
      : ['s3:ObjectCreated:*'];
  const pollMs =
    (typeof spec.pollIntervalSeconds === 'number' && spec.pollIntervalSeconds >= 1 ? spec.pollIntervalSeconds : DEFAULT_POLL_SECONDS) *
    1000;
  const metadata = stringMap(spec.metadata);
  const fingerprint = JSON.stringify([endpointUrl(spec) ?? '', bucket, prefix, suffix]);

  // Load the seen-set; a changed bucket/prefix/suffix starts over with a new baseline.
  const meta = await state.get(META_KEY);
  const seen = new Map<string, Seen>();
  let baseline = meta === undefined || (JSON.parse(meta) as { fp?: string }).fp !== fingerprint;
  for (const k of await state.keys(OBJ)) {
    if (baseline) await state.delete(k);
    else {
      const v = await state.get(k);
      if (v !== undefined) seen.set(k.slice(OBJ.length), JSON.parse(v) as Seen);
    }
  }
  const client = await makeClient(ctx);
  log.info({ endpoint: endpointUrl(spec), bucket, prefix, suffix, events, pollIntervalMs: pollMs, known: seen.size }, 's3 source started');

  const emit = async (key: string, o: Seen, eventName: string, eventTime: string): Promise<void> => {
    if (!wantsEvent(events, eventName)) return;
    const id = createHash('sha256').update([bucket, key, o.e, o.m, eventName].join('\0')).digest('hex').slice(0, 40);
    const data: Record<string, unknown> = { notification: [record(kind, region, bucket, key, o, eventName, eventTime)] };
    if (metadata !== undefined) data.metadata = metadata;
    await ctx.emit({ id, data, time: new Date(eventTime) }, { untilAcked: true });
  };

  try {
    while (!signal.aborted) {
      const listed = await listAll(client, bucket, prefix, suffix, signal);
      // Oldest first, so events come in the order the objects were written.
      const changed = [...listed]
        .filter(([k, o]) => seen.get(k)?.e !== o.e || seen.get(k)?.m !== o.m)
        .sort(([ka, a], [kb, b]) => (a.m < b.m ? -1 : a.m > b.m ? 1 : ka < kb ? -1 : 1));
      for (const [key, o] of changed) {
        if (!baseline) await emit(key, o, o.e.includes('-') ? 's3:ObjectCreated:CompleteMultipartUpload' : 's3:ObjectCreated:Put', o.m);
        await state.put(OBJ + key, JSON.stringify(o));
        seen.set(key, o);
      }
      for (const [key, o] of [...seen]) {
        if (listed.has(key)) continue;
        if (!baseline) await emit(key, o, 's3:ObjectRemoved:Delete', new Date(clock.now()).toISOString());
        await state.delete(OBJ + key);
        seen.delete(key);
      }
      log.debug({ bucket, listed: listed.size, changed: changed.length }, 's3 poll done');
      if (baseline) {
        await state.put(META_KEY, JSON.stringify({ fp: fingerprint }));
        baseline = false;
        log.info({ bucket, objects: seen.size }, 's3 baseline recorded; changes from now on are events');
      }
      await clock.sleep(pollMs, signal);
    }
  } catch (e) {
    if (signal.aborted || (isWeirError(e) && e.code === 'CANCELLED')) return;
    throw e;
  } finally {
    client.destroy();
  }
}

export function createS3Source(kind: 's3' | 'minio' = 's3'): EventSourceAdapter {
  return {
    kind,
    validate: (spec) => {
      const out: Finding[] = [];
      if (kind === 'minio') {
        for (const field of ['accessKey', 'secretKey', 'endpoint'] as const) {
          if (spec[field] === undefined || spec[field] === '')
            out.push({ severity: 'error', rule: 'required', path: [field], message: `${field} is required for the minio event source` });
        }
      }
      return out;
    },
    start: (ctx) => run(kind, ctx),
  };
}
