// Kubernetes mode, cron failover: two `weir server --store kubernetes` replicas (lease 4 s, a shared data dir) and
// a CronWorkflow every 10 s whose step calls a recorder with its workflow's name. The Lease holder is SIGKILLed
// right after it created a run; the standby takes the Lease and runs the next scheduled times. Each scheduled time
// has exactly one Workflow (Argo's deterministic `<cron>-<unix seconds>` names; AlreadyExists is the de-duplication)
// and each Workflow's step ran exactly once: no tick fired twice, none of the runs the dead leader started was run
// again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startKube } from '../helpers/kube.js';
import { eventually, tempDir } from '../e2e/events-kit.js';
import { spawnReplica, startRecorder } from './kit.js';
import type { Replica } from './kit.js';

const INTERVAL_S = 10;

const cronYaml = (recorder: string): string => `apiVersion: argoproj.io/v1alpha1
kind: CronWorkflow
metadata:
  name: ha-cron
  namespace: default
spec:
  schedule: "@every ${INTERVAL_S}s"
  concurrencyPolicy: Allow
  startingDeadlineSeconds: 60
  successfulJobsHistoryLimit: 20
  workflowSpec:
    entrypoint: main
    templates:
      - name: main
        container:
          image: alpine
          command: [sh, -c, 'curl -fsS ${recorder}/{{workflow.name}}']
`;

const isLeader = (r: Replica): boolean => r.log().includes('became the leader');

interface Child {
  name: string;
  phase: string;
  scheduled: number;
}

// Before the fix the old leader's `@every` ticks were counted from its last pass (a pass woken by a child's phase
// change moved them), the standby's from the stored lastProcessedTime: around the failover both scheduled a run of
// the same tick one second apart (...271 and ...272). `@every` ticks are now multiples of the interval since the epoch.
test('cron failover: the leader is SIGKILLed after starting a run; the standby runs the next scheduled times, each exactly once', async () => {
  const kube = await startKube();
  await using tmp = await tempDir('kube-cron-ha');
  const recorder = await startRecorder();
  const common = ['--data-dir', join(tmp.dir, 'data'), '--lease-duration', '4'];
  const replicas: Replica[] = [];
  const children = async (): Promise<Child[]> => {
    const out = await kube.kubectl(['get', 'wf', '-l', 'workflows.argoproj.io/cron-workflow=ha-cron', '-o', 'json']);
    const items = (
      JSON.parse(out.stdout) as {
        items: { metadata: { name: string; annotations?: Record<string, string> }; status?: { phase?: string } }[];
      }
    ).items;
    return items
      .map((w) => ({
        name: w.metadata.name,
        phase: w.status?.phase ?? '',
        scheduled: Date.parse(w.metadata.annotations?.['workflows.argoproj.io/scheduled-time'] ?? ''),
      }))
      .sort((a, b) => a.scheduled - b.scheduled);
  };
  try {
    replicas.push(await spawnReplica(kube.kubeconfig, ['--host', '127.0.0.1', ...common]));
    await eventually(() => isLeader(replicas[0]), { timeoutMs: 30_000, everyMs: 100, what: 'the first replica to lead' });
    replicas.push(await spawnReplica(kube.kubeconfig, ['--host', '127.0.0.2', ...common]));
    await kube.kubectl(['apply', '-f', await tmp.file('cron.yaml', cronYaml(recorder.url))]);

    // The first run exists and ran: now the leader dies right after creating the second.
    await eventually(async () => (await children()).some((c) => c.phase === 'Succeeded'), {
      timeoutMs: 60_000,
      everyMs: 200,
      what: 'the first cron run to succeed',
    });
    const before = (await children()).length;
    await eventually(async () => (await children()).length > before, { timeoutMs: 60_000, everyMs: 50, what: 'the next cron run' });
    const leader = replicas.find(isLeader);
    assert.ok(leader, 'one replica leads');
    const survivor = replicas.find((r) => r !== leader)!;
    await leader.kill();
    const killedAt = Date.now();
    const atKill = await children();
    await eventually(() => isLeader(survivor), { timeoutMs: 30_000, everyMs: 100, what: 'the standby to take the Lease' });

    // The standby runs the scheduled times after the failover (two of them), and finishes what the leader began.
    await eventually(
      async () => {
        const now = await children();
        return now.filter((c) => c.scheduled > killedAt).length >= 2 && now.every((c) => c.phase === 'Succeeded');
      },
      { timeoutMs: 120_000, everyMs: 500, what: 'two runs scheduled after the failover, every run Succeeded' },
    );
    const all = await children();
    const times = all.map((c) => c.scheduled);
    assert.equal(new Set(times).size, times.length, 'one Workflow per scheduled time');
    // `@every` ticks are multiples of the interval since the epoch, whichever replica decided them; a tick missed
    // during the failover may be left out (only the latest missed one runs), none is run twice.
    for (const c of all) {
      assert.equal(c.scheduled % (INTERVAL_S * 1000), 0, `${c.name} is scheduled on the interval's grid`);
      assert.equal(c.name, `ha-cron-${c.scheduled / 1000}`, 'the name is the scheduled time');
    }
    for (let i = 1; i < times.length; i++)
      assert.ok(times[i] - times[i - 1] >= INTERVAL_S * 1000, `runs ${times[i - 1]} and ${times[i]} are closer than the interval`);
    assert.deepEqual(
      all.map((c) => [c.name, recorder.hits(c.name)]),
      all.map((c) => [c.name, 1]),
      'every run ran its step exactly once',
    );
    for (const c of atKill)
      assert.ok(
        all.some((x) => x.name === c.name),
        `${c.name} (created before the kill) is kept`,
      );
  } catch (e) {
    const logs = replicas.map((r, i) => `--- replica ${i} ---\n${r.log().slice(-4000)}`).join('\n');
    throw new Error(`${e instanceof Error ? e.message : String(e)}\n${logs}`, { cause: e });
  } finally {
    for (const r of replicas) await r.stop();
    await recorder.close();
  }
});
