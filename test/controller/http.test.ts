// http templates: the request action and the phase from successCondition through the pure engine, and a real
// request against an in-process server through the controller (result = body, condition over status and body).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { Sim } from './sim.js';
import type { HttpState } from '../../src/controller/http-step.js';
import { HostExecutor } from '../../src/executor/host-executor.js';
import { WorkflowController } from '../../src/controller/controller.js';
import { createMemoryStore } from '../../src/store/memory-store.js';
import type { NewObjectOf } from '../../src/store/types.js';
import type { WorkflowStatus } from '../../src/controller/types.js';

const httpWf = (url: string, cond = ''): string => `
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: { name: h }
spec:
  entrypoint: main
  arguments: { parameters: [{ name: who, value: bob }] }
  templates:
    - name: main
      http:
        url: "${url}?who={{workflow.parameters.who}}"
        method: POST
        headers: [{ name: X-Test, value: "{{workflow.parameters.who}}" }]
        body: hello
${cond ? `        successCondition: '${cond}'` : ''}
`;

test('http node: request action, then phase from the recorded response (default 2xx, or successCondition)', () => {
  const states = new Map<string, HttpState>();
  const s = new Sim(httpWf('http://x/y', 'response.statusCode == 201 && response.body contains "ok"'));
  s.extra = { http: (id) => states.get(id) };
  s.pass();
  const a = s.actions.find((x) => x.type === 'http');
  assert.ok(a?.type === 'http');
  assert.equal(a.request.url, 'http://x/y?who=bob');
  assert.equal(a.request.method, 'POST');
  assert.deepEqual(a.request.headers, { 'X-Test': 'bob' });
  assert.equal(s.node('h').type, 'HTTP');
  states.set('h', { state: 'running' });
  s.pass();
  assert.equal(s.node('h').phase, 'Running');
  states.set('h', { state: 'done', statusCode: 201, body: 'all ok', headers: {} });
  s.pass();
  assert.equal(s.phase, 'Succeeded');
  assert.equal(s.node('h').outputs?.result, 'all ok');
  const f = new Sim(httpWf('http://x/y'));
  f.extra = { http: () => ({ state: 'done', statusCode: 500, body: 'no', headers: {} }) };
  f.pass();
  assert.equal(f.phase, 'Failed');
  assert.match(f.node('h').message ?? '', /500/);
});

test('http template against a real server through the controller', async () => {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`${req.method} ${req.url} ${String(req.headers['x-test'])} ${body}`);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const dir = await mkdtemp(join(tmpdir(), 'weir-http-'));
  const store = createMemoryStore();
  const ac = new AbortController();
  try {
    const controller = new WorkflowController({ store, executor: new HostExecutor({ dataDir: join(dir, 'd'), bwrapPath: null }) });
    const running = controller.run(ac.signal);
    await store.create('Workflow', parse(httpWf(`http://127.0.0.1:${port}/p`, 'response.statusCode == 200')) as NewObjectOf<'Workflow'>);
    let st: WorkflowStatus | undefined;
    for (;;) {
      st = (await store.get('Workflow', 'default', 'h'))?.status;
      if (st?.phase === 'Succeeded' || st?.phase === 'Failed' || st?.phase === 'Error') break;
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.equal(st.phase, 'Succeeded', st.message);
    assert.equal(st.nodes?.h.outputs?.result, 'POST /p?who=bob bob hello');
    ac.abort();
    await running;
  } finally {
    ac.abort();
    server.close();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
});
