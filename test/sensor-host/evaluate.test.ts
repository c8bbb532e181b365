// Tests of the pure sensor evaluation: dependency matching, filters as decisions, conditions over partial state
// (Argo Events semantics), firing clears state, de-duplication of redeliveries, conditionsReset by cron with an
// injected time, and the planned Workflow (deterministic name, lineage labels, resolved parameters).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import type { Sensor } from '../../src/api/sensor.js';
import { makeCloudEvent } from '../../src/core/cloudevent.js';
import type { CloudEvent } from '../../src/core/cloudevent.js';
import { emptySensorState } from '../../src/sensor-host/decisions.js';
import type { Decision, SensorState } from '../../src/sensor-host/decisions.js';
import { evaluate, prepareSensor } from '../../src/sensor-host/evaluate.js';
import { firingKey, labelValue } from '../../src/sensor-host/lineage.js';

export function sensorFrom(yaml: string): Sensor {
  return parse(yaml) as Sensor;
}

const SENSOR = `
apiVersion: argoproj.io/v1alpha1
kind: Sensor
metadata: { name: pair, namespace: demo }
spec:
  dependencies:
    - { name: a, eventSourceName: src, eventName: a }
    - name: b
      eventSourceName: src
      eventName: b
      filters:
        data:
          - { path: body.ok, type: bool, value: ["true"] }
  triggers:
    - template:
        name: both
        conditions: "a && b"
        conditionsReset:
          - byTime: { cron: "0 11 * * *" }
        argoWorkflow:
          source:
            resource:
              apiVersion: argoproj.io/v1alpha1
              kind: Workflow
              metadata: { generateName: pair- }
              spec:
                entrypoint: main
                arguments: { parameters: [{ name: who }, { name: n }] }
                templates: [{ name: main, container: { image: alpine, command: [echo, "{{workflow.parameters.who}}"] } }]
          parameters:
            - { src: { dependencyName: a, dataKey: body.who }, dest: spec.arguments.parameters.0.value }
            - { src: { dependencyName: b, dataTemplate: "{{ .Input.body.n | printf \\"%v\\" }}" }, dest: spec.arguments.parameters.1.value }
    - template:
        name: any
        conditions: "a || b"
        log: {}
`;

let seq = 0;
export const ce = (subject: string, data: unknown, id = `ev-${++seq}`): CloudEvent =>
  makeCloudEvent({ id, source: 'src', subject, type: 'webhook', time: '2024-05-01T10:00:00Z', data });

function run(
  sensor: Sensor,
  events: CloudEvent[],
  at = '2024-05-01T10:00:00Z',
  state: SensorState = emptySensorState(),
): { decisions: Decision[][]; state: SensorState } {
  const decisions: Decision[][] = [];
  for (const e of events) {
    const r = evaluate(sensor, e, state, { now: new Date(at) });
    decisions.push(r.decisions);
    state = r.state;
  }
  return { decisions, state };
}

const types = (ds: Decision[]): string[] =>
  ds.map((d) => `${d.type}${'trigger' in d ? `:${d.trigger}` : 'dependency' in d ? `:${d.dependency}` : ''}`);

