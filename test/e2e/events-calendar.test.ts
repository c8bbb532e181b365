// Acceptance: calendar `interval: 1s` → one Workflow per tick, none twice across a `weir server` restart; without
// catch-up the ticks missed while stopped are skipped, with `persistence.catchup.enabled` they are fired after the
// restart, so the ticks form an unbroken 1 s sequence.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startNatsServer } from '../helpers/nats-server.js';
import { duplicates, eventually, paramValues, sensorYaml, startWeir, tempDir, workflowsOf } from './events-kit.js';
import type { Weir } from './events-kit.js';

/** Go's time.String() ("2026-01-02 15:04:05 +0000 UTC") → epoch ms. */
const goTime = (s: string): number => Date.parse(s.replace(/ \+0000 UTC$/, 'Z').replace(' ', 'T'));

const calendar = (name: string, catchup: boolean): string =>
  [
    'apiVersion: argoproj.io/v1alpha1',
    'kind: EventSource',
    'metadata:',
    `  name: ${name}`,
    'spec:',
    '  calendar:',
    '    tick:',
    '      interval: 1s',
    ...(catchup ? ['      persistence:', '        catchup: { enabled: true }'] : []),
    '',
  ].join('\n');

async function ticksOf(url: string, sensor: string): Promise<number[]> {
  return paramValues(await workflowsOf(url, sensor), 'at')
    .map(goTime)
    .sort((a, b) => a - b);
}

test('calendar interval 1s: one Workflow per tick, none twice across a restart; catch-up replays the missed ticks', async () => {
  await using nats = await startNatsServer();
  await using tmp = await tempDir('calendar');
  const manifests = [
    await tmp.file('plain.yaml', calendar('plain-clock', false)),
    await tmp.file('catchup.yaml', calendar('catchup-clock', true)),
    await tmp.file(
      'plain-sensor.yaml',
      sensorYaml({
        name: 'plain',
        deps: [{ name: 't', eventSourceName: 'plain-clock', eventName: 'tick' }],
        params: { at: { dependencyName: 't', dataKey: 'eventTime' } },
      }),
    ),
    await tmp.file(
      'catchup-sensor.yaml',
      sensorYaml({
        name: 'catchup',
        deps: [{ name: 't', eventSourceName: 'catchup-clock', eventName: 'tick' }],
        params: { at: { dependencyName: 't', dataKey: 'eventTime' } },
      }),
    ),
  ];
  const dataDir = join(tmp.dir, 'data');
  let weir: Weir | undefined;
  try {
    weir = await startWeir({ dataDir, busUrl: nats.url, manifests });
    const both = async (n: number, after = 0): Promise<boolean> => {
      for (const s of ['plain', 'catchup']) if ((await ticksOf(weir!.url, s)).filter((t) => t > after).length < n) return false;
      return true;
    };
    await eventually(() => both(3), { timeoutMs: 20_000, everyMs: 100, what: 'three ticks each' });
    await weir.stop();
    const stoppedAt = Date.now();
    // The downtime is the subject: at least three ticks fall into it.
    await new Promise((r) => setTimeout(r, 3500));
    weir = await startWeir({ dataDir, busUrl: nats.url, manifests });
    const restartedAt = Date.now();
    await eventually(() => both(2, restartedAt), { timeoutMs: 20_000, everyMs: 100, what: 'two ticks each after the restart' });
    // A snapshot while the clocks run: each sensor handles its ticks in order, so what is there is a prefix.
    const seen = { plain: await ticksOf(weir.url, 'plain'), catchup: await ticksOf(weir.url, 'catchup') };
    for (const s of ['plain', 'catchup'] as const) {
      const ticks = seen[s];
      assert.deepEqual(duplicates(ticks.map(String)), [], `${s}: no tick twice`);
      const gaps = ticks.slice(1).map((t, i) => t - ticks[i]);
      assert.ok(
        gaps.every((g) => g % 1000 === 0 && g >= 1000),
        `${s}: ticks on whole seconds: ${JSON.stringify(gaps)}`,
      );
      const missing = gaps.filter((g) => g > 1000);
      if (s === 'catchup') {
        assert.deepEqual(missing, [], 'catch-up: every tick of the downtime was fired after the restart');
      } else {
        assert.equal(missing.length, 1, `plain: exactly one gap, over the downtime: ${JSON.stringify(gaps)}`);
        const at = gaps.indexOf(missing[0]);
        assert.ok(ticks[at] <= stoppedAt && ticks[at + 1] >= stoppedAt + 3000, 'plain: the gap spans the downtime');
      }
    }
  } catch (e) {
    throw new Error(`${(e as Error).message}\n--- server log ---\n${weir?.log().slice(-3000) ?? ''}`, { cause: e });
  } finally {
    await weir?.stop();
  }
});
