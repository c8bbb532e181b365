// Server verbs, acceptance: against a real in-process `weir server`, `weir submit --wait` runs a 3-step workflow to
// Succeeded; list, get @latest and logs @latest show it; get -o json equals the REST API's JSON. Plus the error
// contract: one line when no server answers (exit 1), 401 with a wrong token, usage errors exit 2, file:line lint errors.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { main } from '../../src/cli/main.js';
import { memoryIo } from '../../src/cli/io.js';
import { spawnWeir, startVerbKit, threeSteps } from './verbs-kit.js';

/** A port nothing listens on (bound, then released). */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('weir server verbs: acceptance', () => {
  test('submit --wait, list, get @latest, logs @latest, get -o json', async () => {
    await using k = await startVerbKit();
    const file = await k.manifest('three.yaml', threeSteps());
    const sub = await k.weir('submit', file, '--wait');
    assert.equal(sub.code, 0, sub.err);
    const name = /^Name:\s+(three-\w+)$/m.exec(sub.out)?.[1];
    assert.ok(name, sub.out);
    assert.match(sub.out, new RegExp(`^${name} Succeeded at \\d{4}-`, 'm'));

    const list = await k.weir('list');
    assert.equal(list.code, 0, list.err);
    const [header, row] = list.out.trimEnd().split('\n');
    assert.match(header, /^NAME\s+STATUS\s+AGE\s+DURATION\s+PRIORITY\s+MESSAGE$/);
    assert.match(row, new RegExp(`^${name}\\s+Succeeded\\s+\\d+s\\s+\\d+s\\s+0$`));

    const get = await k.weir('get', '@latest');
    assert.equal(get.code, 0, get.err);
    assert.match(get.out, new RegExp(`^Name:\\s+${name}$`, 'm'));
    assert.match(get.out, /^Status:\s+Succeeded$/m);
    assert.match(get.out, /^Progress:\s+3\/3$/m);
    assert.match(get.out, /^STEP\s+TEMPLATE\s+PODNAME\s+DURATION\s+MESSAGE$/m);
    for (const s of ['one', 'two', 'three']) assert.match(get.out, new RegExp(`✔ ${s}\\s+say\\s+${name}-\\d+`), get.out);

    const logs = await k.weir('logs', '@latest');
    assert.equal(logs.code, 0, logs.err);
    const lines = logs.out.trimEnd().split('\n');
    assert.equal(lines.length, 3, logs.out);
    lines.forEach((l, i) => assert.match(l, new RegExp(`^${name}-\\d+: ${['first', 'second', 'third'][i]}$`)));
    const one = await k.weir('logs', name, 'two');
    assert.match(one.out, /^three-\w+-\d+: second\n$/);

    const json = await k.weir('get', name, '-o', 'json');
    assert.equal(json.code, 0, json.err);
    assert.deepEqual(JSON.parse(json.out), await k.fetchJson(`/api/v1/workflows/default/${name}`));
    const yamlName = await k.weir('get', '@latest', '-o', 'name');
    assert.equal(yamlName.out, `${name}\n`);
  });

  test('the real binary: submit --wait and get @latest -o name', async () => {
    await using k = await startVerbKit();
    const file = await k.manifest('three.yaml', threeSteps('bin-'));
    const sub = await spawnWeir(['submit', file, '--wait', '-o', 'name', '--server', k.url]);
    assert.equal(sub.code, 0, sub.err);
    const [name, final] = sub.out.trimEnd().split('\n');
    assert.match(name, /^bin-\w{5}$/);
    assert.match(final, new RegExp(`^${name} Succeeded at `));
    const get = await spawnWeir(['get', '@latest', '-o', 'name'], { WEIR_SERVER: k.url });
    assert.equal(get.out, `${name}\n`);
  });
});

