// Acceptance: a two-dependency sensor (`conditions: "a && b"`) behind two webhooks fires once per pair, also when the
// spawned `weir server` is SIGKILLed between `a` and `b`; the Workflows run to Succeeded with both events' fields as
// parameters and lineage to both events. Then `weir sensor history NAME --events` exports the recorded events and
// `weir sensor test` over them prints exactly the decisions the live sensor recorded (`weir sensor history -o json`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { memoryIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { freePort, startNatsServer } from '../helpers/nats-server.js';
import { eventually, paramsOf, post, sensorYaml, spawnWeir, tempDir, workflowsOf } from './events-kit.js';
import type { SpawnedWeir, Wf } from './events-kit.js';

interface Rec {
  stage: string;
  type: string;
  eventId: string;
  trigger?: string;
}

test('a && b fires once per pair, also across a SIGKILL between a and b; weir sensor test reproduces the live decisions', async () => {
  await using nats = await startNatsServer();
  await using tmp = await tempDir('pairs');
  const port = await freePort();
  const sensorFile = await tmp.file(
    'sensor.yaml',
    sensorYaml({
      name: 'pairs',
      deps: [
        { name: 'a', eventSourceName: 'shop', eventName: 'order' },
        {
          name: 'b',
          eventSourceName: 'shop',
          eventName: 'payment',
          dataFilters: [{ path: 'body.amount', type: 'number', value: ['0'], comparator: '>' }],
        },
      ],
      conditions: 'a && b',
      params: { order: { dependencyName: 'a', dataKey: 'body.id' }, amount: { dependencyName: 'b', dataKey: 'body.amount' } },
      suspend: false,
    }),
  );
  const manifests = [
    await tmp.file(
      'es.yaml',
      [
        'apiVersion: argoproj.io/v1alpha1',
        'kind: EventSource',
        'metadata:',
        '  name: shop',
        'spec:',
        '  webhook:',
        '    order:',
        `      port: "${port}"`,
        '      endpoint: /order',
        '      method: POST',
        '    payment:',
        `      port: "${port}"`,
        '      endpoint: /payment',
        '      method: POST',
        '',
      ].join('\n'),
    ),
    sensorFile,
  ];
  const dataDir = join(tmp.dir, 'data');
  const cli = async (...args: string[]): Promise<string> => {
    const io = memoryIo({}, tmp.dir);
    const code = await main(args, io);
    assert.equal(code, 0, `weir ${args.join(' ')}: ${io.err}`);
    return io.out;
  };
  const history = async (): Promise<Rec[]> =>
    (await cli('sensor', 'history', 'pairs', '-o', 'json', '--server', weir!.url))
      .trim()
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Rec);
  /** The last evaluate decision about the newest event handled. */
  const lastDecision = async (): Promise<string | undefined> => (await history()).filter((r) => r.stage === 'evaluate').at(-1)?.type;
  let weir: SpawnedWeir | undefined;
  const hook = (ev: string): string => `http://127.0.0.1:${port}/${ev}`;
  const send = async (ev: string, body: unknown, key: string): Promise<void> => {
    await eventually(async () => (await post(hook(ev), body, key)) === 200, {
      timeoutMs: 20_000,
      everyMs: 100,
      what: `POST /${ev} ${key}`,
    });
  };
  const phase = async (name: string): Promise<string | undefined> => {
    const r = await fetch(`${weir!.url}/api/v1/workflows/default/${name}`);
    return ((await r.json()) as Wf).status?.phase;
  };
  try {
    weir = await spawnWeir({ dataDir, busUrl: nats.url, manifests });
    await send('order', { id: 'o-1' }, 'order-1');
    await send('payment', { amount: 0 }, 'pay-0');
    await send('payment', { amount: 10 }, 'pay-10');
    const [first] = await eventually(
      async () => {
        const w = await workflowsOf(weir!.url, 'pairs');
        return w.length === 1 && w;
      },
      { timeoutMs: 30_000, what: "the first pair's workflow" },
    );
    await eventually(async () => (await phase(first.metadata.name)) === 'Succeeded', {
      timeoutMs: 30_000,
      everyMs: 100,
      what: 'first workflow succeeded',
    });

    await send('order', { id: 'o-2' }, 'order-2');
    await eventually(async () => (await lastDecision()) === 'waiting', {
      timeoutMs: 20_000,
      everyMs: 100,
      what: 'a of the second pair recorded as waiting',
    });
    await weir.kill();
    weir = await spawnWeir({ dataDir, busUrl: nats.url, manifests });
    await send('payment', { amount: 20 }, 'pay-20');
    const wfs = await eventually(
      async () => {
        const w = await workflowsOf(weir!.url, 'pairs');
        return w.length >= 2 && w;
      },
      { timeoutMs: 30_000, what: "the second pair's workflow" },
    );
    // A lone b after both pairs: it waits for a new a (the pair's state was consumed), no third firing.
    await send('payment', { amount: 30 }, 'pay-30');
    await eventually(async () => (await history()).filter((r) => r.stage === 'evaluate').length === 11, {
      timeoutMs: 20_000,
      everyMs: 100,
      what: 'all events evaluated',
    });
    assert.equal(await lastDecision(), 'waiting');
    assert.equal((await workflowsOf(weir.url, 'pairs')).length, 2, 'exactly one Workflow per pair');
    const byOrder = new Map(wfs.map((w) => [paramsOf(w).order, w]));
    assert.deepEqual(paramsOf(byOrder.get('o-1')!), { order: 'o-1', amount: '10' });
    assert.deepEqual(paramsOf(byOrder.get('o-2')!), { order: 'o-2', amount: '20' });
    for (const w of wfs) {
      assert.equal(w.metadata.labels?.['events.weir.dev/sensor'], 'pairs');
      assert.deepEqual(Object.keys(JSON.parse(String(w.metadata.annotations?.['events.weir.dev/events'])) as object), ['a', 'b']);
      await eventually(async () => (await phase(w.metadata.name)) === 'Succeeded', {
        timeoutMs: 30_000,
        everyMs: 100,
        what: `${w.metadata.name} succeeded`,
      });
    }

    // Offline replay of the recorded events gives the live decisions.
    const live = (await history()).filter((r) => r.stage === 'evaluate');
    assert.deepEqual(
      live.map((r) => r.type),
      [
        'matched',
        'waiting', // o-1
        'filtered-out', // amount 0
        'matched',
        'triggered', // amount 10
        'matched',
        'waiting', // o-2 (then the kill)
        'matched',
        'triggered', // amount 20
        'matched',
        'waiting', // amount 30, alone
      ],
    );
    const events = await tmp.file('events.jsonl', await cli('sensor', 'history', 'pairs', '--events', '--server', weir.url));
    const offline = (await cli('sensor', 'test', sensorFile, '--events', events, '-o', 'json'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Rec);
    assert.deepEqual(offline, live);
    const text = await cli('sensor', 'test', sensorFile, '--events', events);
    assert.match(text, /6 event\(s\), 2 trigger firing\(s\)\n$/);
    for (const w of wfs) assert.match(text, new RegExp(`submit Workflow default/${w.metadata.name}`));
  } catch (e) {
    throw new Error(`${(e as Error).message}\n--- server log ---\n${weir?.log().slice(-4000) ?? ''}`, { cause: e });
  } finally {
    await weir?.stop();
  }
});
