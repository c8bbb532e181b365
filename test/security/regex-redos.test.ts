// Security (issue 11 item 6): a catastrophic-backtracking regex in a sensor data filter must not freeze the server.
// A spawned `weir server` with a webhook source and a sensor filtering on `^(\w+\s?)*$` gets a body built to make a
// backtracking engine run for hours; the webhook answers, /healthz keeps answering meanwhile, and a matching event
// still creates its Workflow. Unit tests pin the RE2 semantics Argo's Go regexps have (no backreferences/lookaround).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { freePort, startNatsServer } from '../helpers/nats-server.js';
import { eventually, post, sensorYaml, spawnWeir, tempDir, webhookSourceYaml, workflowsOf } from '../e2e/events-kit.js';
import { compileGoRegexp } from '../../src/core/go-regexp.js';
import { lintSensor } from '../../src/api/lint-sensor.js';
import { evaluateWhen } from '../../src/expr/govaluate.js';
import { evaluate } from '../../src/expr/expr.js';
import { renderTemplate } from '../../sensors/common/go-template.js';

const EVIL = `^(\\w+\\s?)*$`;

void test('a catastrophic regex over event data: the webhook answers and /healthz keeps answering', async () => {
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
    // 40 word characters and a "!": a backtracking engine tries ~2^40 paths (issue 11 measured 6.6 s for 27).
    let stop = false;
    const slowest: number[] = [];
    const prober = (async () => {
      while (!stop) {
        const t0 = performance.now();
        const res = await fetch(`${weir.url}/healthz`, { signal: AbortSignal.timeout(30_000) });
        await res.arrayBuffer();
        assert.equal(res.status, 200);
        slowest.push(performance.now() - t0);
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    const evilStatus = await post(hook, { name: `${'a'.repeat(40)}!` }, 'evil');
    assert.equal(evilStatus, 200);
    assert.equal(await post(hook, { name: 'hello world' }, 'good'), 200);
    const wfs = await eventually(
      async () => {
        const w = await workflowsOf(weir.url, 'redos');
        return w.length >= 1 && w;
      },
      { timeoutMs: 30_000, everyMs: 100, what: "the matching event's workflow" },
    );
    stop = true;
    await prober;
    assert.ok(slowest.length > 0);
    // Generous bound (a loaded CI machine): a backtracking engine needs hours for this subject, RE2 microseconds.
    assert.ok(Math.max(...slowest) < 2000, `/healthz answered in at most ${Math.round(Math.max(...slowest))} ms`);
    const names = wfs.map((w) => w.spec.arguments?.parameters?.[0]?.value);
    assert.deepEqual(names, ['hello world'], 'only the matching event triggered (warm-up and evil bodies are filtered out)');
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
