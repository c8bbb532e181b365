// `weir eventsource logs` / `weir sensor logs` and the REST streams behind them, against a real `weir server`
// (SQLite store, embedded bus) with a webhook event source and a sensor that submits a (suspended) Workflow.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EVENT_SOURCE_LOGS, componentLogs } from '../../src/cli/component-logs.js';
import { memoryIo } from '../../src/cli/io.js';
import { freePort } from '../helpers/nats-server.js';
import { repoRoot } from '../helpers/paths.js';
import { eventually, post, sensorYaml, webhookSourceYaml } from '../e2e/events-kit.js';
import { startVerbKit } from './verbs-kit.js';
import type { VerbKit } from './verbs-kit.js';

async function file(k: VerbKit, name: string, text: string): Promise<string> {
  const p = join(k.dir, name);
  await writeFile(p, text);
  return p;
}

async function withHooks(run: (k: VerbKit, hook: string) => Promise<void>): Promise<void> {
  await using k = await startVerbKit();
  const port = await freePort();
  const es = await k.weir('eventsource', 'create', await file(k, 'es.yaml', webhookSourceYaml('hooks', 'order', port, '/order')));
  assert.equal(es.code, 0, es.err);
  const sn = await k.weir(
    'sensor',
    'create',
    await file(
      k,
      'sensor.yaml',
      sensorYaml({
        name: 'intake',
        deps: [{ name: 'o', eventSourceName: 'hooks', eventName: 'order' }],
        params: { item: { dependencyName: 'o', dataKey: 'body.item' } },
      }),
    ),
  );
  assert.equal(sn.code, 0, sn.err);
  const hook = `http://127.0.0.1:${port}/order`;
  await eventually(
    async () =>
      (await fetch(hook).then(
        (r) => r.status,
        () => 0,
      )) === 405,
    { timeoutMs: 15_000, what: 'webhook endpoint' },
  );
  await run(k, hook);
}

async function ndjson(url: string): Promise<{ status: number; lines: { result: Record<string, unknown> }[] }> {
  const res = await fetch(url);
  const text = await res.text();
  return {
    status: res.status,
    lines: text
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as { result: Record<string, unknown> }),
  };
}

test('eventsource logs and sensor logs show the webhook event and the trigger firing; --grep, --tail and -o json filter and shape them', async () => {
  await withHooks(async (k, hook) => {
    assert.equal(await post(hook, { item: 'apple' }), 200);
    const esOut = await eventually(
      async () => {
        const r = await k.weir('eventsource', 'logs', 'hooks');
        return r.code === 0 && /\[order\] event published/.test(r.out) ? r.out : undefined;
      },
      { timeoutMs: 30_000, what: 'the event source record of the event' },
    );
    assert.match(esOut, /^\d{4}-\d\d-\d\dT\S+Z info {2}\[order\] event published \(eventId=\S+ seq=\d+\)$/m);
    const snOut = await eventually(
      async () => {
        const r = await k.weir('sensor', 'logs', 'intake');
        return /\[submit\] trigger fired/.test(r.out) ? r.out : undefined;
      },
      { timeoutMs: 30_000, what: 'the trigger firing' },
    );
    assert.match(snOut, /^\S+ info {2}\[submit\] trigger fired \(eventId=\S+ outcome=done workflow=intake-\S+\)$/m);
    assert.match((await k.weir('sensor', 'logs', 'intake', '--trigger', 'submit')).out, /trigger fired/);
    assert.equal((await k.weir('sensor', 'logs', 'intake', '--trigger', 'other')).out, '');

    assert.equal(await post(hook, { item: 'pear' }), 200);
    await eventually(
      async () =>
        ((await k.weir('eventsource', 'logs', 'hooks', '--grep', 'event published')).out.match(/event published/g) ?? []).length === 2,
      { timeoutMs: 30_000, what: 'the second event' },
    );
    const grep = await k.weir('eventsource', 'logs', 'hooks', '--grep', 'published');
    assert.ok(
      grep.out
        .trim()
        .split('\n')
        .every((l) => l.includes('published')),
      grep.out,
    );
    assert.equal((await k.weir('eventsource', 'logs', 'hooks', '--grep', 'no such text')).out, '');
    assert.equal((await k.weir('eventsource', 'logs', 'hooks', '--grep', '.*')).out, '', 'grep is plain text, not a pattern');
    assert.equal(
      (await k.weir('eventsource', 'logs', 'hooks', '--grep', 'published', '--tail', '1')).out.split('\n').filter(Boolean).length,
      1,
    );
    assert.match((await k.weir('eventsource', 'logs', 'hooks', '--since', '1h')).out, /event published/);

    const json = await k.weir('eventsource', 'logs', 'hooks', '-o', 'json', '--grep', 'published');
    const objs = json.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(objs.length, 2);
    assert.deepEqual(Object.keys(objs[0]).sort(), ['eventName', 'eventSourceName', 'eventSourceType', 'level', 'msg', 'namespace', 'time']);

    // The REST streams: Argo's {"result": LogEntry} lines.
    const es = await ndjson(`${k.url}/api/v1/stream/event-sources/default/logs?name=hooks&eventName=order&grep=published`);
    assert.equal(es.status, 200);
    assert.equal(es.lines.length, 2);
    assert.deepEqual(
      { ...es.lines[0].result, time: 'T', msg: 'M' },
      {
        namespace: 'default',
        eventSourceName: 'hooks',
        eventSourceType: 'webhook',
        eventName: 'order',
        level: 'info',
        time: 'T',
        msg: 'M',
      },
    );
    assert.equal((await ndjson(`${k.url}/api/v1/stream/event-sources/default/logs?name=hooks&eventSourceType=kafka`)).lines.length, 0);
    const all = await ndjson(`${k.url}/api/v1/stream/event-sources/default/logs`);
    assert.ok(all.lines.length >= 2 && all.lines.every((l) => l.result.eventSourceName === 'hooks'));
    const sn = await ndjson(`${k.url}/api/v1/stream/sensors/default/logs?name=intake&triggerName=submit`);
    assert.ok(sn.lines.length >= 2);
    assert.deepEqual(
      { ...sn.lines[0].result, time: 'T', msg: 'M' },
      { namespace: 'default', sensorName: 'intake', triggerName: 'submit', level: 'info', time: 'T', msg: 'M' },
    );
    // As in Argo (pods by label): an unknown name or namespace is an empty stream, not an error.
    assert.deepEqual(await ndjson(`${k.url}/api/v1/stream/sensors/default/logs?name=nope`), { status: 200, lines: [] });
    assert.deepEqual(await ndjson(`${k.url}/api/v1/stream/event-sources/elsewhere/logs?name=hooks`), { status: 200, lines: [] });
    assert.equal((await fetch(`${k.url}/api/v1/stream/event-sources/default/logs?podLogOptions.tailLines=x`)).status, 400);
  });
});

