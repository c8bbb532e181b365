// Loader tests: multi-document YAML, JSON, Kubernetes-style YAML 1.1 scalars, and precise error positions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadText, loadFiles } from '../../src/api/loader.js';

test('multi-document YAML keeps each document and maps paths to lines', () => {
  const text =
    'apiVersion: v1\nkind: ConfigMap\n---\napiVersion: argoproj.io/v1alpha1\nkind: Workflow\nspec:\n  templates:\n  - name: a\n    container:\n      image: x\n---\n';
  const r = loadText(text, 'f.yaml');
  assert.equal(r.errors.length, 0);
  assert.equal(r.documents.length, 2);
  const wf = r.documents[1];
  assert.equal(wf.index, 1);
  assert.deepEqual(wf.locate(['spec', 'templates', 0, 'container', 'image']), { file: 'f.yaml', line: 10, column: 7 });
  // A path that does not exist maps to its nearest existing parent.
  assert.deepEqual(wf.locate(['spec', 'templates', 0, 'nope']), { file: 'f.yaml', line: 8, column: 5 });
});

test('YAML 1.1 scalars as Kubernetes reads them; dates stay strings', () => {
  const r = loadText('a: yes\nb: 0755\nc: 2026-01-01\nd: "1"\n', 'x.yaml');
  assert.deepEqual(r.documents[0].object, { a: true, b: 493, c: '2026-01-01', d: '1' });
});

test('syntax errors carry file, line and column; duplicate keys are errors', () => {
  const r = loadText('a: 1\nb: [1, 2\nc: 3\n', 'bad.yaml');
  assert.equal(r.documents.length, 0);
  assert.ok(r.errors.length > 0);
  assert.equal(r.errors[0].file, 'bad.yaml');
  assert.ok(r.errors[0].line >= 2);
  const d = loadText('a: 1\na: 2\n', 'dup.yaml');
  assert.equal(d.errors.length, 1);
  assert.equal(d.errors[0].line, 2);
});

test('a document that is not a map is an error', () => {
  const r = loadText('- a\n- b\n', 'list.yaml');
  assert.match(r.errors[0].message, /must be a map/);
});

test('loadFiles walks directories, reads JSON, reports unreadable paths', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'weir-loader-'));
  await mkdir(join(dir, 'sub'));
  await writeFile(join(dir, 'sub', 'a.json'), '{"apiVersion": "v1",\n "kind": "Secret"}');
  await writeFile(join(dir, 'b.yml'), 'kind: X\n');
  await writeFile(join(dir, 'notes.txt'), 'ignored');
  const r = await loadFiles([dir, join(dir, 'missing.yaml')]);
  assert.deepEqual(r.documents.map((d) => d.object.kind).sort(), ['Secret', 'X']);
  assert.equal(r.errors.length, 1);
  assert.match(r.errors[0].message, /no such file/);
});

test('scalars Go reads as strings stay strings: a lone dot, clock times', () => {
  const r = loadText('args: [build, -o, ., -.]\nat: 10:30\nratio: .5\ncount: 1_000\n', 'go.yaml');
  assert.deepEqual(r.documents[0].object, { args: ['build', '-o', '.', '-.'], at: '10:30', ratio: 0.5, count: 1000 });
});

test("flow and quoted content closed at the opening line's indentation is read as Go reads it", () => {
  const text = [
    'spec:',
    '  container:',
    '    args: ["',
    '      make &&',
    '      make test',
    '    "]',
    '    env: [',
    '    {name: A, value: b}',
    '    ]',
    '',
  ].join('\n');
  const r = loadText(text, 'flow.yaml');
  assert.deepEqual(r.errors, []);
  const spec = r.documents[0].object.spec as { container: { args: string[]; env: unknown[] } };
  assert.deepEqual(spec.container.args, [' make && make test ']);
  assert.deepEqual(spec.container.env, [{ name: 'A', value: 'b' }]);
  // Positions still point at the original lines.
  assert.equal(r.documents[0].locate(['spec', 'container', 'env']).line, 7);
});

test('a block scalar containing brackets and quotes is left alone by the lenient retry', () => {
  const text = 'a: |\n  echo "[\nb: [1,\n2]\n';
  const r = loadText(text, 'mixed.yaml');
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.documents[0].object, { a: 'echo "[\n', b: [1, 2] });
});

test('string fields keep their text as written, as Kubernetes reads them; typed fields use YAML 1.1', () => {
  const yaml = [
    'apiVersion: argoproj.io/v1alpha1',
    'kind: Workflow',
    'metadata: {name: x, labels: {enabled: yes, ver: 1.10}}',
    'spec:',
    '  entrypoint: n',
    '  arguments: {parameters: [{name: n, value: yes}]}',
    '  templates:',
    '  - name: n',
    '    inputs: {artifacts: [{name: a, path: /x, mode: 0755}]}',
    '    container: {image: a, args: [sleep, 10, 1.50, off]}',
    '',
  ].join('\n');
  const obj = loadText(yaml, 'x.yaml').documents[0].object as {
    metadata: { labels: Record<string, unknown> };
    spec: {
      entrypoint: unknown;
      arguments: { parameters: { name: unknown; value: unknown }[] };
      templates: { name: unknown; inputs: { artifacts: { mode: unknown }[] }; container: { args: unknown[] } }[];
    };
  };
  assert.deepEqual(obj.metadata.labels, { enabled: 'yes', ver: '1.10' });
  assert.equal(obj.spec.entrypoint, 'n');
  assert.equal(obj.spec.arguments.parameters[0].name, 'n');
  assert.equal(obj.spec.arguments.parameters[0].value, true, "Argo's AnyString decodes JSON: yes becomes true");
  assert.equal(obj.spec.templates[0].name, 'n');
  assert.equal(obj.spec.templates[0].inputs.artifacts[0].mode, 493, 'an integer field reads 0755 as octal');
  assert.deepEqual(obj.spec.templates[0].container.args, ['sleep', '10', '1.50', 'off']);
});
