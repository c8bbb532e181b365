// Builds S3 clients for artifact locations the way Argo reads its s3 settings: `endpoint` (host:port or URL;
// `insecure: true` → http), `region` (default us-east-1), path-style addressing (Weir's `forcePathStyle`,
// or Argo's `addressingStyle: path|virtual-hosted`; default path-style when an endpoint is set), credentials
// from `accessKeySecret`/`secretKeySecret`/`sessionTokenSecret` via SecretSource. Without secrets: the SDK chain
// when `useSDKCreds`, else anonymous (unsigned) requests. Also maps SDK errors to codes, redacted.
import { createHash } from 'node:crypto';
import { S3Client } from '@aws-sdk/client-s3';
import type { S3ClientConfig } from '@aws-sdk/client-s3';
import { WeirError } from '../core/errors.js';
import type { ErrorCode } from '../core/errors.js';
import { Redactor } from './redact.js';
import type { SecretSource, WeirArtifactLocation } from './types.js';

export type S3Location = NonNullable<WeirArtifactLocation['s3']> & { forcePathStyle?: boolean; addressingStyle?: string };

export interface S3Target {
  client: S3Client;
  bucket: string;
  key: string;
  redactor: Redactor;
}

export function s3EndpointUrl(s3: S3Location): string | undefined {
  const ep = s3.endpoint;
  if (ep === undefined || ep === '') return undefined;
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(ep) ? ep : `${s3.insecure === true ? 'http' : 'https'}://${ep}`;
}

const quiet = (): void => undefined;
const QUIET_LOGGER = { trace: quiet, debug: quiet, info: quiet, warn: quiet, error: quiet };

/** True for failures worth another attempt with a fresh body stream (network errors, 5xx, throttling). */
export function isS3Transient(e: unknown): boolean {
  const { name, status } = s3ErrorInfo(e);
  if (name === 'AbortError') return false;
  if (status !== undefined) return status >= 500 || status === 429;
  return ['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNREFUSED', 'TimeoutError', 'RequestTimeout', 'SlowDown'].some(
    (c) => name === c || (e as { code?: unknown }).code === c,
  );
}

/** Caches clients by their full configuration (a hash, so secrets are not kept as map keys). */
export class S3ClientCache {
  readonly #clients = new Map<string, S3Client>();
  constructor(
    private readonly secrets: SecretSource,
    private readonly max = 16,
  ) {}

