// The driver registry: a typed table from location kind to driver factory. Adding a kind is one file and one
// line here. Kinds Argo knows but Weir cannot move (gcs, git, artifactory, hdfs, oss, azure, plugin) fail
// with UNKNOWN_KIND "artifact location <kind> is not supported".
import { WeirError } from '../core/errors.js';
import { httpDriver } from './driver-http.js';
import { localDriver } from './driver-local.js';
import { rawDriver } from './driver-raw.js';
import type { S3DriverOptions } from './driver-s3.js';
import { locationKind } from './location.js';
import type { ArtifactDriver, DriverContext, LocationKind, WeirArtifactLocation } from './types.js';

export interface DriverOptions {
  s3?: S3DriverOptions;
}

type DriverFactory = (ctx: DriverContext, opts: DriverOptions) => ArtifactDriver;

/**
 * The S3 driver, loaded on first use: the AWS SDK takes seconds to import on a busy machine, and most runs (`weir
 * run`, workflows on the local repository) never touch S3.
 */
function lazyS3Driver(ctx: DriverContext, o?: S3DriverOptions): ArtifactDriver {
  let real: Promise<ArtifactDriver> | undefined;
  const get = (): Promise<ArtifactDriver> => (real ??= import('./driver-s3.js').then((m) => m.s3Driver(ctx, o)));
  const op = async <K extends 'save' | 'delete' | 'exists' | 'list'>(k: K): Promise<NonNullable<ArtifactDriver[K]>> => {
    const d = await get();
    const f = d[k];
    if (f === undefined) throw new WeirError('INTERNAL', `s3 driver has no ${k}`);
    return f.bind(d) as NonNullable<ArtifactDriver[K]>;
  };
  return {
    kind: 's3',
    load: async (loc, dest, t) => (await get()).load(loc, dest, t),
    save: async (src, loc, t) => (await op('save'))(src, loc, t),
    delete: async (loc, t) => (await op('delete'))(loc, t),
    exists: async (loc, t) => (await op('exists'))(loc, t),
    list: async (loc, t) => (await op('list'))(loc, t),
    close: () =>
      void real?.then(
        (d) => (d as { close?: () => void }).close?.(),
        () => undefined,
      ),
  } as ArtifactDriver;
}

const DRIVER_FACTORIES = {
  s3: (ctx, o) => lazyS3Driver(ctx, o.s3),
  local: (ctx) => localDriver(ctx),
  http: (ctx) => httpDriver(ctx),
  raw: () => rawDriver(),
} satisfies Partial<Record<LocationKind, DriverFactory>>;

export type SupportedKind = keyof typeof DRIVER_FACTORIES;

export function unsupportedKind(kind: string): WeirError {
  return new WeirError('UNKNOWN_KIND', `artifact location ${kind} is not supported`, {
    details: { kind, supported: Object.keys(DRIVER_FACTORIES) },
  });
}

export interface DriverRegistry {
  /** The driver for a location's kind (built once, on first use). */
  forLocation(loc: WeirArtifactLocation): ArtifactDriver;
  forKind(kind: string): ArtifactDriver;
  /** Releases pooled connections. */
  close(): void;
}

export function createDriverRegistry(
  ctx: DriverContext,
  opts: DriverOptions = {},
  overrides: Partial<Record<LocationKind, ArtifactDriver>> = {},
): DriverRegistry {
  const built = new Map<string, ArtifactDriver>(Object.entries(overrides));
  const forKind = (kind: string): ArtifactDriver => {
    const have = built.get(kind);
    if (have) return have;
    if (!Object.hasOwn(DRIVER_FACTORIES, kind)) throw unsupportedKind(kind);
    const d = DRIVER_FACTORIES[kind as SupportedKind](ctx, opts);
    built.set(kind, d);
    return d;
  };
  return {
    forKind,
    forLocation(loc) {
      const kind = locationKind(loc);
      if (kind === undefined) throw new WeirError('INVALID_SPEC', 'artifact has no location');
      return forKind(kind);
    },
    close() {
      for (const d of built.values()) (d as { close?: () => void }).close?.();
    },
  };
}
