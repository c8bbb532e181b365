// The web UI's server side: static files (content types, caching, SPA fallback, nothing outside the UI directory,
// no token needed for the pages while the API still needs one) and the /api/v1/ui/ routes (workflow summaries with
// keyset paging and filters, next cron runs, sensor test, lineage input checks).
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-assignment -- untyped JSON response bodies, checked field by field */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request } from 'node:http';
import type { Server } from 'node:http';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isUiRequest, resolveUiPath, serveUiRequest } from '../../src/server/routes-ui.js';
import type { NodeStatus } from '../../src/api/workflow-status.js';
import { startKit } from './kit.js';

function rawGet(
  url: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const r = request({ host: u.hostname, port: u.port, path, headers }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    r.on('error', reject);
    r.end();
  });
}

describe('UI static files', () => {
  let root: string;
  let outside: string;
  let server: Server;
  let url: string;
  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'weir-ui-root-'));
    outside = mkdtempSync(join(tmpdir(), 'weir-ui-outside-'));
    mkdirSync(join(root, 'assets'));
    writeFileSync(join(root, 'index.html'), '<!doctype html><title>Weir</title>');
    writeFileSync(join(root, 'assets', 'app-abc123.js'), 'console.log(1)');
    writeFileSync(join(outside, 'secret.txt'), 'SECRET');
    symlinkSync(join(outside, 'secret.txt'), join(root, 'leak.txt'));
    server = createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      void serveUiRequest(req, res, path, root).then((handled) => {
        if (!handled) {
          res.writeHead(599);
          res.end('api');
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const a = server.address();
    url = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
  });
  after(() => {
    server.close();
    rmSync(root, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  });

  test('index and hashed assets with their content types and caching', async () => {
    const index = await rawGet(url, '/');
    assert.equal(index.status, 200);
    assert.equal(index.headers['content-type'], 'text/html; charset=utf-8');
    assert.equal(index.headers['cache-control'], 'no-cache');
    assert.match(String(index.headers['content-security-policy']), /default-src 'self'/);
    const js = await rawGet(url, '/assets/app-abc123.js');
    assert.equal(js.headers['content-type'], 'text/javascript; charset=utf-8');
    assert.equal(js.headers['cache-control'], 'public, max-age=31536000, immutable');
    const again = await rawGet(url, '/assets/app-abc123.js', { 'if-none-match': String(js.headers.etag) });
    assert.equal(again.status, 304);
  });

  test('deep links fall back to index.html; missing files with an extension are 404', async () => {
    const deep = await rawGet(url, '/workflows/default/hello-x?node=a');
    assert.equal(deep.status, 200);
    assert.match(deep.body, /<title>Weir/);
    assert.equal((await rawGet(url, '/assets/nope.js')).status, 404);
  });

  test('never serves outside the UI directory', async () => {
    for (const p of [
      '/../../etc/passwd',
      '/%2e%2e/%2e%2e/etc/passwd',
      '/assets/..%2f..%2fetc/passwd',
      '/leak.txt',
      '/%00index.html',
      '/..%5c..%5cetc',
    ]) {
      const r = await rawGet(url, p);
      // 200 only as the SPA fallback (index.html) after the URL parser removed the dot segments.
      assert.ok(r.status === 400 || r.status === 404 || (r.status === 200 && r.body.includes('<title>Weir')), `${p}: ${r.status}`);
      assert.doesNotMatch(r.body, /SECRET|root:/);
    }
    assert.equal(resolveUiPath('/ui', '/a/../../b'), undefined);
    assert.equal(resolveUiPath('/ui', '/a/b.js'), '/ui/a/b.js');
  });

  test('API, metrics and health paths and non-GET methods are not UI requests', async () => {
    assert.equal(isUiRequest('GET', '/api/v1/workflows/default'), false);
    assert.equal(isUiRequest('GET', '/metrics'), false);
    assert.equal(isUiRequest('GET', '/healthz'), false);
    assert.equal(isUiRequest('POST', '/workflows'), false);
    assert.equal(isUiRequest('HEAD', '/workflows'), true);
    assert.equal((await rawGet(url, '/api/v1/version')).status, 599);
  });
});

