// Web UI, artifact downloads: a real `weir server` with a token runs a workflow whose step saves outputs to the
// default local repository (a file as is and a tgz) and to an S3 bucket (s3rver, credentials from a Secret). The node
// panel links each output; clicking one downloads the stored bytes. The download route answers 401 without the
// token, 404 with a reason for an unknown artifact, and streams each stored object with the token.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { startS3rver } from '../helpers/s3rver.js';
import type { S3rverInstance } from '../helpers/s3rver.js';
import { axeViolations, eventually, openBrowser, shot, startWeir } from './kit.js';
import type { Browser, Weir } from './kit.js';

const TOKEN = 'artifact-token';
const BUCKET = 'weir-ui-art';

interface Node {
  id: string;
  displayName?: string;
  phase?: string;
  outputs?: { artifacts?: { name: string }[] };
}

describe('web UI: artifact downloads', () => {
  let s3: S3rverInstance;
  let weir: Weir;
  let b: Browser;
  let gen: Node;
  before(async () => {
    s3 = await startS3rver({ buckets: [BUCKET] });
    weir = await startWeir({ token: TOKEN });
    await weir.api('/api/v1/secrets/default', {
      method: 'POST',
      body: { secret: { metadata: { name: 's3creds' }, stringData: { ak: s3.accessKeyId, sk: s3.secretAccessKey } } },
    });
    await weir.api('/api/v1/workflows/default', {
      method: 'POST',
      body: {
        workflow: {
          metadata: { name: 'arts' },
          spec: {
            entrypoint: 'gen',
            templates: [
              {
                name: 'gen',
                script: {
                  image: 'busybox',
                  command: ['sh'],
                  source: 'mkdir -p /tmp/d && echo "hello artifact" > /tmp/out.txt && echo inner > /tmp/d/inner.txt',
                },
                outputs: {
                  artifacts: [
                    { name: 'report', path: '/tmp/out.txt', archive: { none: {} } },
                    { name: 'bundle', path: '/tmp/d' },
                    {
                      name: 'copy',
                      path: '/tmp/out.txt',
                      archive: { none: {} },
                      s3: {
                        endpoint: s3.endpoint.replace(/^http:\/\//, ''),
                        insecure: true,
                        bucket: BUCKET,
                        key: 'runs/{{workflow.name}}/out.txt',
                        accessKeySecret: { name: 's3creds', key: 'ak' },
                        secretKeySecret: { name: 's3creds', key: 'sk' },
                      },
                    },
                  ],
                },
              },
            ],
          },
        },
      },
    });
    gen = await eventually(
      async () => {
        const wf = await weir.api<{ status?: { phase?: string; nodes?: Record<string, Node> } }>('/api/v1/workflows/default/arts');
        if (wf.status?.phase === 'Failed' || wf.status?.phase === 'Error') throw new Error(`workflow failed: ${JSON.stringify(wf.status)}`);
        return wf.status?.phase === 'Succeeded' ? Object.values(wf.status.nodes ?? {}).find((n) => n.displayName === 'arts') : undefined;
      },
      { timeoutMs: 60_000 },
    );
    b = await openBrowser();
    await b.context.addInitScript(`localStorage.setItem('weir.token', ${JSON.stringify(TOKEN)})`);
  });
  after(async () => {
    await b?.close();
    await weir?.stop();
    await s3?.stop();
  });

  test('the download route streams local and S3 artifacts with the token; 401 without it; 404 with a reason', async () => {
    assert.deepEqual((gen.outputs?.artifacts ?? []).map((a) => a.name).sort(), ['bundle', 'copy', 'report']);
    const path = (name: string): string => `/artifacts/default/arts/${encodeURIComponent(gen.id)}/${name}`;
    const auth = { authorization: `Bearer ${TOKEN}` };
    const anonymous = await fetch(weir.url + path('report'));
    assert.equal(anonymous.status, 401);

    const report = await fetch(weir.url + path('report'), { headers: auth });
    assert.equal(report.status, 200, await report.clone().text());
    assert.match(report.headers.get('content-disposition') ?? '', /attachment; filename="out.txt"/);
    assert.equal(await report.text(), 'hello artifact\n');

    const copy = await fetch(weir.url + path('copy'), { headers: auth });
    assert.equal(copy.status, 200);
    assert.equal(await copy.text(), 'hello artifact\n', 'the S3 object, read from the bucket');

    const bundle = await fetch(weir.url + path('bundle'), { headers: auth });
    assert.equal(bundle.status, 200);
    assert.match(bundle.headers.get('content-disposition') ?? '', /\.tgz"/);
    assert.ok(
      gunzipSync(Buffer.from(await bundle.arrayBuffer()))
        .toString('latin1')
        .includes('inner'),
      'a tar.gz holding inner.txt',
    );

    const missing = await fetch(weir.url + path('nope'), { headers: auth });
    assert.equal(missing.status, 404);
    const body = (await missing.json()) as { code: string; message: string };
    assert.equal(body.code, 'NOT_FOUND');
    assert.match(body.message, /no output artifact "nope"/);
  });

  test('the node panel links each output artifact; clicking downloads the stored file', async () => {
    const { page } = b;
    await page.goto(`${weir.url}/workflows/default/arts?node=${encodeURIComponent(gen.id)}`);
    await page.getByTestId('node-panel').waitFor();
    const links = page.getByTestId('artifact-link');
    await eventually(async () => (await links.count()) === 3, { timeoutMs: 15_000 });
    assert.deepEqual(await axeViolations(page), []);
    await shot(page, 'workflow-artifacts');
    for (const [name, want] of [
      ['report', 'hello artifact\n'],
      ['copy', 'hello artifact\n'],
    ] as const) {
      const [download] = await Promise.all([page.waitForEvent('download'), links.filter({ hasText: name }).click()]);
      assert.equal(download.suggestedFilename(), 'out.txt');
      assert.equal(await readFile((await download.path()) ?? '', 'utf8'), want);
    }
  });
});
