// The driver registry: a typed table from location kind to driver factory. Adding a kind is one file and one
// line here. Kinds Argo knows but Weir cannot move (gcs, git, artifactory, hdfs, oss, azure, plugin) fail
// with UNKNOWN_KIND "artifact location <kind> is not supported".
import { WeirError } from '../core/errors.js';
import { httpDriver } from './driver-http.js';
import { localDriver } from './driver-local.js';
import { rawDriver } from './driver-raw.js';
import { s3Driver } from './driver-s3.js';
import type { S3DriverOptions } from './driver-s3.js';
import { locationKind } from './location.js';
import type { ArtifactDriver, DriverContext, LocationKind, WeirArtifactLocation } from './types.js';

export interface DriverOptions {
  s3?: S3DriverOptions;
}

type DriverFactory = (ctx: DriverContext, opts: DriverOptions) => ArtifactDriver;

const DRIVER_FACTORIES = {
  s3: (ctx, o) => s3Driver(ctx, o.s3),
  local: (ctx) => localDriver(ctx),
  http: (ctx) => httpDriver(ctx),
  raw: () => rawDriver(),
} satisfies Partial<Record<LocationKind, DriverFactory>>;

export type SupportedKind = keyof typeof DRIVER_FACTORIES;

export function unsupportedKind(kind: string): WeirError {
  return new WeirError('UNKNOWN_KIND', `artifact location ${kind} is not supported`, { details: { kind, supported: Object.keys(DRIVER_FACTORIES) } });
}

export interface DriverRegistry {
  /** The driver for a location's kind (built once, on first use). */
  forLocation(loc: WeirArtifactLocation): ArtifactDriver;
  forKind(kind: string): ArtifactDriver;
  /** Releases pooled connections. */
  close(): void;
}

export function createDriverRegistry(ctx: DriverContext, opts: DriverOptions = {}, overrides: Partial<Record<LocationKind, ArtifactDriver>> = {}): DriverRegistry {
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
