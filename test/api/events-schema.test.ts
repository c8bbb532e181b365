// Checks the Argo Events schemas (EventSource, Sensor, EventBus) against test/fixtures/argo-events: every fixture
// document validates with no errors and no unknown fields, passes the semantic lint, the fixtures together use
// every field the schemas define, and typical mistakes are reported at the right path.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TSchema } from '@sinclair/typebox';
import { repoPath } from '../helpers/paths.js';
import { validateAgainst } from '../../src/api/validate.js';
import { formatPath } from '../../src/api/findings.js';
import { allFields, usedFields, loadFixtureDocs, showFindings } from '../helpers/schema-coverage.js';
import type { FixtureDoc } from '../helpers/schema-coverage.js';
import { EventSourceSchema, EVENT_SOURCE_KINDS } from '../../src/api/eventsource.js';
import { SensorSchema } from '../../src/api/sensor.js';
import { TRIGGER_KINDS } from '../../src/api/sensor-triggers.js';
import { EventBusSchema } from '../../src/api/eventbus.js';
import { lintEventSource, lintSensor } from '../../src/api/lint-events.js';

const schemasByKind: Record<string, TSchema> = {
  EventSource: EventSourceSchema,
  Sensor: SensorSchema,
  EventBus: EventBusSchema,
};

const fixtureDir = repoPath('test', 'fixtures', 'argo-events');

type Doc = FixtureDoc;
const loadFixtures = (): Doc[] => loadFixtureDocs(fixtureDir);
const show = showFindings;

// ---- coverage: a field is its name plus its own schema, so a shape reused in many places counts once --------
void describe('Argo Events schemas: fixtures', () => {
  const docs = loadFixtures();

  void test('fixtures include every resource kind, every event source kind and every trigger kind', () => {
    assert.deepEqual([...new Set(docs.map((d) => d.kind))].sort(), Object.keys(schemasByKind).sort());
    const sourceKinds = new Set<string>();
    const triggerKinds = new Set<string>();
    for (const d of docs) {
      const spec = d.value.spec as Record<string, unknown>;
      if (d.kind === 'EventSource') for (const k of EVENT_SOURCE_KINDS) if (spec[k] !== undefined) sourceKinds.add(k);
      if (d.kind === 'Sensor') {
        for (const t of spec.triggers as Record<string, Record<string, unknown>>[]) {
          for (const k of TRIGGER_KINDS) if (t.template[k] !== undefined) triggerKinds.add(k);
        }
      }
    }
    assert.deepEqual([...sourceKinds].sort(), [...EVENT_SOURCE_KINDS].sort());
    assert.deepEqual([...triggerKinds].sort(), [...TRIGGER_KINDS].sort());
  });

  for (const doc of docs) {
    void test(`${doc.file}#${doc.index} (${doc.kind}) validates with no errors and no unknown fields`, () => {
      const problems = validateAgainst(schemasByKind[doc.kind], doc.value).filter(
        (f) => f.severity === 'error' || f.rule === 'unknown-field',
      );
      assert.equal(problems.length, 0, show(problems, doc.loaded));
    });
    if (doc.kind !== 'EventBus') {
      void test(`${doc.file}#${doc.index} (${doc.kind}) passes the semantic lint`, () => {
        // Trigger kinds Weir does not run are a deliberate warning (the fixtures cover every Argo kind).
        const findings = (doc.kind === 'Sensor' ? lintSensor(doc.value) : lintEventSource(doc.value)).filter(
          (f) => f.rule !== 'trigger-unsupported',
        );
        assert.deepEqual(findings, [], show(findings, doc.loaded));
      });
    }
  }

  void test('the fixtures together use every field the schemas define', () => {
    const defined = new Set<string>();
    const used = new Set<string>();
    for (const schema of Object.values(schemasByKind)) allFields(schema, defined);
    for (const doc of docs) usedFields(schemasByKind[doc.kind], doc.value, used);
    const serverSet = [
      'uid',
      'resourceVersion',
      'generation',
      'creationTimestamp',
      'deletionTimestamp',
      'deletionGracePeriodSeconds',
      'finalizers',
      'ownerReferences',
      'managedFields',
    ];
    const missing = [...defined].filter((f) => !used.has(f) && !serverSet.includes(f.split('|')[0]));
    assert.deepEqual(
      missing.map((f) => f.slice(0, 160)),
      [],
    );
  });
});

const eventSource = (spec: Record<string, unknown>): Record<string, unknown> => ({
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'EventSource',
  metadata: { name: 'es' },
  spec,
});
const sensor = (spec: Record<string, unknown>): Record<string, unknown> => ({
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'Sensor',
  metadata: { name: 's' },
  spec,
});
const errorPaths = (schema: TSchema, value: unknown): string[] =>
  validateAgainst(schema, value)
    .filter((f) => f.severity === 'error')
    .map((f) => formatPath(f.path))
    .sort();