describe('evaluate', () => {
  const sensor = sensorFrom(SENSOR);

  test('a then b: waiting, then triggered with both events; state cleared; the OR trigger fires on each', () => {
    const a = ce('a', { body: { who: 'ann' } });
    const b = ce('b', { body: { ok: true, n: 3 } });
    const { decisions, state } = run(sensor, [a, b]);
    assert.deepEqual(types(decisions[0]), ['matched:a', 'waiting:both', 'triggered:any']);
    assert.deepEqual(types(decisions[1]), ['matched:b', 'triggered:both', 'triggered:any']);
    const w = decisions[0][1] as Extract<Decision, { type: 'waiting' }>;
    assert.deepEqual([w.satisfied, w.waitingFor], [['a'], ['b']]);
    const t = decisions[1][1] as Extract<Decision, { type: 'triggered' }>;
    assert.deepEqual(t.events, { a: a.id, b: b.id });
    assert.equal(t.key, firingKey({ namespace: 'demo', name: 'pair' }, 'both', { a: a.id, b: b.id }));
    const wf = (t.plan.action as { workflow: unknown }).workflow as {
      metadata: Record<string, unknown>;
      spec: { arguments: { parameters: { value?: string }[] } };
    };
    assert.equal(wf.metadata.name, `pair-${t.key}`);
    assert.equal(wf.metadata.namespace, 'demo');
    assert.equal(wf.metadata.generateName, undefined);
    assert.deepEqual(
      wf.spec.arguments.parameters.map((p) => p.value),
      ['ann', '3'],
    );
    assert.equal((wf.metadata.labels as Record<string, string>)['events.weir.dev/sensor'], 'pair');
    assert.equal((wf.metadata.labels as Record<string, string>)['events.weir.dev/trigger'], 'both');
    assert.deepEqual(JSON.parse((wf.metadata.annotations as Record<string, string>)['events.weir.dev/events']), { a: a.id, b: b.id });
    assert.deepEqual(state.triggers.both.deps, {});
    assert.ok(state.triggers.both.fired.includes(t.key));
  });

  test('the latest event per dependency wins while waiting', () => {
    const a1 = ce('a', { body: { who: 'first' } });
    const a2 = ce('a', { body: { who: 'second' } });
    const b = ce('b', { body: { ok: true, n: 1 } });
    const { decisions } = run(sensor, [a1, a2, b]);
    const t = decisions[2].find((d) => d.type === 'triggered' && d.trigger === 'both') as Extract<Decision, { type: 'triggered' }>;
    assert.deepEqual(t.events, { a: a2.id, b: b.id });
  });

  test('filtered-out events say which filter and why, and do not satisfy the dependency', () => {
    const { decisions, state } = run(sensor, [ce('b', { body: { ok: false } })]);
    const f = decisions[0][0] as Extract<Decision, { type: 'filtered-out' }>;
    assert.equal(f.type, 'filtered-out');
    assert.equal(f.filter, 'data');
    assert.match(f.reason, /body\.ok/);
    assert.equal(decisions[0].length, 1);
    assert.deepEqual(state.triggers.both?.deps ?? {}, {});
  });

  test('events no dependency waits for are ignored', () => {
    const { decisions } = run(sensor, [
      makeCloudEvent({ id: 'x', source: 'other', subject: 'a', type: 't', time: '2024-05-01T10:00:00Z', data: {} }),
    ]);
    assert.deepEqual(types(decisions[0]), ['ignored']);
  });

  test('redeliveries: the completing event again (state not saved) fires with the same key; a consumed event is deduplicated', () => {
    const a = ce('a', { body: { who: 'x' } });
    const b = ce('b', { body: { ok: true, n: 1 } });
    const afterA = run(sensor, [a]).state;
    const first = evaluate(sensor, b, afterA, { now: new Date('2024-05-01T10:00:00Z') });
    const again = evaluate(sensor, b, afterA, { now: new Date('2024-05-01T10:00:05Z') });
    const key = (r: typeof first): string =>
      (r.decisions.find((d) => d.type === 'triggered' && d.trigger === 'both') as { key: string }).key;
    assert.equal(key(first), key(again));
    const redeliveredA = evaluate(sensor, a, first.state, { now: new Date('2024-05-01T10:00:10Z') });
    assert.deepEqual(types(redeliveredA.decisions), ['matched:a', 'deduplicated:both', 'deduplicated:any']);
    assert.deepEqual(redeliveredA.state.triggers.both.deps, {}, 'not saved again');
  });

  test('conditionsReset: partial state older than the last cron tick is dropped', () => {
    const a = ce('a', { body: { who: 'x' } });
    const afterA = run(sensor, [a], '2024-05-01T10:30:00Z').state;
    const beforeTick = evaluate(sensor, ce('b', { body: { ok: true, n: 1 } }), afterA, { now: new Date('2024-05-01T10:59:59Z') });
    assert.ok(beforeTick.decisions.some((d) => d.type === 'triggered' && d.trigger === 'both'));
    const afterTick = evaluate(sensor, ce('b', { body: { ok: true, n: 1 } }), afterA, { now: new Date('2024-05-01T11:00:01Z') });
    assert.deepEqual(types(afterTick.decisions), ['matched:b', 'reset:both', 'waiting:both', 'triggered:any']);
  });

  test('default conditions: every dependency; a plan error is a failed decision, not an exception', () => {
    const s = sensorFrom(`
metadata: { name: s }
spec:
  dependencies: [{ name: a, eventSourceName: src, eventName: a }, { name: b, eventSourceName: src, eventName: b }]
  triggers:
    - template:
        name: t
        http: { url: "not a url" }
`);
    const { decisions } = run(s, [ce('a', {}), ce('b', {})]);
    assert.deepEqual(types(decisions[0]), ['matched:a', 'waiting:t']);
    const f = decisions[1][1] as Extract<Decision, { type: 'failed' }>;
    assert.equal(f.type, 'failed');
    assert.match(f.error, /http\.url/);
  });

  test('trigger parameters apply to the template before the kind plans it; a failing jq transform is reported', async () => {
    const s = sensorFrom(`
metadata: { name: s }
spec:
  dependencies:
    - { name: a, eventSourceName: src, eventName: a }
    - { name: j, eventSourceName: src, eventName: j, transform: { jq: ".x" } }
  triggers:
    - template:
        name: t
        conditions: a || j
        http: { url: "http://127.0.0.1:1/base" }
      parameters:
        - { src: { dependencyName: a, dataKey: path }, dest: http.url, operation: append }
`);
    await prepareSensor(s);
    const { decisions } = run(s, [ce('a', { path: '/more' }), ce('j', {})]);
    const t = decisions[0][1] as Extract<Decision, { type: 'triggered' }>;
    assert.equal((t.plan.action as { url: string }).url, 'http://127.0.0.1:1/base/more');
    assert.deepEqual(types(decisions[1]), ['filtered-out:j']);
    assert.match((decisions[1][0] as { reason: string }).reason, /jq transformation output must be a JSON object/);
  });

  test('label values are valid and stable', () => {
    assert.equal(labelValue('simple-name'), 'simple-name');
    const long = labelValue('x'.repeat(100));
    assert.ok(long.length <= 63 && /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/.test(long));
    assert.equal(long, labelValue('x'.repeat(100)));
    assert.notEqual(labelValue('a b'), labelValue('a_b'));
    assert.match(labelValue('-odd name!'), /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/);
  });
});
