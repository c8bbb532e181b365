// Engine gaps found running Argo's examples: spec.arguments.artifacts reach the entrypoint's (and exit handler's)
// input artifacts; {{steps.name}} / {{tasks.name}}; {{outputs.parameters.X.path}} in the template that declares X.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Sim } from './sim.js';

const wf = `
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: { name: w }
spec:
  entrypoint: count
  onExit: report
  arguments:
    parameters: [{ name: n, value: "2" }]
    artifacts: [{ name: lines, raw: { data: "x\\ny\\nz\\n" } }]
  templates:
    - name: count
      inputs:
        parameters: [{ name: n }]
        artifacts: [{ name: lines, path: /data/lines.txt }]
      container: { image: x, command: [sh, -c, "head -n {{inputs.parameters.n}} {{inputs.artifacts.lines.path}}"] }
    - name: report
      inputs:
        artifacts: [{ name: lines, path: /report/in }]
      container: { image: x, command: [cat, /report/in] }
`;

test('workflow argument artifacts are the entrypoint and exit handler inputs', () => {
  const s = new Sim(wf);
  s.extra = { volumeRoot: '/vol' };
  s.pass();
  const start = s.actions.find((a) => a.type === 'start');
  assert.ok(start?.type === 'start', JSON.stringify(s.wf.status));
  assert.deepEqual(start.spec.command, ['sh', '-c', 'head -n 2 /data/lines.txt']);
  const f = start.spec.inputFiles?.[0];
  assert.equal(f?.containerPath, '/data/lines.txt');
  assert.deepEqual(start.prepare?.find((p) => f?.hostPath.startsWith(p.dir))?.files, { data: 'x\ny\nz\n' });
  s.runToEnd();
  assert.equal(s.phase, 'Succeeded', JSON.stringify(s.wf.status));
  assert.deepEqual(
    s.node('w.onExit').inputs?.artifacts?.map((a) => [a.name, a.path]),
    [['lines', '/report/in']],
  );
});

test('{{steps.name}} and {{tasks.name}} are the calling step or task name (loop items included), as Argo sets them', () => {
  const s = new Sim(`
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: { name: n }
spec:
  entrypoint: main
  templates:
    - name: main
      steps:
        - - { name: first, template: say-step }
        - - { name: graph, template: g }
    - name: g
      dag:
        tasks:
          - { name: fan, template: say-task, withItems: [a, b] }
    - name: say-step
      container: { image: x, command: [echo, "step={{steps.name}} node={{node.name}}"] }
    - name: say-task
      container: { image: x, command: [echo, "task={{tasks.name}}"] }
`);
  const commands: (string | undefined)[] = [];
  const collect = (): void => {
    for (const a of s.actions) if (a.type === 'start') commands.push(a.spec.command?.join(' '));
  };
  s.pass();
  collect();
  for (let i = 0; i < 20 && s.phase === 'Running'; i++) {
    s.finishAll();
    collect();
  }
  assert.equal(s.phase, 'Succeeded', JSON.stringify(s.wf.status));
  assert.ok(commands.includes('echo step=first node=n[0].first'), commands.join('\n'));
  assert.equal(commands.filter((c) => c === 'echo task=fan').length, 2, commands.join('\n'));
});

test('{{outputs.parameters.X.path}} is the valueFrom.path of output parameter X, next to {{outputs.artifacts.Y.path}}', () => {
  const s = new Sim(`
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: { name: p }
spec:
  entrypoint: t
  templates:
    - name: t
      outputs:
        parameters: [{ name: total, valueFrom: { path: /out/total.txt } }]
        artifacts: [{ name: rows, path: /out/rows.csv }]
      container: { image: x, command: [sh, -c, "seq 3 | tee {{outputs.artifacts.rows.path}} | wc -l > {{outputs.parameters.total.path}}"] }
`);
  s.extra = { volumeRoot: '/vol' };
  s.pass();
  const start = s.actions.find((a) => a.type === 'start');
  assert.ok(start?.type === 'start', JSON.stringify(s.wf.status));
  assert.deepEqual(start.spec.command, ['sh', '-c', 'seq 3 | tee /out/rows.csv | wc -l > /out/total.txt']);
});

const skippedProducer = (expression: string): string => `
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: { name: f }
spec:
  entrypoint: main
  templates:
    - name: main
      dag:
        tasks:
          - { name: maker, template: make, when: "1 == 2" }
      outputs:
        parameters: [{ name: chosen, valueFrom: { expression: "${expression}" } }]
    - name: make
      outputs:
        parameters: [{ name: word, valueFrom: { path: /tmp/word } }]
      container: { image: x, command: [sh, -c, "echo made > /tmp/word"] }
`;

test('an output of a skipped task with no default is nil in expressions: ?? picks the fallback, a bare use is an error', () => {
  const ok = new Sim(skippedProducer("tasks.maker.outputs.parameters.word ?? 'plan-b'"));
  ok.extra = { volumeRoot: '/vol' };
  ok.runToEnd();
  assert.equal(ok.phase, 'Succeeded', JSON.stringify(ok.wf.status));
  assert.deepEqual(ok.node('f').outputs?.parameters, [{ name: 'chosen', value: 'plan-b' }]);
  const bare = new Sim(skippedProducer('tasks.maker.outputs.parameters.word'));
  bare.extra = { volumeRoot: '/vol' };
  bare.runToEnd();
  assert.equal(bare.phase, 'Error', JSON.stringify(bare.wf.status));
  assert.match(bare.node('f').message ?? '', /chosen|nil/);
});
