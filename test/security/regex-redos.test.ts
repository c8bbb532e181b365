// Security (issue 11 item 6): a catastrophic-backtracking regex in a sensor data filter must not freeze the server.
// A spawned `weir server` with a webhook source and a sensor filtering on `^(\w+\s?)*$` gets a stream of bodies built
// to make a backtracking engine run for hours; the webhook answers, /healthz keeps answering meanwhile (its median
// latency within a small factor of a control phase with harmless bodies, measured just before; the absolute figures
// are printed as a test diagnostic), and a matching event still creates its Workflow. Unit tests pin the RE2
// semantics Argo's Go regexps have (linear time, no backreferences/lookaround) for every regex that sees event data.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { freePort, startNatsServer } from '../helpers/nats-server.js';
import { eventually, paramsOf, post, sensorYaml, spawnWeir, tempDir, webhookSourceYaml, workflowsOf } from '../e2e/events-kit.js';
import { compileGoRegexp } from '../../src/core/go-regexp.js';
import { lintSensor } from '../../src/api/lint-sensor.js';
import { lintEventSource } from '../../src/api/lint-events.js';
import { evaluateWhen } from '../../src/expr/govaluate.js';
import { evaluate } from '../../src/expr/expr.js';
import { renderTemplate } from '../../sensors/common/go-template.js';

const EVIL = `^(\\w+\\s?)*$`;
/** /healthz probes per phase, and how much slower the attack phase's median may be than the control's. */
const PROBES = 30;
const FACTOR = 5;

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((x, y) => x - y);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

void test('a catastrophic regex over event data: the webhook answers and /healthz keeps answering', async (t) => {
  await using nats = await startNatsServer();
  await using tmp = await tempDir('redos');
  const port = await freePort();
  const manifests = [
    await tmp.file('es.yaml', webhookSourceYaml('hooks', 'names', port, '/names')),
    await tmp.file(
      'sensor.yaml',
      sensorYaml({
        name: 'redos',
        deps: [
          { name: 'n', eventSourceName: 'hooks', eventName: 'names', dataFilters: [{ path: 'body.name', type: 'string', value: [EVIL] }] },
        ],
        params: { name: { dependencyName: 'n', dataKey: 'body.name' } },
      }),
    ),
  ];
  const weir = await spawnWeir({ dataDir: join(tmp.dir, 'data'), busUrl: nats.url, manifests });
  try {
    const hook = `http://127.0.0.1:${port}/names`;
    await eventually(async () => (await post(hook, { name: 'warm up!' }, 'warm')) === 200, {
      timeoutMs: 20_000,
      everyMs: 100,
      what: 'the webhook is up',
    });
    // Two phases with the same load: a stream of events the filter rejects, probing /healthz meanwhile, closed by one
    // event it accepts (whose Workflow shows the sensor got through the stream). The control phase sends "!" (no
    // engine backtracks on one character); the attack sends 40 word characters and a "!", for which a backtracking
    // engine tries ~2^40 paths (issue 11 measured 6.6 s for 27): hours of a blocked thread, so /healthz would time
    // out and the closing Workflow never come. No absolute time limit: the attack's median latency is compared with
    // the control's, measured just before on the same server.
    let seq = 0;
    // Every request has a deadline, so a server whose thread is blocked fails the test instead of hanging it.
    const send = async (name: string): Promise<number> => {
      const res = await fetch(hook, {
        method: 'POST',
        body: JSON.stringify({ name }),
        headers: { 'content-type': 'application/json', 'idempotency-key': `e${seq++}` },
        signal: AbortSignal.timeout(60_000),
      });
      await res.arrayBuffer();
      return res.status;
    };
    const phase = async (subject: string, closing: string): Promise<number[]> => {
      const latencies: number[] = [];
      let sending = true;
      let probeError: Error | undefined;
      const prober = (async () => {
        while (sending || latencies.length < PROBES) {
          const t0 = performance.now();
          const res = await fetch(`${weir.url}/healthz`, { signal: AbortSignal.timeout(60_000) });
          await res.arrayBuffer();
          assert.equal(res.status, 200);
          latencies.push(performance.now() - t0);
          await delay(10);
        }
      })().catch((e: unknown) => {
        probeError = e instanceof Error ? e : new Error(String(e));
      });
      try {
        // Keep the stream going until the prober has its samples, so every sample falls inside the phase.
        while (latencies.length < PROBES && probeError === undefined)
          assert.equal(await send(subject), 200, 'a filtered event is answered');
        assert.equal(await send(closing), 200);
        await eventually(async () => (await workflowsOf(weir.url, 'redos')).some((w) => paramsOf(w).name === closing), {
          timeoutMs: 60_000,
          everyMs: 100,
          what: `the workflow of "${closing}"`,
        });
      } finally {
        sending = false;
        await prober;
      }
      if (probeError !== undefined) throw probeError;
      return latencies;
    };
    const control = await phase('!', 'after control');
    const attack = await phase(`${'a'.repeat(40)}!`, 'after attack');
    const c = median(control);
    const a = median(attack);
    t.diagnostic(
      `/healthz during the attack: median ${a.toFixed(1)} ms, max ${Math.max(...attack).toFixed(1)} ms over ${attack.length} probes; ` +
        `control phase: median ${c.toFixed(1)} ms, max ${Math.max(...control).toFixed(1)} ms over ${control.length} probes`,
    );
    assert.ok(
      a <= FACTOR * c,
      `median /healthz latency during the attack ${a.toFixed(1)} ms is within ${FACTOR}x the control's ${c.toFixed(1)} ms`,
    );
    const names = (await workflowsOf(weir.url, 'redos')).map((w) => paramsOf(w).name).sort();
    assert.deepEqual(names, ['after attack', 'after control'], 'only the closing events triggered (warm-up and filtered events did not)');
  } finally {
    await weir.stop();
  }
});

