// CronController against a memory store with an injected clock: child naming and labels, Allow/Forbid/Replace,
// suspend, when, stopStrategy, history limits, and catch-up (default/all/last/none) after a simulated downtime.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { CronController } from '../../src/cron/controller.js';
import { WeirError } from '../../src/core/errors.js';
import { createMemoryStore } from '../../src/store/memory-store.js';
import { FakeClock, children, cronManifest, cronStatus, eventually, setPhase } from './kit.js';

const T0 = Date.parse('2026-01-01T00:00:00.500Z');
const tickName = (cron: string, secondsAfterT0: number): string => `${cron}-${Math.floor(T0 / 1000) + secondsAfterT0}`;

function setup(): { clock: FakeClock; store: ReturnType<typeof createMemoryStore> } {
  const clock = new FakeClock(T0);
  return { clock, store: createMemoryStore({ clock }) };
}

describe('cron controller', () => {
  test('a tick creates the child with Argo name, label, scheduled-time annotation and owner; status records it', async () => {
    const { clock, store } = setup();
    await store.create(
      'CronWorkflow',
      cronManifest('c', { schedules: ['@every 1s'], timezone: 'Europe/Berlin', workflowMetadata: { labels: { team: 'a' } } }),
    );
    const ctl = new CronController({ store, clock });
    await ctl.reconcileAll();
    assert.equal((await children(store, 'c')).length, 0);
    clock.advance(1000);
    await ctl.reconcileAll();
    const [wf] = await children(store, 'c');
    assert.equal(wf.metadata.name, tickName('c', 1));
    assert.equal(wf.metadata.labels?.['workflows.argoproj.io/cron-workflow'], 'c');
    assert.equal(wf.metadata.labels?.team, 'a');
    assert.equal(wf.metadata.annotations?.['workflows.argoproj.io/scheduled-time'], '2026-01-01T01:00:01+01:00');
    assert.match(String(wf.metadata.annotations?.['weir.dev/owner']), /^CronWorkflow\/default\/c\//);
    const st = await cronStatus(store, 'c');
    assert.equal(st.lastScheduledTime, '2026-01-01T00:00:01.000Z');
    assert.equal(st.phase, 'Active');
    assert.deepEqual(
      (st.active as { name: string }[]).map((a) => a.name),
      [wf.metadata.name],
    );
    assert.deepEqual(
      st.history?.map((h) => [h.outcome, h.workflow]),
      [['Ran', wf.metadata.name]],
    );
  });

  test('Allow runs overlapping children; Forbid skips while one runs; Replace terminates then starts', async () => {
    const { clock, store } = setup();
    await store.create('CronWorkflow', cronManifest('allow', { schedules: ['@every 1s'] }));
    await store.create('CronWorkflow', cronManifest('forbid', { schedules: ['@every 1s'], concurrencyPolicy: 'Forbid' }));
    await store.create('CronWorkflow', cronManifest('replace', { schedules: ['@every 1s'], concurrencyPolicy: 'Replace' }));
    const ctl = new CronController({ store, clock });
    clock.advance(1000);
    await ctl.reconcileAll();
    clock.advance(1000);
    await ctl.reconcileAll();
    assert.equal((await children(store, 'allow')).length, 2);
    assert.equal((await children(store, 'forbid')).length, 1);
    const fh = (await cronStatus(store, 'forbid')).history ?? [];
    assert.equal(fh[1].outcome, 'Skipped');
    assert.match(String(fh[1].reason), /Forbid: forbid-\d+ still running/);
    const rep = await children(store, 'replace');
    assert.equal(rep.length, 2);
    assert.equal((rep[0].spec as { shutdown?: string }).shutdown, 'Terminate');
    assert.equal((rep[1].spec as { shutdown?: string }).shutdown, undefined);
    // Once the Forbid child finishes, the next tick runs and the counter moves.
    await setPhase(store, tickName('forbid', 1), 'Succeeded');
    clock.advance(1000);
    await ctl.reconcileAll();
    assert.equal((await children(store, 'forbid')).length, 2);
    const st = await cronStatus(store, 'forbid');
    assert.equal(st.succeeded, 1);
    assert.deepEqual(
      (st.active as { name: string }[]).map((a) => a.name),
      [tickName('forbid', 3)],
    );
  });

  test('suspend records Suspended ticks (collapsed) and runs nothing; when false skips', async () => {
    const { clock, store } = setup();
    await store.create('CronWorkflow', cronManifest('s', { schedules: ['@every 1s'], suspend: true }));
    await store.create('CronWorkflow', cronManifest('w', { schedules: ['@every 1s'], when: '{{cronworkflow.succeeded}} > 5' }));
    const ctl = new CronController({ store, clock });
    for (let i = 0; i < 3; i++) {
      clock.advance(1000);
      await ctl.reconcileAll();
    }
    assert.equal((await children(store, 's')).length, 0);
    assert.deepEqual(
      (await cronStatus(store, 's')).history?.map((h) => [h.outcome, h.count]),
      [['Suspended', 3]],
    );
    assert.equal((await children(store, 'w')).length, 0);
    assert.deepEqual(
      (await cronStatus(store, 'w')).history?.map((h) => [h.outcome, h.reason, h.count]),
      [['Skipped', 'when is false', 3]],
    );
  });

  test('stopStrategy: after a failed child the CronWorkflow is Stopped and schedules nothing more', async () => {
    const { clock, store } = setup();
    await store.create(
      'CronWorkflow',
      cronManifest('stop', { schedules: ['@every 1s'], stopStrategy: { expression: 'cronworkflow.failed >= 1' } }),
    );
    const ctl = new CronController({ store, clock });
    clock.advance(1000);
    await ctl.reconcileAll();
    await setPhase(store, tickName('stop', 1), 'Failed');
    clock.advance(1000);
    await ctl.reconcileAll();
    clock.advance(1000);
    await ctl.reconcileAll();
    assert.equal((await children(store, 'stop')).length, 1);
    const c = await store.get('CronWorkflow', 'default', 'stop');
    const st = c?.status as { phase: string; failed: number };
    assert.equal(st.phase, 'Stopped');
    assert.equal(st.failed, 1);
    assert.equal(c?.metadata.labels?.['workflows.argoproj.io/cron-workflow-completed'], 'true');
  });

  test("changing the schedules does not run the new schedule's past ticks", async () => {
    const { clock, store } = setup();
    await store.create('CronWorkflow', cronManifest('chg', { schedules: ['0 0 * * *'] }));
    const ctl = new CronController({ store, clock });
    await ctl.reconcileAll();
    clock.advance(3_600_000 * 5);
    await ctl.reconcileAll();
    const cur = (await store.get('CronWorkflow', 'default', 'chg'))!;
    await store.update('CronWorkflow', { ...cur, spec: { ...cur.spec, schedules: ['@every 1s'] } });
    await ctl.reconcileAll();
    assert.equal((await children(store, 'chg')).length, 0);
    clock.advance(1000);
    await ctl.reconcileAll();
    assert.equal((await children(store, 'chg')).length, 1);
  });

  test('history limits delete the oldest finished children (3 successful, 1 failed by default; custom limits)', async () => {
    const { clock, store } = setup();
    await store.create('CronWorkflow', cronManifest('h', { schedules: ['@every 1s'] }));
    await store.create(
      'CronWorkflow',
      cronManifest('h2', { schedules: ['@every 1s'], successfulJobsHistoryLimit: 1, failedJobsHistoryLimit: 0 }),
    );
    const ctl = new CronController({ store, clock });
    for (let i = 1; i <= 7; i++) {
      clock.advance(1000);
      await ctl.reconcileAll();
      for (const c of ['h', 'h2'])
        await setPhase(store, tickName(c, i), i <= 5 ? 'Succeeded' : 'Failed', new Date(clock.now()).toISOString());
    }
    await ctl.reconcileAll();
    assert.deepEqual(
      (await children(store, 'h')).map((w) => w.metadata.name),
      [3, 4, 5, 7].map((i) => tickName('h', i)),
    );
    assert.deepEqual(
      (await children(store, 'h2')).map((w) => w.metadata.name),
      [tickName('h2', 5)],
    );
    const hist = (await cronStatus(store, 'h')).history ?? [];
    assert.equal(hist.find((e) => e.workflow === tickName('h', 1))?.phase, 'Succeeded');
    assert.equal((await cronStatus(store, 'h')).succeeded, 5);
    assert.equal((await cronStatus(store, 'h')).failed, 2);
  });

  describe('catch-up after 5 missed ticks of an every-second CronWorkflow', () => {
    /** Runs tick 1 live, "stops" for 5 ticks, then starts a new controller; returns the child names (tick numbers). */
    async function downtime(
      spec: Record<string, unknown>,
    ): Promise<{ ticks: number[]; history: Record<string, unknown>[]; again: number[] }> {
      const { clock, store } = setup();
      await store.create('CronWorkflow', cronManifest('d', { schedules: ['@every 1s'], ...spec }));
      const before = new CronController({ store, clock });
      clock.advance(1000);
      await before.reconcileAll();
      clock.advance(5000); // ticks 2..6 fall due while nothing runs
      const after = new CronController({ store, clock });
      await after.reconcileAll();
      const toTick = (n: string): number => Number(n.split('-')[1]) - Math.floor(T0 / 1000);
      const ticks = (await children(store, 'd')).map((w) => toTick(w.metadata.name));
      // Another restart at once, then live ticks: nothing runs twice.
      await new CronController({ store, clock }).reconcileAll();
      clock.advance(1000);
      await after.reconcileAll();
      const again = (await children(store, 'd')).map((w) => toTick(w.metadata.name));
      return { ticks, history: (await cronStatus(store, 'd')).history ?? [], again };
    }

    test('catchup: all runs the 5 missed ticks in order, once', async () => {
      const r = await downtime({ catchup: 'all' });
      assert.deepEqual(r.ticks, [1, 2, 3, 4, 5, 6]);
      assert.deepEqual(r.again, [1, 2, 3, 4, 5, 6, 7]);
      assert.deepEqual(
        r.history.map((h) => h.outcome),
        ['Ran', 'Ran', 'Ran', 'Ran', 'Ran', 'Ran', 'Ran'],
      );
    });

    test('default (Argo): nothing without startingDeadlineSeconds; only the latest within it', async () => {
      const none = await downtime({});
      assert.deepEqual(none.ticks, [1]);
      assert.deepEqual(
        none.history.map((h) => [h.outcome, h.count ?? 1]),
        [
          ['Ran', 1],
          ['Missed', 4],
          ['Missed', 1],
          ['Ran', 1],
        ],
      );
      const latest = await downtime({ startingDeadlineSeconds: 30 });
      assert.deepEqual(latest.ticks, [1, 6]);
      assert.deepEqual(latest.again, [1, 6, 7]);
      const late = await downtime({ startingDeadlineSeconds: 0 });
      assert.deepEqual(late.ticks, [1]);
    });

    test('catchup: last runs only the latest; none runs none; catchupLimit bounds all', async () => {
      assert.deepEqual((await downtime({ catchup: 'last' })).ticks, [1, 6]);
      assert.deepEqual((await downtime({ catchup: 'none' })).ticks, [1]);
      assert.deepEqual((await downtime({ catchup: 'all', catchupLimit: 2 })).ticks, [1, 5, 6]);
    });
  });

  test('run(): sleeps on the injected clock until the next tick, reacts to new CronWorkflows, stops on abort', async () => {
    const { clock, store } = setup();
    const ctl = new CronController({ store, clock });
    const ac = new AbortController();
    const running = ctl.run(ac.signal);
    await store.create('CronWorkflow', cronManifest('loop', { schedules: ['@every 1s'] }));
    await eventually(async () => (await cronStatus(store, 'loop')).phase === 'Active', { timeoutMs: 5000 });
    for (let i = 1; i <= 3; i++) {
      clock.advance(1000);
      await eventually(async () => (await children(store, 'loop')).length === i, { timeoutMs: 5000 });
    }
    assert.equal((await children(store, 'loop')).length, 3);
    ac.abort();
    await running;
    assert.equal(ctl.state, 'stopped');
    await ctl.stop(); // idempotent
    await assert.rejects(ctl.run(new AbortController().signal), (e: unknown) => e instanceof WeirError && e.code === 'CONFLICT');
  });

  test('stop() ends run() without an abort signal; stop() before run() means it never runs', async () => {
    const { clock, store } = setup();
    const ctl = new CronController({ store, clock });
    const running = ctl.run(new AbortController().signal);
    await eventually(() => ctl.state === 'running', { timeoutMs: 5000 });
    await ctl.stop();
    await running;
    assert.equal(ctl.state, 'stopped');
    const never = new CronController({ store, clock });
    await never.stop();
    assert.equal(never.state, 'stopped');
    await assert.rejects(never.run(new AbortController().signal), (e: unknown) => e instanceof WeirError && e.code === 'CONFLICT');
  });
});
