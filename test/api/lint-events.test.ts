// Tables of good and bad EventSource/Sensor specs for the Argo Events semantic lint, plus the trigger
// conditions parser/evaluator that the sensor host reuses.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { lintEventSource, lintSensor } from '../../src/api/lint-events.js';
import { evaluateConditions, parseConditions, conditionNames } from '../../src/api/sensor-conditions.js';
import { formatPath } from '../../src/api/findings.js';
import type { Finding } from '../../src/api/findings.js';
import { WeirError } from '../../src/core/errors.js';

type Expect = [severity: 'error' | 'warning' | 'info', path: string, message: RegExp];
interface Case {
  name: string;
  spec: Record<string, unknown>;
  expect: Expect[];
}

const es = (spec: Record<string, unknown>) => ({ apiVersion: 'argoproj.io/v1alpha1', kind: 'EventSource', metadata: { name: 'x' }, spec });
const sensor = (spec: Record<string, unknown>) => ({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Sensor', metadata: { name: 'x' }, spec });
const show = (fs: Finding[]): string => fs.map((f) => `${f.severity} ${formatPath(f.path)}: ${f.message}`).join('\n');

function check(findings: Finding[], expect: Expect[]): void {
  assert.equal(findings.length, expect.length, show(findings));
  const sorted = [...findings].sort((a, b) => formatPath(a.path).localeCompare(formatPath(b.path)));
  const wanted = [...expect].sort((a, b) => a[1].localeCompare(b[1]));
  sorted.forEach((f, i) => {
    const [severity, path, message] = wanted[i];
    assert.equal(formatPath(f.path), path, show(findings));
    assert.equal(f.severity, severity, show(findings));
    assert.match(f.message, message);
  });
}

const hook = (extra: Record<string, unknown> = {}) => ({ endpoint: '/in', port: '12000', method: 'POST', ...extra });

const eventSourceCases: Case[] = [
  { name: 'a complete webhook is clean', spec: { webhook: { a: hook() } }, expect: [] },
  { name: 'no event source kind at all', spec: { eventBusName: 'default' }, expect: [['error', 'spec', /no event source configured/]] },
  { name: 'an empty kind map counts as none', spec: { webhook: {} }, expect: [['error', 'spec', /no event source configured/]] },
  {
    name: 'webhook endpoint, port and method problems',
    spec: { webhook: { a: { endpoint: 'in', port: '99999', method: 'post' }, b: { port: 'http' }, c: { endpoint: '/c', port: 80 } } },
    expect: [
      ['error', 'spec.webhook.a.endpoint', /must start with "\/"/],
      ['error', 'spec.webhook.a.port', /1 to 65535/],
      ['error', 'spec.webhook.a.method', /case-sensitive: use "POST"/],
      ['error', 'spec.webhook.b.endpoint', /endpoint is required/],
      ['error', 'spec.webhook.b.port', /1 to 65535, got "http"/],
      ['warning', 'spec.webhook.b.method', /method is not set/],
      ['warning', 'spec.webhook.c.method', /method is not set/],
    ],
  },
  {
    name: 'webhook missing port, bad method, bad payload size, empty hmac header',
    spec: { webhook: { a: { endpoint: '/a', method: 'FETCH', maxPayloadSize: 0, hmac: { secret: { key: 'k' }, header: ' ' } } } },
    expect: [
      ['error', 'spec.webhook.a.port', /port is required/],
      ['error', 'spec.webhook.a.method', /not an HTTP method \(one of GET/],
      ['error', 'spec.webhook.a.maxPayloadSize', /positive/],
      ['error', 'spec.webhook.a.hmac.header', /hmac.header/],
    ],
  },
  {
    name: 'webhook contexts nested in other kinds are checked, method optional there',
    spec: { github: { gh: { webhook: { endpoint: 'gh', port: '1' } } }, slack: { s: { webhook: { endpoint: '/s', port: '2' } } } },
    expect: [['error', 'spec.github.gh.webhook.endpoint', /must start with/]],
  },
  {
    name: 'calendar forms that are fine',
    spec: {
      calendar: {
        a: { schedule: '*/5 * * * *' },
        b: { schedule: '@daily', timezone: 'America/New_York' },
        c: { schedule: '@every 10s' },
        d: { interval: '1m30s' },
        e: { schedule: 'CRON_TZ=Asia/Tokyo 0 9 * * MON-FRI' },
        f: { interval: '10s', timezone: 'Local' },
        g: {
          schedule: '0 0 1 1 *',
          exclusionDates: ['2025-01-01T00:00:00Z'],
          persistence: { catchup: { enabled: true, maxDuration: '1h' } },
        },
      },
    },
    expect: [],
  },
  {
    name: 'calendar needs exactly one of schedule/interval',
    spec: {
      calendar: { none: { timezone: 'UTC' }, both: { schedule: '@hourly', interval: '1h' }, blank: { schedule: '', interval: ' ' } },
    },
    expect: [
      ['error', 'spec.calendar.none', /exactly one of schedule/],
      ['warning', 'spec.calendar.both.interval', /schedule wins/],
      ['error', 'spec.calendar.blank', /exactly one of schedule/],
    ],
  },
  {
    name: 'calendar schedule, interval, timezone and date errors',
    spec: {
      calendar: {
        a: { schedule: '61 * * * *' },
        b: { schedule: '0 0 * *' },
        c: { schedule: '@fortnightly' },
        d: { interval: 'ten' },
        e: { interval: '0s' },
        f: { schedule: '@hourly', timezone: 'Mars/Olympus' },
        g: { interval: '1h', exclusionDates: ['someday'] },
        h: { interval: '1h', persistence: { catchup: { maxDuration: 'a while' } } },
      },
    },
    expect: [
      ['error', 'spec.calendar.a.schedule', /minute/],
      ['error', 'spec.calendar.b.schedule', /4 fields; expected 5/],
      ['error', 'spec.calendar.c.schedule', /unknown schedule descriptor/],
      ['error', 'spec.calendar.d.interval', /invalid duration "ten"/],
      ['error', 'spec.calendar.e.interval', /greater than zero/],
      ['error', 'spec.calendar.f.timezone', /unknown time zone "Mars\/Olympus"/],
      ['error', 'spec.calendar.g.exclusionDates[0]', /not a date/],
      ['error', 'spec.calendar.h.persistence.catchup.maxDuration', /invalid duration/],
    ],
  },
  {
    name: 's3 and minio: bucket name and event names',
    spec: {
      s3: {
        a: { bucket: { name: 'b' }, events: ['s3:ObjectCreated:*', 's3:ObjectRemoved:Delete'] },
        b: { bucket: { key: 'k' }, pollIntervalSeconds: 0 },
      },
      minio: { c: { events: ['ObjectCreated', 's3:ObjectExploded:Now'], bucket: { name: 'c' } } },
    },
    expect: [
      ['error', 'spec.s3.b.bucket.name', /bucket.name is required/],
      ['error', 'spec.s3.b.pollIntervalSeconds', /at least 1/],
      ['error', 'spec.minio.c.events[0]', /not an S3 event name/],
      ['warning', 'spec.minio.c.events[1]', /not a known S3 event name/],
    ],
  },
  {
    name: 'kafka: url/topic required, numeric partition, valid config YAML',
    spec: {
      kafka: {
        ok: { url: 'b:9092', topic: 't', partition: '3', config: 'consumer:\n  fetch:\n    min: 1\n' },
        num: { url: 'b:9092', topic: 't', partition: 0 },
        bad: { partition: 'first', limitEventsPerSecond: -1, consumerGroup: { oldest: true }, config: 'a: [1, 2' },
      },
    },
    expect: [
      ['error', 'spec.kafka.bad.url', /url is required/],
      ['error', 'spec.kafka.bad.topic', /topic is required/],
      ['error', 'spec.kafka.bad.partition', /non-negative integer, got "first"/],
      ['error', 'spec.kafka.bad.limitEventsPerSecond', /negative/],
      ['warning', 'spec.kafka.bad.consumerGroup.groupName', /groupName/],
      ['error', 'spec.kafka.bad.config', /not valid YAML/],
    ],
  },
  {
    name: 'the same event name under two kinds is a warning',
    spec: { webhook: { push: hook() }, calendar: { push: { interval: '1m' } } },
    expect: [['warning', 'spec.webhook.push', /also used under calendar/]],
  },
];

void describe('lintEventSource', () => {
  for (const c of eventSourceCases) void test(c.name, () => check(lintEventSource(es(c.spec)), c.expect));
  void test('documents without a spec map produce no findings (the schema reports them)', () => {
    assert.deepEqual(lintEventSource({ kind: 'EventSource' }), []);
    assert.deepEqual(lintEventSource('nonsense'), []);
    assert.deepEqual(lintEventSource(null), []);
  });
});

const dep = (name: string, extra: Record<string, unknown> = {}) => ({ name, eventSourceName: 'es', eventName: name, ...extra });
const logTrigger = (name: string, extra: Record<string, unknown> = {}) => ({ template: { name, log: {}, ...extra } });

const sensorCases: Case[] = [
  {
    name: 'a placeholder dependency that trigger-level parameters overwrite is a note (upstream 02-parameterization/sensor-05)',
    spec: {
      dependencies: [dep('test-dep')],
      triggers: [
        {
          template: {
            name: 't',
            argoWorkflow: {
              operation: 'submit',
              source: { resource: {} },
              parameters: [{ src: { dependencyName: 'THIS_WILL_BE_REPLACED', dataKey: 'x' }, dest: 'x' }],
            },
          },
          parameters: [
            { src: { dependencyName: 'test-dep', dataKey: 'body.dependencyName' }, dest: 'argoWorkflow.parameters.0.src.dependencyName' },
          ],
        },
        {
          template: {
            name: 'u',
            argoWorkflow: {
              operation: 'submit',
              source: { resource: {} },
              parameters: [{ src: { dependencyName: 'typo', dataKey: 'x' }, dest: 'x' }],
            },
          },
        },
      ],
    },
    expect: [
      ['info', 'spec.triggers[0].template.argoWorkflow.parameters[0].src.dependencyName', /placeholder: trigger-level parameters set it/],
      ['error', 'spec.triggers[1].template.argoWorkflow.parameters[0].src.dependencyName', /unknown dependency "typo"/],
    ],
  },
  {
    name: 'exprs filters are govaluate: =~ and in (...) are clean, a syntax error is reported',
    spec: {
      dependencies: [
        {
          ...dep('a'),
          filters: {
            exprs: [
              { expr: 'action =~ "start"', fields: [{ name: 'action', path: 'body.action' }] },
              { expr: 'action in ("start","stop")', fields: [{ name: 'action', path: 'body.action' }] },
              { expr: 'action ==', fields: [{ name: 'action', path: 'body.action' }] },
            ],
          },
        },
      ],
      triggers: [logTrigger('t')],
    },
    expect: [['error', 'spec.dependencies[0].filters.exprs[2].expr', /Unexpected end of expression/]],
  },
  {
    name: 'a sensor with conditions over declared dependencies is clean',
    spec: { dependencies: [dep('a'), dep('b-1'), dep('c.d')], triggers: [logTrigger('t', { conditions: 'a && (b-1 || !c.d)' })] },
    expect: [],
  },
  {
    name: 'empty dependency and trigger lists',
    spec: { dependencies: [], triggers: [] },
    expect: [
      ['error', 'spec.dependencies', /at least one dependency/],
      ['error', 'spec.triggers', /at least one trigger/],
    ],
  },
  {
    name: 'duplicate dependency and trigger names',
    spec: { dependencies: [dep('a'), dep('a')], triggers: [logTrigger('t'), logTrigger('t')] },
    expect: [
      ['error', 'spec.dependencies[1].name', /"a" is used more than once/],
      ['warning', 'spec.triggers[1].template.name', /"t" is used more than once/],
    ],
  },
  {
    name: 'conditions naming undeclared dependencies, and syntax errors',
    spec: {
      dependencies: [dep('a')],
      triggers: [
        logTrigger('t1', { conditions: 'a || ghost' }),
        logTrigger('t2', { conditions: 'a &&' }),
        logTrigger('t3', { conditions: 'a & b' }),
        logTrigger('t4', { conditions: '(a' }),
      ],
    },
    expect: [
      ['error', 'spec.triggers[0].template.conditions', /unknown dependency "ghost" \(declared: a\)/],
      ['error', 'spec.triggers[1].template.conditions', /expected a dependency name.*end of expression/],
      ['error', 'spec.triggers[2].template.conditions', /expected "&&" at position 3/],
      ['error', 'spec.triggers[3].template.conditions', /expected "\)"/],
    ],
  },
  {
    name: 'parameters must name declared dependencies (template kinds, payloads, dynamic headers, trigger level, dlq)',
    spec: {
      dependencies: [dep('a')],
      triggers: [
        {
          template: {
            name: 't',
            http: {
              url: 'http://x',
              payload: [{ src: { dependencyName: 'b' }, dest: 'p' }],
              parameters: [{ src: { dependencyName: 'a' }, dest: 'ok' }],
              dynamicHeaders: [{ src: { dependencyName: 'c' }, dest: 'H' }],
            },
          },
          parameters: [{ src: { dependencyName: 'd' }, dest: 'x' }],
          atLeastOnce: true,
          dlqTrigger: { template: { name: 'dlq', log: {} }, parameters: [{ src: { dependencyName: 'e' }, dest: 'x' }] },
        },
      ],
    },
    expect: [
      ['error', 'spec.triggers[0].template.http.payload[0].src.dependencyName', /unknown dependency "b"/],
      ['error', 'spec.triggers[0].template.http.dynamicHeaders[0].src.dependencyName', /unknown dependency "c"/],
      ['error', 'spec.triggers[0].parameters[0].src.dependencyName', /unknown dependency "d"/],
      ['error', 'spec.triggers[0].dlqTrigger.parameters[0].src.dependencyName', /unknown dependency "e"/],
    ],
  },
  {
    name: 'conditionsReset cron and timezone',
    spec: {
      dependencies: [dep('a')],
      triggers: [
        logTrigger('t', {
          conditionsReset: [
            { byTime: { cron: '0 0 * * *', timezone: 'UTC' } },
            { byTime: { cron: 'midnight' } },
            { byTime: { timezone: 'Nowhere/City', cron: '@daily' } },
            { byTime: {} },
          ],
        }),
      ],
    },
    expect: [
      ['error', 'spec.triggers[0].template.conditionsReset[1].byTime.cron', /1 fields; expected 5/],
      ['error', 'spec.triggers[0].template.conditionsReset[2].byTime.timezone', /unknown time zone/],
      ['error', 'spec.triggers[0].template.conditionsReset[3].byTime.cron', /required/],
    ],
  },
  {
    name: 'data filter type, value and comparator',
    spec: {
      dependencies: [
        dep('a', {
          filters: {
            data: [
              { path: 'x', type: 'number', value: ['1', '2.5'], comparator: '>=' },
              { path: 'x', type: 'int', value: ['1'] },
              { path: 'x', type: 'number', value: ['ten'], comparator: '=>' },
              { path: 'x', type: 'bool', value: ['yes'] },
              { path: 'x', value: [] },
              { path: 'x', type: 'string', value: ['(unclosed'], comparator: '' },
            ],
          },
        }),
      ],
      triggers: [logTrigger('t')],
    },
    expect: [
      ['error', 'spec.dependencies[0].filters.data[1].type', /one of string, number, bool, got "int"/],
      ['error', 'spec.dependencies[0].filters.data[2].value[0]', /not a number/],
      ['error', 'spec.dependencies[0].filters.data[2].comparator', /got "=>"/],
      ['error', 'spec.dependencies[0].filters.data[3].value[0]', /not a boolean/],
      ['error', 'spec.dependencies[0].filters.data[4].type', /type is required/],
      ['error', 'spec.dependencies[0].filters.data[4].value', /at least one entry/],
      ['error', 'spec.dependencies[0].filters.data[5].value[0]', /regular expression/],
    ],
  },
  {
    name: 'time filter bounds are HH:MM:SS',
    spec: {
      dependencies: [
        dep('a', { filters: { time: { start: '9:00:00', stop: '24:00:00' } } }),
        dep('b', { filters: { time: { start: '08:00', stop: '17:00:00' } } }),
      ],
      triggers: [logTrigger('t')],
    },
    expect: [
      ['error', 'spec.dependencies[0].filters.time.stop', /HH:MM:SS, got "24:00:00"/],
      ['error', 'spec.dependencies[1].filters.time.start', /HH:MM:SS, got "08:00"/],
    ],
  },
  {
    name: 'time filter window may name its time zone',
    spec: {
      dependencies: [
        dep('a', { filters: { time: { start: '08:30:00', stop: '18:00:00', timezone: 'Asia/Kolkata' } } }),
        dep('b', { filters: { time: { start: '08:30:00', stop: '18:00:00', timezone: 'Atlantis/Central' } } }),
      ],
      triggers: [logTrigger('t')],
    },
    expect: [['error', 'spec.dependencies[1].filters.time.timezone', /unknown time zone "Atlantis\/Central"/]],
  },
  {
    name: 'argoWorkflow operation and source, k8s source, http url',
    spec: {
      dependencies: [dep('a')],
      triggers: [
        { template: { name: 'w1', argoWorkflow: { operation: 'submit-from', source: { inline: 'x' } } } },
        { template: { name: 'w2', argoWorkflow: { operation: 'launch' } } },
        { template: { name: 'k', k8s: { operation: 'create' } } },
        { template: { name: 'h', http: { method: 'POST' } } },
      ],
    },
    expect: [
      ['error', 'spec.triggers[1].template.argoWorkflow.operation', /one of submit, submit-from.*got "launch"/],
      ['error', 'spec.triggers[1].template.argoWorkflow.source', /required/],
      ['error', 'spec.triggers[2].template.k8s.source', /required/],
      ['error', 'spec.triggers[3].template.http.url', /required/],
    ],
  },
  {
    name: 'trigger without an action, with two actions, durations, dlq without atLeastOnce',
    spec: {
      dependencies: [dep('a')],
      triggers: [
        { template: { name: 'none' } },
        { template: { name: 'two', log: {}, http: { url: 'http://x' } } },
        { ...logTrigger('r'), retryStrategy: { duration: 'soon', steps: 2 }, policy: { k8s: { backoff: { duration: 1000 } } } },
        { ...logTrigger('d'), policy: { k8s: { backoff: { duration: '1 s' } } }, dlqTrigger: logTrigger('dd') },
      ],
    },
    expect: [
      ['warning', 'spec.triggers[0].template', /no action/],
      ['warning', 'spec.triggers[1].template', /several actions \(log, http\)|several actions \(http, log\)/],
      ['error', 'spec.triggers[2].retryStrategy.duration', /invalid duration "soon"/],
      ['error', 'spec.triggers[3].policy.k8s.backoff.duration', /invalid duration/],
      ['warning', 'spec.triggers[3].dlqTrigger', /atLeastOnce/],
    ],
  },
];

void describe('lintSensor', () => {
  for (const c of sensorCases) void test(c.name, () => check(lintSensor(sensor(c.spec)), c.expect));
  void test('documents without a spec map produce no findings', () => {
    assert.deepEqual(lintSensor({}), []);
    assert.deepEqual(lintSensor(undefined), []);
  });
});

void describe('parseConditions / evaluateConditions', () => {
  const truth =
    (names: string[]) =>
    (n: string): boolean =>
      names.includes(n);
  const table: [expr: string, satisfied: string[], expected: boolean][] = [
    ['a', ['a'], true],
    ['a', [], false],
    ['a && b', ['a'], false],
    ['a && b', ['a', 'b'], true],
    ['a || b', ['b'], true],
    ['a || b && c', ['a'], true], // && binds tighter than ||
    ['(a || b) && c', ['a'], false],
    ['(a || b) && c', ['b', 'c'], true],
    ['!a', [], true],
    ['!!a', ['a'], true],
    ['!(a && b)', ['a', 'b'], false],
    ['dep-01 && dep_02 || x.y', ['x.y'], true],
    ['  a&&b  ', ['a', 'b'], true],
  ];
  for (const [expr, sat, want] of table) {
    void test(`${JSON.stringify(expr)} with {${sat.join(',')}} is ${want}`, () => {
      assert.equal(evaluateConditions(parseConditions(expr), truth(sat)), want);
    });
  }

  void test('conditionNames lists each name once in order of appearance', () => {
    assert.deepEqual(
      conditionNames(parseConditions('b && (a || b) && !c')).map((n) => n.name),
      ['b', 'a', 'c'],
    );
  });

  const errors: [expr: string, message: RegExp][] = [
    ['', /empty expression/],
    ['a &&', /end of expression/],
    ['a b', /unexpected name "b" at position 3/],
    ['(a || b', /expected "\)"/],
    ['a)', /unexpected "\)"/],
    ['a | b', /expected "\|\|" at position 3/],
    ['a == b', /unexpected character "="/],
    ['&& a', /found "&&"/],
  ];
  for (const [expr, message] of errors) {
    void test(`${JSON.stringify(expr)} is a syntax error`, () => {
      assert.throws(
        () => parseConditions(expr),
        (e: unknown) => {
          assert.ok(e instanceof WeirError);
          assert.equal(e.code, 'EXPRESSION_ERROR');
          assert.match(e.message, message);
          return true;
        },
      );
    });
  }
});
