// `weir run` end to end: spawns the CLI on fixtures with `-o json` and checks the Argo-shaped status.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { repoRoot } from '../helpers/paths.js';
import type { NodeStatus, WorkflowStatus } from '../../src/controller/types.js';

const mainJs = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function weir(...args: string[]): Promise<RunResult> {
  const script = `import(${JSON.stringify(mainJs)}).then(async (m) => { process.exitCode = await m.main(process.argv.slice(1)); })`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script, ...args], {
      cwd: repoRoot,
      env: { ...process.env, NO_COLOR: '1' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function runJson(
  file: string,
  ...extra: string[]
): Promise<{ code: number | null; status: WorkflowStatus; nodes: NodeStatus[]; byName: (n: string) => NodeStatus; stderr: string }> {
  const r = await weir('run', `test/fixtures/run/${file}`, '-o', 'json', ...extra);
  let wf: { status: WorkflowStatus };
  try {
    wf = JSON.parse(r.stdout) as { status: WorkflowStatus };
  } catch {
    throw new Error(`stdout is not JSON (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  }
  const nodes = Object.values(wf.status.nodes ?? {});
  const byName = (n: string): NodeStatus => {
    const x = nodes.find((y) => y.name === n);
    assert.ok(x, `no node named ${n}; have ${nodes.map((y) => y.name).join(', ')}`);
    return x;
  };
  return { code: r.code, status: wf.status, nodes, byName, stderr: r.stderr };
}

test('steps: parallel groups, outputs flow to the next group, Argo node names and ids', async () => {
  const r = await weir('run', 'examples/steps.yaml', '-o', 'json');
  assert.equal(r.code, 0, r.stderr);
  const wf = JSON.parse(r.stdout) as { metadata: { name: string }; status: WorkflowStatus };
  const name = wf.metadata.name;
  const nodes = wf.status.nodes ?? {};
  assert.equal(wf.status.phase, 'Succeeded');
  assert.equal(wf.status.progress, '4/4');
  assert.equal(nodes[name].type, 'Steps');
  const finish = Object.values(nodes).find((n) => n.name === `${name}[2].finish`);
  assert.equal(finish?.inputs?.parameters?.[0].value, 'after left branch and right branch');
  const group1 = Object.values(nodes).find((n) => n.name === `${name}[1]`);
  assert.equal(group1?.type, 'StepGroup');
  assert.equal(group1?.children?.length, 2);
  for (const n of Object.values(nodes)) assert.match(n.id, n.name === name ? new RegExp(`^${name}$`) : new RegExp(`^${name}-\\d+$`));
});

test('DAG diamond runs merge after both branches and omits the failure handler', async () => {
  const r = await weir('run', 'examples/dag.yaml', '-o', 'json');
  assert.equal(r.code, 0, r.stderr);
  const wf = JSON.parse(r.stdout) as { metadata: { name: string }; status: WorkflowStatus };
  const nodes = Object.values(wf.status.nodes ?? {});
  const merge = nodes.find((n) => n.displayName === 'merge');
  assert.equal(merge?.phase, 'Succeeded');
  assert.equal(merge?.outputs?.result, 'MERGE PARSE-A + PARSE-B');
  assert.equal(nodes.find((n) => n.displayName === 'cleanup')?.phase, 'Omitted');
});

test('DAG: an unhandled failure fails the workflow; a handled one does not', async () => {
  const bad = await runJson('dag-unhandled.yaml');
  assert.equal(bad.code, 1);
  assert.equal(bad.status.phase, 'Failed');
  assert.equal(bad.byName('dag-unhandled.A').phase, 'Failed');
  assert.equal(bad.byName('dag-unhandled.B').phase, 'Omitted');
  const ok = await runJson('dag-handled.yaml');
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(ok.status.phase, 'Succeeded');
  assert.equal(ok.byName('dag-handled.A').phase, 'Failed');
  assert.equal(ok.byName('dag-handled.handler').phase, 'Succeeded');
});

test('parameter values with {{...}}, $(...) and backticks pass through literally', async () => {
  const value = '{{workflow.name}} $(echo hi) `id` {{=1+1}}';
  const r = await runJson('literal-params.yaml', '-p', `text=${value}`);
  assert.equal(r.code, 0, r.stderr);
  const echo = r.byName('literal-params[0].echo');
  assert.equal(echo.inputs?.parameters?.[0].value, value);
  assert.equal(echo.outputs?.result, value);
});

test('loops: item node names and aggregated outputs as a JSON list', async () => {
  const r = await runJson('loops-aggregate.yaml');
  assert.equal(r.code, 0, r.stderr);
  for (const [i, v] of [
    [0, 1],
    [1, 2],
    [2, 3],
  ])
    assert.equal(r.byName(`loops-aggregate[0].double(${i}:${v})`).outputs?.result, String(v * 2));
  assert.equal(r.byName('loops-aggregate[1].sum').inputs?.parameters?.[0].value, '[2,4,6]');
});

test('retries: failing twice then succeeding gives a Retry node with 3 children', async () => {
  const r = await runJson('retry.yaml');
  assert.equal(r.code, 0, r.stderr);
  const retry = r.byName('retry[0].flaky');
  assert.equal(retry.type, 'Retry');
  assert.equal(retry.phase, 'Succeeded');
  assert.equal(retry.children?.length, 3);
  assert.deepEqual(
    ['retry[0].flaky(0)', 'retry[0].flaky(1)', 'retry[0].flaky(2)'].map((n) => r.byName(n).phase),
    ['Failed', 'Failed', 'Succeeded'],
  );
  assert.equal(retry.outputs?.result, 'attempt 2');
});

test('onExit runs after a failure and sees workflow.status', async () => {
  const r = await runJson('onexit.yaml');
  assert.equal(r.code, 1);
  assert.equal(r.status.phase, 'Failed');
  assert.equal(r.byName('onexit.onExit').outputs?.result, 'status=Failed');
});

test('activeDeadlineSeconds stops the running step and fails the workflow', async () => {
  const r = await runJson('deadline.yaml');
  assert.equal(r.code, 1);
  assert.equal(r.status.phase, 'Failed');
  assert.equal(r.status.message, 'Step exceeded its deadline');
  assert.equal(r.byName('deadline').phase, 'Failed');
});

test('a bad manifest exits 2 naming file:line:column and the field, without a stack trace', async () => {
  const r = await weir('run', 'test/fixtures/run/bad-template.yaml', '-o', 'json');
  assert.equal(r.code, 2);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^test\/fixtures\/run\/bad-template\.yaml:12:13: error: template "nope" is not defined/m);
  assert.doesNotMatch(r.stderr, /\n\s+at .+:\d+:\d+\)/);
});

test('volumes: a workflow emptyDir and a volumeClaimTemplate are shared between steps; ConfigMap volumes are files', async () => {
  const r = await runJson('volumes.yaml');
  assert.equal(r.code, 0, r.stderr);
  const read = r.nodes.find((n) => n.displayName === 'read');
  assert.equal(read?.outputs?.result, 'shared-text\nclaim-text\nhello from a configmap');
});

test('image stand-ins: argosay entrypoint, cowsay on PATH, a builtin command fails as not found', async () => {
  const r = await runJson('stand-ins.yaml');
  assert.equal(r.code, 0, r.stderr);
  const by = (d: string): NodeStatus => {
    const n = r.nodes.find((x) => x.displayName === d);
    assert.ok(n, d);
    return n;
  };
  assert.equal(by('say').outputs?.result, 'said by argosay');
  assert.match(by('cow').outputs?.result ?? '', /< moo >/);
  assert.equal(by('list').outputs?.result, '[1,2]');
  assert.equal(by('builtin').phase, 'Failed');
  assert.match(by('builtin').message ?? '', /exit code 127.*exit: executable file not found/);
});

test('spec.workflowMetadata labels are set on the Workflow object', async () => {
  const r = await weir('run', 'test/fixtures/run/workflow-metadata.yaml', '-o', 'json');
  assert.equal(r.code, 0, r.stderr);
  const wf = JSON.parse(r.stdout) as { metadata: { labels?: Record<string, string> } };
  assert.equal(wf.metadata.labels?.fixed, 'yes');
  assert.equal(wf.metadata.labels?.team, 'blue');
});

test('containerSet: shared volume across containers, in-place retry, result from main', async () => {
  const r = await runJson('container-set.yaml');
  assert.equal(r.code, 0, r.stderr);
  const root = r.nodes.find((n) => n.type === 'Pod');
  assert.equal(root?.outputs?.result, 'from-write');
  assert.deepEqual(
    r.nodes
      .filter((n) => n.type === ('Container' as string))
      .map((n) => n.displayName)
      .sort(),
    ['main', 'write'],
  );
});