describe('weir server verbs: errors', () => {
  test('no server: one line naming the URL, exit 1 (in-process and real binary)', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const want = `weir: cannot reach the Weir server at ${url} (start one with "weir server")\n`;
    for (const args of [['list'], ['get', '@latest'], ['submit', '--from', 'wftmpl/x'], ['template', 'list'], ['logs', 'x']]) {
      const io = memoryIo({ WEIR_SERVER: url });
      assert.equal(await main(args, io), 1, args.join(' '));
      assert.equal(io.err, want, args.join(' '));
      assert.equal(io.out, '');
    }
    const bin = await spawnWeir(['list', '--server', url]);
    assert.equal(bin.code, 1);
    assert.equal(bin.err, want);
  });

  test('a wrong token is a 401 reported in one line; the right one works', async () => {
    await using k = await startVerbKit({ token: 's3cret-token' });
    const bad = await k.weirEnv({ WEIR_AUTH_TOKEN: 'wrong' }, 'list');
    assert.equal(bad.code, 1);
    assert.equal(bad.err, 'weir: invalid bearer token (set --token or WEIR_AUTH_TOKEN)\n');
    const none = await k.weirEnv({}, 'list');
    assert.equal(none.code, 1);
    assert.match(none.err, /^weir: missing bearer token.*\n$/);
    const good = await k.weirEnv({}, 'list', '--token', 's3cret-token');
    assert.equal(good.code, 0, good.err);
    assert.equal(good.err, 'No workflows found in namespace default.\n');
  });

  test('usage errors exit 2 before any request', async () => {
    const io = (): ReturnType<typeof memoryIo> => memoryIo({ WEIR_SERVER: 'http://127.0.0.1:9' });
    const cases: [string[], RegExp][] = [
      [['list', '--bogus'], /^weir: unknown flag --bogus; run `weir list --help` for the flags\n$/],
      [['list', '-o', 'table'], /unknown output format "table"; use wide, json, yaml, name/],
      [['list', '--since', 'yesterday'], /--since expects a duration/],
      [['list', '--status', 'Done'], /--status: unknown phase "Done"/],
      [['list', '--running', '--completed'], /only one of --status, --running and --completed/],
      [['get'], /missing arguments; usage: weir get/],
      [['logs', 'a', 'b', 'c'], /unexpected argument "c"/],
      [['submit'], /submit needs a manifest file or --from/],
      [['submit', '--from', 'wftmpl/x', '--wait', '--watch'], /--wait cannot be combined with --watch/],
      [['submit', '--from', 'sensor/x'], /--from expects KIND\/NAME/],
      [['submit', '--from', 'wftmpl/x', '-p', 'novalue'], /-p expects NAME=VALUE/],
      [['delete'], /delete needs workflow names or --all/],
      [['delete', 'x', '--all'], /not both/],
      [['retry', 'x', '--restart-successful'], /--restart-successful needs --node-field-selector/],
      [['suspend', 'x', '--memoized'], /weir suspend has no flag --memoized/],
      [['template', 'frob'], /unknown command "frob"; use weir template create\|list\|get\|delete/],
      [['template', 'suspend', 'x'], /unknown command "suspend"/],
      [['list', '--server', 'ftp://x'], /--server must be an http:\/\/ or https:\/\/ URL/],
      [['list', '-n', 'Bad_NS'], /namespace must be a DNS label/],
    ];
    for (const [args, re] of cases) {
      const o = io();
      assert.equal(await main(args, o), 2, `${args.join(' ')}: ${o.err}`);
      assert.match(o.err, re, args.join(' '));
      assert.equal(o.err.split('\n').length, 2, `one line: ${o.err}`);
    }
  });

  test('invalid manifests are reported at file:line locally (exit 2); server errors print their message', async () => {
    await using k = await startVerbKit();
    const bad = await k.manifest('bad.yaml', {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Workflow',
      metadata: { name: 'bad' },
      spec: { templates: [] },
    });
    const r = await k.weir('submit', bad);
    assert.equal(r.code, 2);
    assert.match(r.err, /bad\.yaml:\d+:\d+: error: .*entrypoint/);
    assert.match(r.err, /weir: nothing sent: 1 error\(s\) in the input\n$/);
    const tmpl = await k.manifest('tmpl.yaml', {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'WorkflowTemplate',
      metadata: { name: 't' },
      spec: { templates: [] },
    });
    const wrongKind = await k.weir('submit', tmpl);
    assert.equal(wrongKind.code, 2);
    assert.match(wrongKind.err, /tmpl\.yaml:2:1: error: weir submit takes Workflows, not WorkflowTemplate/);
    const missing = await k.weir('get', 'nope');
    assert.equal(missing.code, 1);
    assert.equal(missing.err, 'weir: workflows "nope" not found in namespace default\n');
    const fromMissing = await k.weir('submit', '--from', 'workflowtemplate/none');
    assert.equal(fromMissing.code, 1);
    assert.match(fromMissing.err, /^weir: workflowtemplates "none" not found in namespace default\n$/);
    const latest = await k.weir('logs', '@latest');
    assert.equal(latest.err, 'weir: @latest: there are no workflows in namespace default\n');
  });

  test('version prints the client and the server', async () => {
    await using k = await startVerbKit();
    const v = await k.weir('version');
    assert.equal(v.code, 0, v.err);
    assert.match(v.out, /^weir \d+\.\d+\.\d+\nserver v\d+\.\d+\.\d+ at http:\/\/127\.0\.0\.1:\d+ \(node v/);
    const j = await k.weir('version', '-o', 'json');
    const parsed = JSON.parse(j.out) as { client: { version: string }; server: { version: string } };
    assert.equal(parsed.client.version, parsed.server.version);
    const offline = await main(['version', '--client'], memoryIo({ WEIR_SERVER: 'http://127.0.0.1:9' }));
    assert.equal(offline, 0);
  });
});
