// retryStrategy and rateLimit with an injected clock (no real sleeps), and `weir sensor test` on hand-written
// bare event lines.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NonRetryableError, WeirError } from '../../src/core/errors.js';
import { memoryIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { RateLimiter, backoffDelays, withRetries } from '../../src/sensor-host/policy.js';
import type { PolicyClock } from '../../src/sensor-host/policy.js';

function fakeClock(): PolicyClock & { slept: number[]; t: number } {
  const c = {
    t: 0,
    slept: [] as number[],
    now: () => c.t,
    sleep: (ms: number) => {
      c.slept.push(ms);
      c.t += ms;
      return Promise.resolve();
    },
    random: () => 0.5,
  };
  return c;
}

describe('trigger policies', () => {
  test('backoff: steps attempts, duration × factor, jitter fraction', () => {
    assert.deepEqual(
      backoffDelays({ steps: 4, duration: '1s', factor: 2 }, () => 0),
      [1000, 2000, 4000],
    );
    assert.deepEqual(
      backoffDelays({ steps: 2, duration: 500_000_000, jitter: 0.2 }, () => 0.5),
      [550],
    );
    assert.deepEqual(
      backoffDelays(undefined, () => 0),
      [],
    );
  });
  test('withRetries retries transient errors and stops at non-retryable ones', async () => {
    const clock = fakeClock();
    let n = 0;
    const r = await withRetries({ steps: 3, duration: '1s', factor: 3 }, clock, new AbortController().signal, () =>
      ++n < 3 ? Promise.reject(new WeirError('IO_ERROR', 'flaky')) : Promise.resolve('ok'),
    );
    assert.equal(r, 'ok');
    assert.deepEqual(clock.slept, [1000, 3000]);
    let m = 0;
    await assert.rejects(
      withRetries({ steps: 5 }, clock, new AbortController().signal, () => {
        m++;
        return Promise.reject(new NonRetryableError('INVALID_ARGUMENT', 'no'));
      }),
      /no/,
    );
    assert.equal(m, 1);
  });
  test('rate limit: the third start in one second waits for the window', async () => {
    const clock = fakeClock();
    const rl = new RateLimiter({ unit: 'Second', requestsPerUnit: 2 }, clock);
    const signal = new AbortController().signal;
    await rl.take(signal);
    await rl.take(signal);
    assert.deepEqual(clock.slept, []);
    await rl.take(signal);
    assert.deepEqual(clock.slept, [1000]);
  });
});

describe('weir sensor test', () => {
  test('bare {eventSourceName, eventName, data} lines, text output with the Workflow it would create', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'weir-sensor-cli-'));
    try {
      await writeFile(
        join(dir, 's.yaml'),
        `apiVersion: argoproj.io/v1alpha1
kind: Sensor
metadata: { name: hook }
spec:
  dependencies:
    - name: push
      eventSourceName: github
      eventName: repo
      filters:
        data: [{ path: body.ref, type: string, value: ["^refs/heads/main$"] }]
  triggers:
    - template:
        name: build
        argoWorkflow:
          source:
            resource:
              apiVersion: argoproj.io/v1alpha1
              kind: Workflow
              metadata: { generateName: build- }
              spec: { entrypoint: main, templates: [{ name: main, container: { image: alpine } }] }
          parameters:
            - { src: { dependencyName: push, dataKey: body.after }, dest: metadata.labels.commit }
`,
      );
      await writeFile(
        join(dir, 'e.jsonl'),
        [
          JSON.stringify({ eventSourceName: 'github', eventName: 'repo', data: { body: { ref: 'refs/heads/dev', after: 'aaa' } } }),
          '',
          JSON.stringify({ eventSourceName: 'github', eventName: 'repo', data: { body: { ref: 'refs/heads/main', after: 'bbb' } } }),
        ].join('\n'),
      );
      const io = memoryIo({}, dir);
      assert.equal(await main(['sensor', 'test', 's.yaml', '--events', 'e.jsonl'], io), 0, io.err);
      assert.match(
        io.out,
        /event line-1 \(github\/repo\):\n {2}filtered out of push by data: body\.ref="refs\/heads\/dev" matches none of/,
      );
      assert.match(
        io.out,
        /event line-3 \(github\/repo\):\n {2}matched dependency push\n {2}trigger build: TRIGGERED \(key [0-9a-f]{10}\): submit Workflow default\/build-[0-9a-f]{10}/,
      );
      assert.match(io.out, /"commit": "bbb"/);
      assert.match(io.out, /2 event\(s\), 1 trigger firing\(s\)\n$/);
      const bad = memoryIo({}, dir);
      assert.equal(await main(['sensor', 'test', 's.yaml'], bad), 2);
      assert.match(bad.err, /usage: weir sensor test/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
  test('a k8s trigger creating a kind the store cannot hold fails as the server would; a ConfigMap triggers', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'weir-sensor-cli-'));
    try {
      const trigger = (name: string, kind: string, apiVersion: string) => `    - template:
        name: ${name}
        k8s:
          operation: create
          source:
            resource: { apiVersion: ${apiVersion}, kind: ${kind}, metadata: { generateName: x- }, spec: {} }
`;
      await writeFile(
        join(dir, 's.yaml'),
        `apiVersion: argoproj.io/v1alpha1
kind: Sensor
metadata: { name: k8s }
spec:
  dependencies: [{ name: d, eventSourceName: es, eventName: e }]
  triggers:
${trigger('pod', 'Pod', 'v1')}${trigger('deploy', 'Deployment', 'apps/v1')}${trigger('cm', 'ConfigMap', 'v1')}`,
      );
      await writeFile(join(dir, 'e.jsonl'), JSON.stringify({ eventSourceName: 'es', eventName: 'e', data: {} }));
      const io = memoryIo({}, dir);
      await main(['sensor', 'test', 's.yaml', '--events', 'e.jsonl'], io);
      assert.match(io.out, /trigger pod: FAILED[^\n]*cannot create a Pod \(v1\): the embedded store holds only/, io.out);
      assert.match(io.out, /trigger deploy: FAILED[^\n]*cannot create a Deployment \(apps\/v1\): the embedded store/, io.out);
      assert.match(io.out, /trigger cm: TRIGGERED/, io.out);
      // As `weir server --store kubernetes` would: every kind is planned.
      const kube = memoryIo({}, dir);
      assert.equal(await main(['sensor', 'test', 's.yaml', '--events', 'e.jsonl', '--store', 'kubernetes'], kube), 0);
      assert.match(kube.out, /trigger pod: TRIGGERED[^\n]*create Pod default\/x-/, kube.out);
      assert.match(kube.out, /trigger deploy: TRIGGERED[^\n]*create Deployment default\/x-/, kube.out);
      assert.match(kube.out, /trigger cm: TRIGGERED/, kube.out);
      const bad = memoryIo({}, dir);
      assert.equal(await main(['sensor', 'test', 's.yaml', '--events', 'e.jsonl', '--store', 'etcd'], bad), 2);
      assert.match(bad.err, /unknown --store "etcd"/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
