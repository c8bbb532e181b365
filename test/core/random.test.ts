// src/core/random.ts: v4 UUIDs in node:crypto's format, bytes that differ call to call (pool refills and large
// requests included), and indexes in range that reach every value.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomIndex, randomUUID } from '../../src/core/random.js';

void test('randomUUID gives distinct lower-case version 4 UUIDs with the RFC variant bits', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 2000; i++) {
    const u = randomUUID();
    assert.match(u, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    seen.add(u);
  }
  assert.equal(seen.size, 2000);
});

void test('randomBytes returns fresh buffers of the asked length, across pool refills and beyond the pool size', () => {
  for (const n of [0, 1, 16, 511, 512, 513, 4096]) {
    const a = randomBytes(n);
    const b = randomBytes(n);
    assert.equal(a.length, n);
    if (n >= 16) assert.notDeepEqual(a, b);
  }
  const held = randomBytes(32);
  const copy = Buffer.from(held);
  for (let i = 0; i < 100; i++) randomBytes(100); // refills the pool several times
  assert.deepEqual(held, copy, 'a returned buffer is not a view of the pool');
});

void test('randomIndex stays in [0, max) and reaches every value; bad bounds are refused', () => {
  const counts = new Array<number>(27).fill(0);
  for (let i = 0; i < 27 * 200; i++) {
    const v = randomIndex(27);
    assert.ok(Number.isInteger(v) && v >= 0 && v < 27, String(v));
    counts[v]++;
  }
  assert.ok(
    counts.every((c) => c > 0),
    counts.join(','),
  );
  assert.equal(randomIndex(1), 0);
  for (const bad of [0, 257, 1.5, -1, NaN]) assert.throws(() => randomIndex(bad), RangeError);
});
