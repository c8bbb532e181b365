// Backfill end to end through a real in-process `weir server` (SQLite store, controller, host executor): the CLI
// starts a server-side job over REST and follows it; max-active is observed on the running workflows; a re-run
// creates none; dry-run lists; `weir cron get` shows the history; REST progress and the child's scheduled time.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startVerbKit } from '../cli/verbs-kit.js';

const cron = {
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'CronWorkflow',
  metadata: { name: 'nightly' },
  spec: {
    schedules: ['0 2 * * *'],
    timezone: 'UTC',
    workflowSpec: {
      entrypoint: 'main',
      templates: [
        { name: 'main', container: { image: 'alpine', command: ['sh', '-c', 'sleep 0.3; echo "run for {{workflow.scheduledTime}}"'] } },
      ],
    },
  },
};

interface Wf {
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  status?: { phase?: string };
  spec: unknown;
}

describe('cron backfill through weir server', () => {
  test('backfill, max-active, re-run, dry-run, history', async () => {
    await using kit = await startVerbKit();
    const file = await kit.manifest('nightly.yaml', cron);
    assert.equal((await kit.weir('cron', 'create', file)).code, 0);

    let maxRunning = 0;
    let watching = true;
    const observer = (async () => {
      while (watching) {
        const list = (await kit.fetchJson('/api/v1/workflows/default?listOptions.labelSelector=weir.dev/backfill')) as {
          items?: Wf[] | null;
        };
        const unfinished = (list.items ?? []).filter((w) => !['Succeeded', 'Failed', 'Error'].includes(String(w.status?.phase))).length;
        maxRunning = Math.max(maxRunning, unfinished);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const r = await kit.weir('cron', 'backfill', 'nightly', '--from', '2026-01-01', '--to', '2026-01-05', '--max-active', '2');
    watching = false;
    await observer;
    assert.equal(r.code, 0, r.err + r.out);
    assert.match(r.out, /5 scheduled time\(s\)/);
    assert.match(r.out, /5 created, 0 skipped .*5 succeeded, 0 failed/);
    assert.match(r.err, /\/5 done/);
    assert.ok(maxRunning >= 1 && maxRunning <= 2, `max running ${maxRunning}`);

    const list = (await kit.fetchJson(
      '/api/v1/workflows/default?listOptions.labelSelector=workflows.argoproj.io/cron-workflow=nightly',
    )) as { items: Wf[] };
    assert.equal(list.items.length, 5);
    const jan1 = list.items.find((w) => w.metadata.name === `nightly-${Date.parse('2026-01-01T02:00:00Z') / 1000}`);
    assert.ok(jan1);
    assert.equal(jan1.metadata.annotations?.['workflows.argoproj.io/scheduled-time'], '2026-01-01T02:00:00Z');
    assert.match(JSON.stringify(jan1.spec), /run for 2026-01-01T02:00:00Z/);

    const again = await kit.weir('cron', 'backfill', 'nightly', '--from', '2026-01-01', '--to', '2026-01-05');
    assert.equal(again.code, 0, again.err);
    assert.match(again.out, /0 created, 5 skipped/);

    const dry = await kit.weir('cron', 'backfill', 'nightly', '--from', '2026-01-04', '--to', '2026-01-07', '--dry-run');
    assert.equal(dry.code, 0, dry.err);
    assert.match(dry.out, /would create 2, re-create 0, skip 2/);

    const get = await kit.weir('cron', 'get', 'nightly');
    assert.equal(get.code, 0, get.err);
    assert.match(get.out, /History:/);
    assert.match(get.out, /Backfilled\s+nightly-\d+\s+Succeeded/);
    assert.match(get.out, /Backfills:\n.*\n.*Succeeded/);

    const obj = (await kit.fetchJson('/api/v1/cron-workflows/default/nightly')) as {
      status: { history: unknown[]; backfills: { id: string }[] };
    };
    assert.equal(obj.status.history.length, 5);
    const job = (await kit.fetchJson(`/api/v1/cron-workflows/default/nightly/backfill/${obj.status.backfills[0].id}`)) as {
      state: string;
      total: number;
    };
    assert.deepEqual([job.state, job.total], ['Succeeded', 5]);
    const bad = (await kit.fetchJson('/api/v1/cron-workflows/default/nightly/backfill/nope')) as { code?: number; message?: string };
    assert.match(JSON.stringify(bad), /not found/);
    const usage = await kit.weir('cron', 'backfill', 'nightly', '--from', '2026-01-01');
    assert.equal(usage.code, 2);
  });
});
