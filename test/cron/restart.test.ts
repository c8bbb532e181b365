// Catch-up across a real restart of `weir server` (its own process, SQLite data dir): two every-second
// CronWorkflows run live, the server is stopped for ~5 ticks and started again. With `catchup: all` every missed
// tick runs after the restart (no gap in the child names); with the defaults (no startingDeadlineSeconds) none do
// and the history says Missed; no scheduled time ever gets two workflows.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { repoRoot } from '../helpers/paths.js';
import { eventually } from './kit.js';

const mainJs = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

function cron(name: string, extra: Record<string, unknown>): unknown {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'CronWorkflow',
    metadata: { name },
    spec: {
      schedules: ['@every 1s'],
      successfulJobsHistoryLimit: 100,
      failedJobsHistoryLimit: 100,
      ...extra,
      workflowSpec: { entrypoint: 'main', templates: [{ name: 'main', container: { image: 'alpine', command: ['true'] } }] },
    },
  };
}

async function startServer(dataDir: string, manifests: string[]): Promise<{ url: string; proc: ChildProcess; stop(): Promise<void> }> {
  const script = `import(${JSON.stringify(mainJs)}).then(async (m) => { process.exitCode = await m.main(process.argv.slice(1)); })`;
  const proc = spawn(
    process.execPath,
    ['--input-type=module', '-e', script, 'server', '--port', '0', '--data-dir', dataDir, ...manifests],
    { cwd: repoRoot, env: { ...process.env, NO_COLOR: '1' } },
  );
  let out = '';
  let err = '';
  proc.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    proc.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    proc.once('exit', (code) => reject(new Error(`weir server exited (${String(code)}): ${err}`)));
  });
  const stop = (): Promise<void> =>
    new Promise((resolve) => {
      if (proc.exitCode !== null) return resolve();
      proc.once('exit', () => resolve());
      proc.kill('SIGTERM');
    });
  return { url, proc, stop };
}

interface Item {
  metadata: { name: string };
}
const seconds = async (url: string, name: string): Promise<number[]> => {
  const r = await fetch(`${url}/api/v1/workflows/default?listOptions.labelSelector=workflows.argoproj.io/cron-workflow=${name}`);
  const body = (await r.json()) as { items?: Item[] | null };
  return (body.items ?? []).map((w) => Number(w.metadata.name.slice(name.length + 1))).sort((a, b) => a - b);
};

describe('catch-up across a weir server restart', () => {
  test('catchup all runs the ~5 missed ticks after restart; defaults run none; nothing twice', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'weir-cron-restart-'));
    try {
      const file = join(dir, 'crons.yaml');
      await writeFile(file, [cron('every-all', { catchup: 'all' }), cron('every-default', {})].map((d) => stringify(d)).join('---\n'));
      const data = join(dir, 'data');
      const first = await startServer(data, [file]);
      await eventually(
        async () => (await seconds(first.url, 'every-all')).length >= 2 && (await seconds(first.url, 'every-default')).length >= 2,
        { timeoutMs: 15_000 },
      );
      await first.stop();
      const stoppedAt = Math.floor(Date.now() / 1000);
      // The downtime itself is what is tested: five ticks pass with no server.
      await new Promise((r) => setTimeout(r, 5_200));
      const second = await startServer(data, []);
      try {
        const restartedAt = Math.floor(Date.now() / 1000);
        await eventually(
          async () => {
            const s = await seconds(second.url, 'every-all');
            return (
              s.length > 0 &&
              s[s.length - 1] >= restartedAt + 1 &&
              (await seconds(second.url, 'every-default')).some((x) => x >= restartedAt + 1)
            );
          },
          { timeoutMs: 15_000 },
        );
        const all = await seconds(second.url, 'every-all');
        const dflt = await seconds(second.url, 'every-default');
        for (const s of [all, dflt]) assert.equal(new Set(s).size, s.length);
        // catchup all: one workflow per second from the first to the last, across the downtime.
        assert.deepEqual(
          all,
          Array.from({ length: all[all.length - 1] - all[0] + 1 }, (_, i) => all[0] + i),
        );
        assert.ok(
          all.some((x) => x > stoppedAt + 1 && x < restartedAt - 1),
          `missed ticks ran: ${all.join(',')}`,
        );
        // defaults: a gap of about the downtime, recorded as Missed.
        const gaps = dflt.slice(1).map((x, i) => x - dflt[i]);
        assert.ok(Math.max(...gaps) >= 5, `gap in ${dflt.join(',')}`);
        const obj = (await (await fetch(`${second.url}/api/v1/cron-workflows/default/every-default`)).json()) as {
          status: { history: { outcome: string; count?: number }[] };
        };
        const missed = obj.status.history.filter((h) => h.outcome === 'Missed').reduce((n, h) => n + (h.count ?? 1), 0);
        assert.ok(missed >= 4, `missed ${missed}`);
      } finally {
        await second.stop();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
