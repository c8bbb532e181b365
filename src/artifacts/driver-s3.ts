// Driver `s3` (Argo's semantics): a file is one object at `key`; a directory is one object per file under
// `key/` (saved with `archive: none`); loading `key` falls back to the `key/` prefix when no such object exists.
// Uploads stream from disk: one PutObject (known length) up to `multipartThreshold` (default 5 GiB, S3's
// single-PUT limit: against s3rver a single stream is ~2x faster than multipart, whose parts the server copies
// again on completion), else a multipart upload with `partSize` parts, `concurrency` in flight. Downloads stream
// to disk. Memory stays bounded either way.
// Config keys: s3.{endpoint,bucket,region,insecure,key,accessKeySecret,secretKeySecret,sessionTokenSecret,
// useSDKCreds,forcePathStyle,addressingStyle}.
import { sleep } from '../core/clock.js';
import { createReadStream, createWriteStream } from 'node:fs';
import { lstat, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import { WeirError } from '../core/errors.js';
import { regularFiles, safeJoin } from './fs-util.js';
import { S3ClientCache, isS3NotFound, isS3Transient, s3Error } from './s3-client.js';
import type { S3Target } from './s3-client.js';
import type { ArtifactDriver, DriverContext, LoadedKind, TransferOptions } from './types.js';

export interface S3DriverOptions {
  /** Files larger than this go multipart (default 5 GiB; lower it for parallel parts on real S3). */
  multipartThreshold?: number;
  /** Multipart part size (default 64 MiB; raised so a file needs at most 10,000 parts). */
  partSize?: number;
  /** Parts (or directory files) in flight at once (default 4). */
  concurrency?: number;
}

const MiB = 1024 * 1024;
const BODY_ATTEMPTS = 3;

/** Streaming bodies cannot be replayed by the SDK's own retry; retry here with a fresh stream per attempt. */
async function withBodyRetry<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      if (attempt >= BODY_ATTEMPTS || signal?.aborted === true || !isS3Transient(e)) throw e;
      await sleep(100 * 2 ** attempt);
    }
  }
}

/** Runs `fn` over `items` with at most `n` at a time; the first failure stops new work and is thrown. */
async function eachLimit<T>(items: Iterable<T> | AsyncIterable<T>, n: number, fn: (item: T) => Promise<void>): Promise<void> {
  const running = new Set<Promise<void>>();
  let failed: unknown;
  for await (const item of items) {
    if (failed !== undefined) break;
    const p = fn(item)
      .catch((e: unknown) => {
        failed ??= e;
      })
      .finally(() => running.delete(p));
    running.add(p);
    if (running.size >= n) await Promise.race(running);
  }
  await Promise.all(running);
  if (failed !== undefined) throw failed instanceof Error ? failed : new Error(`upload failed: ${JSON.stringify(failed)}`);
}

