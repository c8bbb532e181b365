// lazyModule: an ES module required from synchronous code on first use is evaluated then (not before), once, and
// is the same instance an import gives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lazyModule } from '../../src/core/lazy-module.js';
import type * as Counted from '../fixtures/lazy/counted.js';

const loads = (): number => (globalThis as { weirLazyFixtureLoads?: number }).weirLazyFixtureLoads ?? 0;

void test('lazyModule loads the module on the first call only, as the same instance import() gives', async () => {
  const counted = lazyModule<typeof Counted>(import.meta.url, '../fixtures/lazy/counted.js');
  assert.equal(loads(), 0);
  assert.equal(counted().answer, 42);
  assert.equal(loads(), 1);
  assert.equal(counted(), counted());
  assert.equal(await import('../fixtures/lazy/counted.js'), counted());
  assert.equal(loads(), 1);
});