test('logs -f prints new records as they come and stops on abort (in-process) and on SIGINT (as a process)', async () => {
  await withHooks(async (k, hook) => {
    // In-process: the verb resolves 0 once its signal aborts.
    const io = memoryIo({ WEIR_SERVER: k.url });
    const ac = new AbortController();
    const running = componentLogs(EVENT_SOURCE_LOGS, ['hooks', '-f', '--tail', '0', '--grep', 'event published'], io, ac.signal);
    let n = 0;
    await eventually(
      async () => {
        await post(hook, { item: `follow-${n++}` });
        return io.out.includes('[order] event published');
      },
      { timeoutMs: 30_000, what: 'a followed record' },
    );
    ac.abort();
    assert.equal(await running, 0);

    // As its own process: keeps running until SIGINT.
    const mainJs = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
    const script = `import(${JSON.stringify(mainJs)}).then(async (m) => { process.exitCode = await m.main(process.argv.slice(1)); })`;
    const child = spawn(
      process.execPath,
      ['--input-type=module', '-e', script, 'sensor', 'logs', 'intake', '-f', '--tail', '0', '--trigger', 'submit'],
      {
        cwd: repoRoot,
        env: { ...process.env, WEIR_SERVER: k.url, NO_COLOR: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    const exited = new Promise<string | null>((r) => child.once('exit', (_code, sig) => r(sig)));
    try {
      await eventually(
        async () => {
          await post(hook, { item: `proc-${n++}` });
          return out.includes('[submit] trigger fired');
        },
        { timeoutMs: 30_000, what: 'the followed trigger firing' },
      );
      assert.equal(child.exitCode, null, 'still following');
      child.kill('SIGINT');
      assert.equal(await exited, 'SIGINT');
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
});

test('bad flags are usage errors: exit 2 with one line', async () => {
  await using k = await startVerbKit();
  for (const args of [
    ['eventsource', 'logs', 'hooks', '--tail', 'x'],
    ['eventsource', 'logs', 'hooks', '--since', 'soon'],
    ['eventsource', 'logs'],
    ['sensor', 'logs', 'a', 'b'],
    ['sensor', 'logs', 'a', '--bogus'],
    ['sensor', 'logs', 'a', '-o', 'yaml'],
    ['sensor', 'logs', 'a', '--event', 'e'],
  ]) {
    const r = await k.weir(...args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
    assert.match(r.err, /^weir: [^\n]+\n$/, args.join(' '));
  }
  assert.match((await k.weir('eventsource', 'logs', '--help')).out, /^Usage: weir eventsource logs NAME/);
});