export function s3Driver(ctx: DriverContext, opts: S3DriverOptions = {}): ArtifactDriver & { close(): void } {
  const clients = new S3ClientCache(ctx.secrets);
  const threshold = Math.min(opts.multipartThreshold ?? 5 * 1024 * MiB, 5 * 1024 * MiB);
  const basePart = Math.max(5 * MiB, opts.partSize ?? 64 * MiB);
  const concurrency = Math.max(1, opts.concurrency ?? 4);
  const where = (t: S3Target, key = t.key) => `s3://${t.bucket}/${key}`;

  async function listPrefix(t: S3Target, prefix: string, signal?: AbortSignal): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const r = await t.client.send(new ListObjectsV2Command({ Bucket: t.bucket, Prefix: prefix, ContinuationToken: token }), {
        abortSignal: signal,
      });
      for (const o of r.Contents ?? []) if (o.Key !== undefined) keys.push(o.Key);
      token = r.IsTruncated === true ? r.NextContinuationToken : undefined;
    } while (token !== undefined);
    return keys;
  }

  async function getToFile(client: S3Client, bucket: string, key: string, dest: string, signal?: AbortSignal): Promise<void> {
    const r = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: signal });
    if (r.Body === undefined) throw new WeirError('IO_ERROR', `s3://${bucket}/${key}: empty response body`);
    await pipeline(r.Body as Readable, createWriteStream(dest, { flags: 'wx' }), { signal });
  }

  async function putFile(t: S3Target, key: string, file: string, size: number, signal?: AbortSignal): Promise<void> {
    if (size <= threshold) {
      await withBodyRetry(
        () =>
          t.client.send(new PutObjectCommand({ Bucket: t.bucket, Key: key, Body: createReadStream(file), ContentLength: size }), {
            abortSignal: signal,
          }),
        signal,
      );
      return;
    }
    const partSize = Math.max(basePart, Math.ceil(size / 10_000));
    const created = await t.client.send(new CreateMultipartUploadCommand({ Bucket: t.bucket, Key: key }), { abortSignal: signal });
    const uploadId = created.UploadId;
    if (uploadId === undefined) throw new WeirError('IO_ERROR', `${where(t, key)}: no multipart upload id returned`);
    const parts: { PartNumber: number; ETag: string | undefined }[] = [];
    try {
      const numbers = Array.from({ length: Math.ceil(size / partSize) }, (_v, i) => i + 1);
      await eachLimit(numbers, concurrency, async (n) => {
        const start = (n - 1) * partSize;
        const end = Math.min(size, start + partSize);
        const r = await withBodyRetry(
          () =>
            t.client.send(
              new UploadPartCommand({
                Bucket: t.bucket,
                Key: key,
                UploadId: uploadId,
                PartNumber: n,
                Body: createReadStream(file, { start, end: end - 1 }),
                ContentLength: end - start,
              }),
              { abortSignal: signal },
            ),
          signal,
        );
        parts.push({ PartNumber: n, ETag: r.ETag });
      });
      parts.sort((a, b) => a.PartNumber - b.PartNumber);
      await t.client.send(
        new CompleteMultipartUploadCommand({ Bucket: t.bucket, Key: key, UploadId: uploadId, MultipartUpload: { Parts: parts } }),
        { abortSignal: signal },
      );
    } catch (e) {
      await t.client.send(new AbortMultipartUploadCommand({ Bucket: t.bucket, Key: key, UploadId: uploadId })).catch(() => undefined);
      throw e;
    }
  }

  const dirPrefix = (key: string) => (key.endsWith('/') ? key : `${key}/`);

  return {
    kind: 's3',
    async load(loc, dest, o: TransferOptions = {}): Promise<LoadedKind> {
      const t = await clients.target(loc, 'load');
      try {
        if (!t.key.endsWith('/')) {
          try {
            await getToFile(t.client, t.bucket, t.key, dest, o.signal);
            return 'file';
          } catch (e) {
            if (!isS3NotFound(e)) throw e;
          }
        }
        // Not an object: maybe a "directory" (objects under key/).
        const prefix = dirPrefix(t.key);
        const keys = await listPrefix(t, prefix, o.signal);
        if (keys.length === 0) throw new WeirError('NOT_FOUND', `artifact ${where(t)} not found`);
        await mkdir(dest, { recursive: true });
        await eachLimit(
          keys.filter((k) => !k.endsWith('/')),
          concurrency,
          async (k) => {
            const target = safeJoin(dest, k.slice(prefix.length));
            await mkdir(dirname(target), { recursive: true });
            await getToFile(t.client, t.bucket, k, target, o.signal);
          },
        );
        return 'dir';
      } catch (e) {
        throw s3Error(e, t, `s3 load ${where(t)}`, o.signal);
      }
    },
    async save(src, loc, o: TransferOptions = {}): Promise<void> {
      const t = await clients.target(loc, 'save');
      try {
        const st = await lstat(src);
        if (st.isDirectory()) {
          const prefix = dirPrefix(t.key);
          await eachLimit(regularFiles(src), concurrency, (f) => putFile(t, prefix + f.rel, f.abs, f.size, o.signal));
        } else {
          await putFile(t, t.key, src, st.size, o.signal);
        }
      } catch (e) {
        throw s3Error(e, t, `s3 save ${where(t)}`, o.signal);
      }
    },
    async delete(loc, o: TransferOptions = {}): Promise<void> {
      const t = await clients.target(loc, 'delete');
      try {
        if (!t.key.endsWith('/')) await t.client.send(new DeleteObjectCommand({ Bucket: t.bucket, Key: t.key }), { abortSignal: o.signal });
        const keys = await listPrefix(t, dirPrefix(t.key), o.signal);
        await eachLimit(keys, concurrency, async (k) => {
          await t.client.send(new DeleteObjectCommand({ Bucket: t.bucket, Key: k }), { abortSignal: o.signal });
        });
      } catch (e) {
        if (isS3NotFound(e)) return;
        throw s3Error(e, t, `s3 delete ${where(t)}`, o.signal);
      }
    },
    async exists(loc, o: TransferOptions = {}): Promise<boolean> {
      const t = await clients.target(loc, 'exists');
      try {
        if (!t.key.endsWith('/')) {
          try {
            await t.client.send(new HeadObjectCommand({ Bucket: t.bucket, Key: t.key }), { abortSignal: o.signal });
            return true;
          } catch (e) {
            if (!isS3NotFound(e)) throw e;
          }
        }
        return (await listPrefix(t, dirPrefix(t.key), o.signal)).length > 0;
      } catch (e) {
        throw s3Error(e, t, `s3 exists ${where(t)}`, o.signal);
      }
    },
    async list(loc, o: TransferOptions = {}): Promise<string[]> {
      const t = await clients.target(loc, 'list');
      try {
        const out: string[] = [];
        if (!t.key.endsWith('/')) {
          try {
            await t.client.send(new HeadObjectCommand({ Bucket: t.bucket, Key: t.key }), { abortSignal: o.signal });
            out.push(t.key);
          } catch (e) {
            if (!isS3NotFound(e)) throw e;
          }
        }
        return [...out, ...(await listPrefix(t, dirPrefix(t.key), o.signal))];
      } catch (e) {
        throw s3Error(e, t, `s3 list ${where(t)}`, o.signal);
      }
    },
    close(): void {
      clients.destroy();
    },
  };
}
