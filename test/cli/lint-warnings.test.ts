// Issue 11 item 18: every verb that reads manifests prints lint warnings (with the "did you mean" hint) on stderr,
// as `weir lint` does, whether the manifest is then accepted (a warning only) or refused (with an error).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { main } from '../../src/cli/main.js';
import { memoryIo } from '../../src/cli/io.js';
import { startServer } from '../../src/cli/server.js';
import { startVerbKit } from './verbs-kit.js';

const typoWorkflow = (kind: string, extra = ''): string => `apiVersion: argoproj.io/v1alpha1
kind: ${kind}
metadata:
  ${kind === 'Workflow' ? 'generateName: typo-' : 'name: typo-template'}
spec:
  entrypoint: main
  activeDeadlineSecond: 10${extra}
  templates:
    - name: main
      container: { image: alpine, command: [echo, hi] }
`;

const entrypiont = `apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  generateName: typo-
spec:
  entrypiont: main
  templates:
    - name: main
      container: { image: alpine, command: [echo, hi] }
`;

const HINT = /typo\.yaml:7:3: warning: unknown field "activeDeadlineSecond" \(did you mean "activeDeadlineSeconds"\?\)/;

describe('lint warnings on every path that reads manifests', () => {
  test('submit, apply, template create, run: the warning is printed and the manifest accepted', async () => {
    await using k = await startVerbKit();
    const wf = join(k.dir, 'typo.yaml');
    await writeFile(wf, typoWorkflow('Workflow'));
    const tdir = await mkdtemp(join(tmpdir(), 'weir-typo-'));
    try {
      const tpl = join(tdir, 'typo.yaml');
      await writeFile(tpl, typoWorkflow('WorkflowTemplate'));
      for (const args of [
        ['submit', wf],
        ['apply', '-f', wf],
        ['template', 'create', tpl],
        ['apply', '-f', tpl],
        ['run', wf],
      ]) {
        const r = await k.weir(...args);
        assert.equal(r.code, 0, `weir ${args.join(' ')}: ${r.err}`);
        assert.match(r.err, HINT, `weir ${args.join(' ')} prints the warning`);
        assert.doesNotMatch(r.out, /warning/, 'warnings go to stderr');
      }
    } finally {
      await rm(tdir, { recursive: true, force: true });
    }
  });

  test('a misspelt required field: the error comes with the "did you mean" warning that explains it', async () => {
    await using k = await startVerbKit();
    const wf = join(k.dir, 'bad.yaml');
    await writeFile(wf, entrypiont);
    for (const args of [
      ['submit', wf],
      ['apply', '-f', wf],
      ['run', wf],
    ]) {
      const r = await k.weir(...args);
      assert.equal(r.code, 2, `weir ${args.join(' ')}`);
      assert.match(r.err, /error: entrypoint is required/);
      assert.match(
        r.err,
        /bad\.yaml:6:3: warning: unknown field "entrypiont" \(did you mean "entrypoint"\?\)/,
        `weir ${args.join(' ')}: ${r.err}`,
      );
    }
  });

  test('weir server MANIFESTS prints the warnings of the manifests it applies', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'weir-typo-server-'));
    try {
      const tpl = join(dir, 'typo.yaml');
      await writeFile(tpl, typoWorkflow('WorkflowTemplate'));
      const io = memoryIo({}, dir);
      const srv = await startServer(
        { dataDir: join(dir, 'data'), authToken: undefined, port: 0, host: '127.0.0.1', manifests: [tpl], namespace: 'default' },
        io,
      );
      await srv.stop();
      assert.match(io.err, HINT);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('weir sensor test prints the warnings of the sensor file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'weir-typo-sensor-'));
    try {
      await writeFile(
        join(dir, 'typo.yaml'),
        `apiVersion: argoproj.io/v1alpha1
kind: Sensor
metadata: { name: s }
spec:
  dependencies: [{ name: d, eventSourceName: src, eventName: e }]
  triggers:
    - templat: {}
      template:
        name: log
        log: {}
`,
      );
      await writeFile(join(dir, 'events.jsonl'), '{"eventSourceName":"src","eventName":"e","data":{}}\n');
      const io = memoryIo({}, dir);
      const code = await main(['sensor', 'test', 'typo.yaml', '--events', 'events.jsonl'], io);
      assert.equal(code, 0, io.err);
      assert.match(io.err, /typo\.yaml:7:7: warning: unknown field "templat" \(did you mean "template"\?\)/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