void describe('Go (RE2) regexp semantics for event data', () => {
  void test('linear time: the catastrophic pattern simply does not match', () => {
    assert.equal(compileGoRegexp(EVIL).test(`${'a'.repeat(5000)}!`), false);
    assert.equal(compileGoRegexp('(a+)+$').test(`${'a'.repeat(5000)}!`), false);
    assert.equal(compileGoRegexp('(a|aa)*c').test('a'.repeat(5000)), false);
  });
  void test('backreferences and lookaround are syntax errors, as in Go', () => {
    assert.throws(() => compileGoRegexp('(a)\\1'), /error parsing regexp: invalid escape sequence/);
    assert.throws(() => compileGoRegexp('a(?=b)'), /error parsing regexp/);
    assert.throws(() => compileGoRegexp('(?<!a)b'), /error parsing regexp/);
  });
  void test('Go syntax: named groups (?P<n>), \\z, flags, POSIX classes', () => {
    const re = compileGoRegexp('(?P<word>[[:alpha:]]+)-(?i)X\\z');
    assert.equal(re.test('abc-x'), true);
    assert.equal(re.replaceAll('abc-x', '${word}!$1.$word'), 'abc!abc.abc');
  });
  void test('Go "All" semantics: empty matches abutting a match are skipped; $1x is the group named "1x"', () => {
    assert.equal(compileGoRegexp('a*').replaceAll('baaac', '-'), '-b-c-');
    assert.deepEqual(
      compileGoRegexp('a*')
        .findAll('baaac')
        .map((m) => m.groups[0]),
      ['', 'aaa', ''],
    );
    assert.equal(compileGoRegexp('(a)').replaceAll('a', '$1x'), '');
    assert.deepEqual(compileGoRegexp(',').split('a,b,c', 2), ['a', 'b,c']);
  });
  void test('govaluate =~, expr matches, sprig and Go-template regex functions use it', () => {
    assert.equal(evaluateWhen(`'${'a'.repeat(3000)}!' =~ '(a+)+$'`), false);
    assert.equal(evaluateWhen(`'restart' =~ 'start'`), true);
    assert.throws(() => evaluateWhen(`'ab' =~ 'a(?=b)'`), /error parsing regexp/);
    assert.equal(evaluate(`"${'a'.repeat(3000)}!" matches "(a+)+$"`, {}), false);
    assert.equal(evaluate(`sprig.regexReplaceAll("a(x*)b", "-ab-axxb-", "\${1}W")`, {}), '-W-xxW-');
    assert.equal(renderTemplate(`{{ regexMatch "^(\\\\w+\\\\s?)*$" .Input }}`, { Input: `${'a'.repeat(3000)}!` }), 'false');
    assert.equal(
      renderTemplate(`{{ regexReplaceAll "a(x*)b" .Input "$1W" }}`, { Input: '-ab-axxb-' }),
      '---',
      '$1W names group "1W", as in Go',
    );
    assert.equal(renderTemplate(`{{ regexReplaceAll "a(x*)b" .Input "\${1}W" }}`, { Input: '-ab-axxb-' }), '-W-xxW-');
  });
  void test('the file source matches file names (event data) with RE2 too: lint refuses what RE2 refuses', () => {
    const es = (pathRegexp: string): unknown => ({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'EventSource',
      metadata: { name: 'files' },
      spec: { file: { inbox: { eventType: 'CREATE', watchPathConfig: { directory: '/tmp', pathRegexp } } } },
    });
    const errors = (re: string): string[] =>
      lintEventSource(es(re))
        .filter((f) => f.severity === 'error')
        .map((f) => f.message);
    assert.deepEqual(errors('^inbox-.*\\.csv$'), []);
    assert.match(errors('(a)\\1').join('\n'), /pathRegexp is not a valid regular expression: error parsing regexp/);
    assert.match(errors('a(?=b)').join('\n'), /pathRegexp is not a valid regular expression/);
  });
  void test('lint: a data filter using a backreference is an error naming the field', () => {
    const findings = lintSensor({
      spec: {
        dependencies: [
          { name: 'd', eventSourceName: 'es', eventName: 'e', filters: { data: [{ path: 'body.a', type: 'string', value: ['(a)\\1'] }] } },
        ],
        triggers: [{ template: { name: 't', log: {} } }],
      },
    });
    const f = findings.find((x) => x.severity === 'error' && /RE2/.test(x.message));
    assert.ok(f, JSON.stringify(findings));
  });
});
