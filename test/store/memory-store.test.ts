// Runs the store conformance suite against the in-memory store, plus label-selector parser tables.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMemoryStore } from '../../src/store/memory-store.js';
import { compileLabelSelector, parseLabelSelector } from '../../src/store/label-selector.js';
import { runStoreConformance } from './conformance.js';

runStoreConformance('memory', (opts) => createMemoryStore(opts));

test('label selector table', () => {
  const labels = { app: 'web', tier: 'front', 'example.com/team': 'a' };
  const cases: [string, boolean][] = [
    ['', true],
    ['app=web', true],
    ['app==web', true],
    ['app = web', true],
    ['app=db', false],
    ['app!=db', true],
    ['missing!=x', true],
    ['app in (db, web)', true],
    ['app notin (web)', false],
    ['missing notin (web)', true],
    ['example.com/team=a', true],
    ['tier,!missing', true],
    ['!tier', false],
    ['app=web,tier=back', false],
  ];
  for (const [sel, want] of cases) assert.equal(compileLabelSelector(sel)(labels), want, sel);
  for (const bad of ['app in (x', '=x', 'a=b=c', 'a b', ',']) {
    assert.throws(() => parseLabelSelector(bad), /invalid label selector/, bad);
  }
});