describe('UI API routes', () => {
  test('pages are served without a token; the UI API needs it', async () => {
    await using k = await startKit({ authToken: 's3cret' });
    const page = await k.req('GET', '/workflows');
    assert.ok(
      page.status === 200 || (page.status === 404 && /not built/.test(JSON.stringify(page.body))),
      `GET /workflows: ${page.status}`,
    );
    assert.equal((await k.req('GET', '/api/v1/ui/workflows')).status, 401);
    assert.equal((await k.req('GET', '/api/v1/ui/workflows', undefined, { authorization: 'Bearer s3cret' })).status, 200);
  });

  test('workflow summaries: newest first, keyset pages, name search, phase and label filters', async () => {
    await using k = await startKit();
    for (let i = 0; i < 25; i++) {
      await k.store.create('Workflow', {
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'Workflow',
        metadata: {
          name: `wf-${String(i).padStart(2, '0')}${i % 5 === 0 ? '-special' : ''}`,
          namespace: 'default',
          labels: { team: i % 2 === 0 ? 'even' : 'odd' },
        },
        spec: {},
        status: { phase: i % 3 === 0 ? 'Failed' : 'Succeeded', nodes: { a: {} as NodeStatus, b: {} as NodeStatus } },
      });
    }
    const p1 = await k.req('GET', '/api/v1/ui/workflows/default?limit=10');
    assert.equal(p1.status, 200);
    assert.equal(p1.body.items.length, 10);
    assert.equal(p1.body.items[0].name, 'wf-24');
    assert.equal(p1.body.items[0].nodes, 2);
    assert.equal(p1.body.items[0].spec, undefined);
    const p2 = await k.req('GET', `/api/v1/ui/workflows/default?limit=10&continue=${encodeURIComponent(p1.body.continue as string)}`);
    assert.equal(p2.body.items[0].name, 'wf-14');
    const special = await k.req('GET', '/api/v1/ui/workflows?search=SPECIAL');
    assert.deepEqual(
      special.body.items.map((x: { name: string }) => x.name),
      ['wf-20-special', 'wf-15-special', 'wf-10-special', 'wf-05-special', 'wf-00-special'],
    );
    const failedEven = await k.req('GET', '/api/v1/ui/workflows/default?phase=Failed&labelSelector=team%3Deven');
    assert.deepEqual(
      failedEven.body.items.map((x: { name: string }) => x.name),
      ['wf-24', 'wf-18', 'wf-12', 'wf-06', 'wf-00-special'],
    );
    assert.equal((await k.req('GET', '/api/v1/ui/workflows?since=yesterday')).status, 400);
  });

  test('next cron runs in the cron zone', async () => {
    await using k = await startKit();
    await k.store.create('CronWorkflow', {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'CronWorkflow',
      metadata: { name: 'c', namespace: 'default' },
      spec: { schedules: ['30 6 * * *'], timezone: 'America/New_York', workflowSpec: {} },
    });
    const r = await k.req('GET', '/api/v1/ui/cron-workflows/default/c/next?count=2');
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.times, ['2024-05-01T10:30:00.000Z', '2024-05-02T10:30:00.000Z']);
    assert.equal((await k.req('GET', '/api/v1/ui/cron-workflows/default/none/next')).status, 404);
  });

  test('sensor test replays events without creating anything; bad input is a 400', async () => {
    await using k = await startKit();
    await k.store.create('Sensor', {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Sensor',
      metadata: { name: 's', namespace: 'default' },
      spec: {
        dependencies: [
          {
            name: 'd',
            eventSourceName: 'src',
            eventName: 'e',
            filters: { data: [{ path: 'body.n', type: 'number', comparator: '>', value: ['1'] }] },
          },
        ],
        triggers: [{ template: { name: 't', log: {} } }],
      },
    });
    const r = await k.req('POST', '/api/v1/ui/sensors/default/s/test', {
      events: [
        { eventSourceName: 'src', eventName: 'e', data: { body: { n: 0 } } },
        { eventSourceName: 'src', eventName: 'e', data: { body: { n: 5 } } },
      ],
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const types = r.body.results.map((x: { decisions: { type: string }[] }) => x.decisions.map((d) => d.type));
    assert.deepEqual(types[0], ['filtered-out']);
    assert.ok(types[1].includes('triggered'));
    assert.equal((await k.req('POST', '/api/v1/ui/sensors/default/s/test', { events: [] })).status, 400);
    assert.equal((await k.req('POST', '/api/v1/ui/sensors/default/s/test', { events: [{ data: 1 }] })).status, 400);
    assert.equal((await k.req('GET', '/api/v1/ui/sensors/default/none/history')).status, 404);
    assert.equal((await k.req('GET', '/api/v1/ui/lineage?q=x')).status, 400);
    assert.deepEqual((await k.req('GET', '/api/v1/ui/lineage?q=nothing-here')).body.hits, []);
  });
});
