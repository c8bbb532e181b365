// Random uids and generateName suffixes without loading node:crypto, whose import is one of the largest costs of a
// short `weir run` (measured: ~20 ms of CPU on the loaded 2-core machine, for two calls). The bytes come from the
// kernel's CSPRNG (/dev/urandom, what OpenSSL's generator is seeded from), read a pool at a time; where that file
// cannot be read, from node:crypto's randomFillSync, loaded then.
import { closeSync, openSync, readSync } from 'node:fs';
import { lazyModule } from './lazy-module.js';
import type * as NodeCrypto from 'node:crypto';

const nodeCrypto = lazyModule<typeof NodeCrypto>(import.meta.url, 'node:crypto');

const POOL_BYTES = 512;
let pool = Buffer.alloc(0);
let used = 0;

function fillFromKernel(buf: Buffer): boolean {
  let fd: number;
  try {
    fd = openSync('/dev/urandom', 'r');
  } catch {
    return false;
  }
  try {
    for (let off = 0; off < buf.length;) {
      const n = readSync(fd, buf, off, buf.length - off, null);
      if (n <= 0) return false;
      off += n;
    }
    return true;
  } catch {
    return false;
  } finally {
    closeSync(fd);
  }
}

/** `n` cryptographically random bytes (a fresh Buffer). */
export function randomBytes(n: number): Buffer {
  if (n > POOL_BYTES) {
    const big = Buffer.alloc(n);
    if (!fillFromKernel(big)) nodeCrypto().randomFillSync(big);
    return big;
  }
  if (used + n > pool.length) {
    pool = Buffer.alloc(POOL_BYTES);
    if (!fillFromKernel(pool)) nodeCrypto().randomFillSync(pool);
    used = 0;
  }
  const out = Buffer.from(pool.subarray(used, used + n));
  pool.fill(0, used, used + n); // bytes handed out are not kept
  used += n;
  return out;
}

/** An RFC 9562 version 4 UUID, lower-case (the format of node:crypto's randomUUID). */
export function randomUUID(): string {
  const b = randomBytes(16);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** A uniformly distributed integer in [0, max), 1 <= max <= 256 (rejection sampling: no modulo bias). */
export function randomIndex(max: number): number {
  if (!Number.isInteger(max) || max < 1 || max > 256) throw new RangeError(`randomIndex: max must be an integer in 1..256, got ${max}`);
  const limit = 256 - (256 % max);
  for (;;) {
    const v = randomBytes(1)[0];
    if (v < limit) return v % max;
  }
}