void describe('Argo Events schemas: mistakes are reported', () => {
  void test('wrong types inside an event source are errors at the exact path', () => {
    const es = eventSource({
      webhook: { hook: { endpoint: '/x', port: '12000', maxPayloadSize: 'big', metadata: { a: { nested: true } } } },
      calendar: { tick: { interval: '10s', exclusionDates: '2025-01-01' } },
    });
    assert.deepEqual(errorPaths(EventSourceSchema, es), [
      'spec.calendar.tick.exclusionDates',
      'spec.webhook.hook.maxPayloadSize',
      'spec.webhook.hook.metadata.a',
    ]);
  });

  void test('a port or partition written as a YAML number is accepted (Argo reads them as strings)', () => {
    const es = eventSource({
      webhook: { hook: { endpoint: '/x', port: 12000, method: 'POST' } },
      kafka: { k: { url: 'b:9092', topic: 't', partition: 0, version: 2.8 } },
    });
    assert.deepEqual(validateAgainst(EventSourceSchema, es), []);
  });

  void test('a misspelled event source kind is an unknown-field warning with a suggestion', () => {
    const findings = validateAgainst(EventSourceSchema, eventSource({ webhok: { hook: { endpoint: '/x', port: '1' } } }));
    assert.equal(findings.length, 1, show(findings));
    assert.equal(findings[0].severity, 'warning');
    assert.equal(findings[0].rule, 'unknown-field');
    assert.match(findings[0].message, /did you mean "webhook"/);
  });

  void test('Weir extensions are typed: hmac algorithm, s3 polling, jetstreamExotic stream settings', () => {
    const es = eventSource({
      webhook: { hook: { endpoint: '/x', port: '1', hmac: { secret: { name: 's' }, algorithm: 'md5' } } },
      s3: { b: { bucket: { name: 'b' }, pollIntervalSeconds: '10', forcePathStyle: 'yes' } },
    });
    assert.deepEqual(errorPaths(EventSourceSchema, es), [
      'spec.s3.b.forcePathStyle',
      'spec.s3.b.pollIntervalSeconds',
      'spec.webhook.hook.hmac.algorithm',
      'spec.webhook.hook.hmac.secret.key',
    ]);
    const bus = {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'EventBus',
      metadata: { name: 'b' },
      spec: { jetstreamExotic: { url: 'nats://x', maxAge: '1h', maxMsgs: '10', maxBytes: '1Gi', discard: 'newest' } },
    };
    assert.deepEqual(errorPaths(EventBusSchema, bus), ['spec.jetstreamExotic.discard', 'spec.jetstreamExotic.maxMsgs']);
  });

  void test('dependencies, trigger names and parameter dest/dependencyName are required', () => {
    const s = sensor({
      dependencies: [{ name: 'a', eventSourceName: 'es' }],
      triggers: [{ template: { log: {} }, parameters: [{ src: { dataKey: 'x' } }] }],
    });
    assert.deepEqual(errorPaths(SensorSchema, s), [
      'spec.dependencies[0].eventName',
      'spec.triggers[0].parameters[0].dest',
      'spec.triggers[0].parameters[0].src.dependencyName',
      'spec.triggers[0].template.name',
    ]);
  });

  void test('enums: k8s operation, parameter operation, rate limit unit and logical operators', () => {
    const s = sensor({
      dependencies: [{ name: 'a', eventSourceName: 'es', eventName: 'e', filtersLogicalOperator: 'xor' }],
      triggers: [
        {
          template: { name: 't', k8s: { operation: 'apply', source: { inline: 'x' } } },
          parameters: [{ src: { dependencyName: 'a' }, dest: 'x', operation: 'replace' }],
          rateLimit: { unit: 'Day', requestsPerUnit: 1 },
        },
      ],
    });
    assert.deepEqual(errorPaths(SensorSchema, s), [
      'spec.dependencies[0].filtersLogicalOperator',
      'spec.triggers[0].parameters[0].operation',
      'spec.triggers[0].rateLimit.unit',
      'spec.triggers[0].template.k8s.operation',
    ]);
  });

  void test('dlqTrigger is checked as a full trigger (recursive reference)', () => {
    const s = sensor({
      dependencies: [{ name: 'a', eventSourceName: 'es', eventName: 'e' }],
      triggers: [{ template: { name: 't', log: {} }, atLeastOnce: true, dlqTrigger: { template: { log: { intervalSeconds: 'often' } } } }],
    });
    assert.deepEqual(errorPaths(SensorSchema, s), [
      'spec.triggers[0].dlqTrigger.template.log.intervalSeconds',
      'spec.triggers[0].dlqTrigger.template.name',
    ]);
  });

  void test('durations and backoff factors accept the forms Argo accepts', () => {
    const s = sensor({
      dependencies: [{ name: 'a', eventSourceName: 'es', eventName: 'e' }],
      triggers: [
        { template: { name: 't', log: {} }, retryStrategy: { duration: 1000000000, factor: '1.5', jitter: 0.2, steps: 2 } },
        { template: { name: 'u', log: {} }, retryStrategy: { duration: '5s', factor: 2 } },
      ],
    });
    assert.deepEqual(validateAgainst(SensorSchema, s), []);
  });
});
