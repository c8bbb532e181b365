// Backfill jobs run by the cron controller on a memory store: 31 days → 31 workflows with the right scheduled
// times and live-run names, never more than maxActive unfinished at once, reverse order, re-runs create nothing,
// reprocess failed re-creates only the failed ones, dry-run plans, cancellation.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { cancelBackfill, getBackfill, planBackfill, startBackfill } from '../../src/cron/backfill.js';
import { CronController } from '../../src/cron/controller.js';
import { parseTimeInZone } from '../../src/cron/ticks.js';
import type { BackfillRequest } from '../../src/cron/backfill.js';
import type { BackfillJob } from '../../src/cron/types.js';
import { createMemoryStore } from '../../src/store/memory-store.js';
import type { ResourceStore } from '../../src/store/types.js';
import { FakeClock, children, cronManifest, setPhase } from './kit.js';

const ZONE = 'Europe/Berlin';
const JAN: BackfillRequest = { from: parseTimeInZone('2026-01-01', ZONE)!, to: parseTimeInZone('2026-01-31', ZONE, true)!, maxActive: 3 };

async function setup(): Promise<{ store: ResourceStore; clock: FakeClock; ctl: CronController }> {
  const clock = new FakeClock(Date.parse('2026-02-10T12:00:00Z'));
  const store = createMemoryStore({ clock });
  await store.create('CronWorkflow', cronManifest('nightly', { schedules: ['0 2 * * *'], timezone: ZONE }));
  return { store, clock, ctl: new CronController({ store, clock }) };
}

/**
 * Plays the workflow controller: each round, reconcile the cron, record how many backfill children are unfinished,
 * then finish one of them (Failed when `fail` says so). Returns the job when done and the most seen unfinished.
 */
async function drive(
  store: ResourceStore,
  ctl: CronController,
  id: string,
  fail: (name: string) => boolean = () => false,
): Promise<{ job: BackfillJob; maxUnfinished: number }> {
  let maxUnfinished = 0;
  for (let round = 0; round < 500; round++) {
    await ctl.reconcile('default/nightly');
    const mine = (await children(store, 'nightly')).filter((w) => w.metadata.labels?.['weir.dev/backfill'] === id);
    const unfinished = mine.filter(
      (w) => !['Succeeded', 'Failed', 'Error'].includes(String((w.status as { phase?: string } | undefined)?.phase)),
    );
    maxUnfinished = Math.max(maxUnfinished, unfinished.length);
    const job = await getBackfill(store, 'default', 'nightly', id);
    if (job.state !== 'Running') return { job, maxUnfinished };
    const next = unfinished[0];
    if (next) await setPhase(store, next.metadata.name, fail(next.metadata.name) ? 'Failed' : 'Succeeded');
  }
  throw new Error('backfill did not finish');
}

