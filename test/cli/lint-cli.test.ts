// `weir lint` end to end: the real binary on examples and broken fixtures, exit codes, output formats.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { repoPath, repoRoot } from '../helpers/paths.js';

function weir(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [repoPath('bin', 'weir.js'), ...args], { cwd: repoRoot, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function noStack(s: string): void {
  assert.doesNotMatch(s, /\n\s+at .+\(.*:\d+:\d+\)/, 'output must not contain a stack trace');
}

test('every example lints clean (exit 0, no warnings)', () => {
  const r = weir('lint', 'examples/');
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal(r.stdout, '', 'no findings expected');
  assert.match(r.stderr, /0 error\(s\), 0 warning\(s\)/);
});

test('a step naming a missing template exits 1 and names the template with file:line', () => {
  const r = weir('lint', 'test/fixtures/lint/missing-template.yaml');
  assert.equal(r.code, 1);
  assert.match(r.stdout, /^test\/fixtures\/lint\/missing-template\.yaml:11:13: error: template "does-not-exist" is not defined/m);
  noStack(r.stdout + r.stderr);
});

test('a DAG cycle exits 1 and prints the cycle', () => {
  const r = weir('lint', 'test/fixtures/lint/dag-cycle.yaml');
  assert.equal(r.code, 1);
  // "x -> y" reads "x depends on y"; any starting point of the three-task loop is fine.
  assert.match(r.stdout, /dependency cycle: (a -> c -> b -> a|c -> b -> a -> c|b -> a -> c -> b)/);
  assert.equal(r.stdout.trim().split('\n').length, 1, 'only the cycle is reported');
  noStack(r.stdout + r.stderr);
});

test('broken YAML exits 2 with the line', () => {
  const r = weir('lint', 'test/fixtures/lint/broken.yaml');
  assert.equal(r.code, 2);
  assert.match(r.stdout, /^test\/fixtures\/lint\/broken\.yaml:\d+:\d+: error: /m);
  const line = Number(/broken\.yaml:(\d+):/.exec(r.stdout)?.[1]);
  assert.ok(line >= 6 && line <= 8, `line ${line} should point at the unclosed flow sequence`);
  noStack(r.stdout + r.stderr);
});

test('a missing file exits 2; unknown flags exit 2 with one line', () => {
  const r = weir('lint', 'nope/does-not-exist.yaml');
  assert.equal(r.code, 2);
  assert.match(r.stdout, /cannot read: no such file or directory/);
  const f = weir('lint', '--bogus', 'examples');
  assert.equal(f.code, 2);
  assert.equal(f.stderr.trim().split('\n').length, 1);
  noStack(f.stderr);
});

test('-o json gives findings with file, line, column, path and rule', () => {
  const r = weir('lint', '-o', 'json', 'test/fixtures/lint/missing-template.yaml');
  assert.equal(r.code, 1);
  const report = JSON.parse(r.stdout) as {
    errors: number;
    findings: { file: string; line: number; column: number; rule: string; path: string }[];
  };
  assert.equal(report.errors, 1);
  assert.deepEqual(report.findings[0], {
    ...report.findings[0],
    file: 'test/fixtures/lint/missing-template.yaml',
    line: 11,
    column: 13,
    rule: 'missing-template',
    path: 'spec.templates[0].steps[0][0].template',
  });
});

test('weir --version prints the package version', () => {
  const r = weir('--version');
  assert.equal(r.code, 0);
  assert.match(r.stdout, /^weir \d+\.\d+\.\d+\n$/);
});
