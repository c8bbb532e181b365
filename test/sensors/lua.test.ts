// Lua `script` filters and `transform` (issue 16, fidelity 7) in the wasmoon sandbox, through the real evaluation:
// Argo's semantics (a filter passes on `true`, a transform returns the new data table), and the sandbox's limits:
// no host access, a deadline and a memory cap; jq transforms with real jq in a bounded worker.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { makeCloudEvent } from '../../src/core/cloudevent.js';
import { parseJsonLossless } from '../../src/core/json-lossless.js';
import { evaluate, prepareSensor } from '../../src/sensor-host/evaluate.js';
import type { Sensor } from '../../src/api/sensor.js';
import { loadLua, runLua } from '../../sensors/common/lua-sandbox.js';
import { loadJq, runJq } from '../../sensors/common/jq.js';
import { emptyTriggerState } from '../../src/sensor-host/decisions.js';

const ev = (data: unknown) =>
  makeCloudEvent({ id: `e-${Math.random()}`, source: 'es', subject: 'e', type: 'webhook', time: '2024-01-01T00:00:00Z', data });

function sensor(dep: Record<string, unknown>): Sensor {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Sensor',
    metadata: { name: 's', namespace: 'default' },
    spec: {
      dependencies: [{ name: 'd', eventSourceName: 'es', eventName: 'e', ...dep }],
      triggers: [{ template: { name: 't', log: {} } }],
    },
  };
}

const decide = (s: Sensor, data: unknown) =>
  evaluate(s, ev(data), { triggers: { t: emptyTriggerState() } }, { now: new Date('2024-01-01T00:00:00Z') }).decisions;

void describe('Lua filters and transforms', () => {
  before(async () => {
    await loadLua();
  });
  void test('script filter: true passes, anything else filters out, an error is an error', async () => {
    const s = sensor({ filters: { script: 'return event.body.a == "yes" and #event.body.list == 2' } });
    await prepareSensor(s);
    assert.equal(decide(s, { body: { a: 'yes', list: [1, 2] } })[0].type, 'matched');
    const miss = decide(s, { body: { a: 'no', list: [1, 2] } })[0];
    assert.deepEqual([miss.type, 'filter' in miss ? miss.filter : ''], ['filtered-out', 'script']);
    const bad = decide(sensor({ filters: { script: 'return event.nope.x' } }), { body: {} })[0];
    assert.equal(bad.type, 'filtered-out');
    assert.ok('error' in bad && bad.error === true);
  });
  void test('transform.script rewrites the data the filters and parameters see', () => {
    const s = sensor({
      transform: { script: 'event.body.out = event.body.n * 2; return event' },
      filters: { data: [{ path: 'body.out', type: 'number', value: ['84'] }] },
    });
    const ds = decide(s, parseJsonLossless('{"body":{"n":42}}'));
    assert.deepEqual(
      ds.map((d) => d.type),
      ['matched', 'triggered'],
      JSON.stringify(ds),
    );
    const trig = ds[1];
    assert.ok(trig.type === 'triggered');
    assert.match(JSON.stringify(trig.plan), /"data":\{"body":\{"n":42,"out":84\}\}/, 'the trigger gets the transformed event');
  });
  void test('a transform that does not return a table filters the event out', () => {
    const d = decide(sensor({ transform: { script: 'return 1' } }), { body: {} })[0];
    assert.equal(d.type, 'filtered-out');
    assert.match('reason' in d ? String(d.reason) : '', /not of lua table/);
  });
  void test('no host access: io, os.execute, require, load, debug are gone', () => {
    for (const probe of [
      'return io == nil',
      'return os.execute == nil',
      'return require == nil',
      'return load == nil',
      'return debug == nil',
      'return dofile == nil',
    ]) {
      assert.deepEqual(runLua(probe, {}), { ok: true, value: true }, probe);
    }
    assert.equal(runLua('return type(os.time())', {}).ok, true);
  });
  void test('an endless loop hits the deadline; a memory hog hits the cap; state does not leak between runs', () => {
    const loop = runLua('while true do end', {});
    assert.equal(loop.ok, false);
    assert.match(loop.ok ? '' : loop.error, /ran longer than/);
    const hog = runLua('local s = string.rep("x", 64 * 1024 * 1024) return #s', {});
    assert.equal(hog.ok, false);
    assert.match(hog.ok ? '' : hog.error, /not enough memory/);
    runLua('leak = 1 return true', {});
    assert.deepEqual(runLua('return leak == nil', {}), { ok: true, value: true });
  });
  void test('jq transforms (real jq in a bounded worker): first output as the new data; loops are stopped', async () => {
    await loadJq();
    const s = sensor({
      transform: { jq: '.body.message *= 2' },
      filters: { data: [{ path: 'body.message', type: 'string', value: ['^hihi$'] }] },
    });
    await prepareSensor(s);
    const ds = decide(s, parseJsonLossless('{"body":{"message":"hi","id":12345678901234567890}}'));
    assert.deepEqual(
      ds.map((d) => d.type),
      ['matched', 'triggered'],
      JSON.stringify(ds),
    );
    assert.match(JSON.stringify(ds[1]), /"id":12345678901234567890/);
    const notObject = decide(sensor({ transform: { jq: '.body.message' } }), { body: { message: 'x' } })[0];
    assert.match('reason' in notObject ? String(notObject.reason) : '', /must be a JSON object/);
    const loop = runJq('def f: f; f', {});
    assert.equal(loop.ok, false);
    assert.match(loop.ok ? '' : loop.error, /ran longer than/);
    await loadJq();
    assert.deepEqual(runJq('{a: .x}', { x: 1 }), { ok: true, value: { a: 1 } }, 'a fresh worker after the stopped one');
  });
});