describe('backfill', () => {
  test('31 days: 31 workflows with live-run names and scheduled times, max-active 3 respected; a re-run creates none', async () => {
    const { store, ctl, clock } = await setup();
    const job = await startBackfill(store, 'default', 'nightly', JAN, clock.now());
    assert.equal(job.total, 31);
    const { job: done, maxUnfinished } = await drive(store, ctl, job.id);
    assert.equal(maxUnfinished, 3);
    assert.deepEqual([done.state, done.created, done.skipped, done.succeeded, done.failed], ['Succeeded', 31, 0, 31, 0]);
    const wfs = await children(store, 'nightly');
    assert.equal(wfs.length, 31);
    const times = wfs.map((w) => w.metadata.annotations?.['workflows.argoproj.io/scheduled-time']).sort();
    assert.equal(times[0], '2026-01-01T02:00:00+01:00');
    assert.equal(times[30], '2026-01-31T02:00:00+01:00');
    assert.equal(new Set(times).size, 31);
    const first = Date.parse('2026-01-01T01:00:00Z') / 1000;
    assert.ok(wfs.some((w) => w.metadata.name === `nightly-${first}`));
    // History limits leave backfilled workflows alone.
    await ctl.reconcile('default/nightly');
    assert.equal((await children(store, 'nightly')).length, 31);

    const again = await startBackfill(store, 'default', 'nightly', JAN, clock.now());
    const r2 = await drive(store, ctl, again.id);
    assert.deepEqual([r2.job.state, r2.job.created, r2.job.skipped], ['Succeeded', 0, 31]);
    assert.equal((await children(store, 'nightly')).length, 31);
  });

  test('reprocess failed re-runs only the failed ones (deleted and created again under the same name)', async () => {
    const { store, ctl, clock } = await setup();
    const failing = new Set(['05', '12', '20'].map((d) => `nightly-${Date.parse(`2026-01-${d}T01:00:00Z`) / 1000}`));
    const job = await startBackfill(store, 'default', 'nightly', { ...JAN, maxActive: 5 }, clock.now());
    const r = await drive(store, ctl, job.id, (n) => failing.has(n));
    assert.equal(r.job.state, 'Failed');
    assert.equal(r.job.failed, 3);
    const failedBefore = (await children(store, 'nightly')).filter((w) => (w.status as { phase: string }).phase === 'Failed');
    assert.equal(failedBefore.length, 3);
    const oldUids = new Map(failedBefore.map((w) => [w.metadata.name, w.metadata.uid]));

    const plan = await planBackfill(store, (await store.get('CronWorkflow', 'default', 'nightly'))!, { ...JAN, reprocess: 'failed' });
    assert.equal(plan.filter((p) => p.action === 'recreate').length, 3);
    assert.equal(plan.filter((p) => p.action === 'skip').length, 28);

    const re = await startBackfill(store, 'default', 'nightly', { ...JAN, reprocess: 'failed' }, clock.now());
    const r2 = await drive(store, ctl, re.id);
    assert.deepEqual([r2.job.state, r2.job.created, r2.job.skipped, r2.job.succeeded], ['Succeeded', 3, 28, 3]);
    const after = await children(store, 'nightly');
    assert.equal(after.length, 31);
    for (const [name, uid] of oldUids) {
      const w = after.find((x) => x.metadata.name === name);
      assert.ok(w && w.metadata.uid !== uid && (w.status as { phase: string }).phase === 'Succeeded', name);
    }
  });

  test('reverse order creates the newest first; dry-run plans create; cancel stops creating', async () => {
    const { store, ctl, clock } = await setup();
    const cron = (await store.get('CronWorkflow', 'default', 'nightly'))!;
    const plan = await planBackfill(store, cron, { ...JAN, reverse: true });
    assert.equal(plan.length, 31);
    assert.equal(plan[0].time, '2026-01-31T01:00:00.000Z');
    assert.ok(plan.every((p) => p.action === 'create'));
    assert.equal((await children(store, 'nightly')).length, 0);
    const job = await startBackfill(store, 'default', 'nightly', { ...JAN, reverse: true, maxActive: 2 }, clock.now());
    await ctl.reconcile('default/nightly');
    const names = (await children(store, 'nightly')).map((w) => w.metadata.annotations?.['workflows.argoproj.io/scheduled-time']).sort();
    assert.deepEqual(names, ['2026-01-30T02:00:00+01:00', '2026-01-31T02:00:00+01:00']);
    const c = await cancelBackfill(store, 'default', 'nightly', job.id, clock.now());
    assert.equal(c.state, 'Cancelled');
    for (const w of await children(store, 'nightly')) await setPhase(store, w.metadata.name, 'Succeeded');
    await ctl.reconcile('default/nightly');
    assert.equal((await children(store, 'nightly')).length, 2);
    await assert.rejects(startBackfill(store, 'default', 'nightly', { ...JAN, maxActive: 0 }, clock.now()), /maxActive/);
    await assert.rejects(startBackfill(store, 'default', 'nightly', { from: JAN.to, to: JAN.from }, clock.now()), /before/);
  });
});