  async target(loc: WeirArtifactLocation, op: string): Promise<S3Target> {
    const s3: S3Location | undefined = loc.s3;
    if (s3 === undefined) throw new WeirError('INVALID_SPEC', 's3 driver called without an s3 location');
    const redactor = new Redactor();
    const bucket = s3.bucket ?? '';
    const key = s3.key ?? '';
    if (bucket === '' || key === '')
      throw new WeirError('INVALID_SPEC', `s3 ${op}: artifact location needs bucket and key (s3://${bucket}/${key})`);
    const get = async (ref: S3Location['accessKeySecret']): Promise<string | undefined> => {
      if (ref === undefined) return undefined;
      try {
        return await this.secrets.get(ref);
      } catch (e) {
        throw redactor.error(e, { context: `s3 ${op} s3://${bucket}/${key}: reading Secret ${ref.name ?? ''} key ${ref.key}` });
      }
    };
    const accessKeyId = await get(s3.accessKeySecret);
    const secretAccessKey = await get(s3.secretKeySecret);
    const sessionToken = await get(s3.sessionTokenSecret);
    redactor.add(accessKeyId, secretAccessKey, sessionToken);
    const endpoint = s3EndpointUrl(s3);
    const pathStyle =
      typeof s3.forcePathStyle === 'boolean'
        ? s3.forcePathStyle
        : s3.addressingStyle === 'path'
          ? true
          : s3.addressingStyle === 'virtual-hosted'
            ? false
            : endpoint !== undefined;
    const cfg: S3ClientConfig = {
      region: s3.region || 'us-east-1',
      forcePathStyle: pathStyle,
      maxAttempts: 3,
      // Stream bodies with a known length; no aws-chunked trailers (many S3-compatible servers reject them).
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      // The SDK warns on console about failed streaming requests unless given a logger; failures are thrown anyway.
      logger: QUIET_LOGGER,
    };
    if (endpoint !== undefined) cfg.endpoint = endpoint;
    let mode: string;
    if (accessKeyId !== undefined || secretAccessKey !== undefined) {
      if (accessKeyId === undefined || secretAccessKey === undefined) {
        throw new WeirError('INVALID_SPEC', `s3 ${op} s3://${bucket}/${key}: accessKeySecret and secretKeySecret must both be set`);
      }
      cfg.credentials = { accessKeyId, secretAccessKey, ...(sessionToken !== undefined ? { sessionToken } : {}) };
      mode = 'static';
    } else if (s3.useSDKCreds === true) {
      mode = 'sdk';
    } else {
      // Anonymous: never consult the SDK's default chain (it may probe instance metadata endpoints).
      cfg.credentials = { accessKeyId: '', secretAccessKey: '' };
      cfg.signer = { sign: (req) => Promise.resolve(req) };
      mode = 'anonymous';
    }
    const id = createHash('sha256')
      .update(JSON.stringify([endpoint, cfg.region, pathStyle, mode, accessKeyId, secretAccessKey, sessionToken]))
      .digest('hex');
    let client = this.#clients.get(id);
    if (client === undefined) {
      if (this.#clients.size >= this.max) {
        const [oldId, old] = this.#clients.entries().next().value as [string, S3Client];
        old.destroy();
        this.#clients.delete(oldId);
      }
      client = new S3Client(cfg);
      this.#clients.set(id, client);
    }
    return { client, bucket, key, redactor };
  }

  destroy(): void {
    for (const c of this.#clients.values()) c.destroy();
    this.#clients.clear();
  }
}

/** The SDK error's name and HTTP status, whatever shape it has. */
export function s3ErrorInfo(e: unknown): { name: string; status: number | undefined } {
  const o = (e ?? {}) as { name?: unknown; Code?: unknown; $metadata?: { httpStatusCode?: unknown } };
  const name = typeof o.Code === 'string' ? o.Code : typeof o.name === 'string' ? o.name : '';
  const status = typeof o.$metadata?.httpStatusCode === 'number' ? o.$metadata.httpStatusCode : undefined;
  return { name, status };
}

export function isS3NotFound(e: unknown): boolean {
  const { name, status } = s3ErrorInfo(e);
  return name === 'NoSuchKey' || name === 'NotFound' || (status === 404 && name !== 'NoSuchBucket');
}

/** Maps an SDK failure to a redacted WeirError with a code. */
export function s3Error(e: unknown, t: { redactor: Redactor }, context: string, signal?: AbortSignal): WeirError {
  if (e instanceof WeirError) return t.redactor.error(e);
  const { name, status } = s3ErrorInfo(e);
  let code: ErrorCode = 'IO_ERROR';
  if (signal?.aborted === true || name === 'AbortError') code = 'CANCELLED';
  else if (name === 'NoSuchKey' || name === 'NotFound' || name === 'NoSuchBucket' || status === 404) code = 'NOT_FOUND';
  else if (
    ['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'AccessDenied', 'Forbidden', 'ExpiredToken', 'InvalidToken'].includes(name) ||
    status === 401 ||
    status === 403
  )
    code = 'UNAUTHORIZED';
  const err = t.redactor.error(e, { code, context });
  // SDK "UnknownError"/empty messages say nothing; add the name and status.
  return name !== '' && !err.message.includes(name)
    ? new WeirError(err.code, `${err.message} (${name}${status !== undefined ? ` ${status}` : ''})`, { cause: err.cause })
    : err;
}
