// Server verbs on workflows against a real in-process `weir server`: suspend/resume, stop, terminate, retry,
// resubmit, wait/watch, delete (names, --completed, --older, -l) and list's filters and formats.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { eventually } from '../server/kit.js';
import { failing, gated, startVerbKit, threeSteps } from './verbs-kit.js';
import type { VerbKit } from './verbs-kit.js';

async function phaseOf(k: VerbKit, name: string): Promise<string | undefined> {
  return ((await k.fetchJson(`/api/v1/workflows/default/${name}`)) as { status?: { phase?: string } }).status?.phase;
}

/** Waits until the gated workflow sits at its suspend node. */
async function atGate(k: VerbKit, name: string): Promise<void> {
  await eventually(async () => (await k.weir('get', name)).out.includes('Running (Suspended)'));
}

describe('workflow operations', () => {
  test('suspend node: get/list show "Running (Suspended)"; resume lets it finish', async () => {
    await using k = await startVerbKit();
    assert.equal((await k.weir('submit', await k.manifest('g.yaml', gated('gate-1')), '-o', 'name')).out, 'gate-1\n');
    await atGate(k, 'gate-1');
    assert.match((await k.weir('list')).out, /^gate-1\s+Running \(Suspended\)/m);
    const follow = k.weir('logs', 'gate-1', '--follow');
    const r = await k.weir('resume', 'gate-1');
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, 'workflow gate-1 resumed\n');
    const w = await k.weir('wait', 'gate-1');
    assert.equal(w.code, 0, w.err);
    assert.match(w.out, /^gate-1 Succeeded at /);
    assert.match((await k.weir('logs', 'gate-1')).out, /^gate-1-\d+: approved\n$/);
    const followed = await follow;
    assert.equal(followed.code, 0, followed.err);
    assert.match(followed.out, /^gate-1-\d+: approved\n$/, 'logs --follow picks up the step started after it and ends with the workflow');
  });

  test('suspend sets spec.suspend and resume clears it; @latest resolves to the newest', async () => {
    await using k = await startVerbKit();
    await k.weir('submit', await k.manifest('g.yaml', gated('gate-2')));
    const s = await k.weir('suspend', '@latest');
    assert.equal(s.out, 'workflow gate-2 suspended\n', s.err);
    assert.equal(((await k.fetchJson('/api/v1/workflows/default/gate-2')) as { spec: { suspend?: boolean } }).spec.suspend, true);
    await k.weir('resume', 'gate-2');
    assert.notEqual(((await k.fetchJson('/api/v1/workflows/default/gate-2')) as { spec: { suspend?: boolean } }).spec.suspend, true);
  });

  test('terminate and stop end a waiting workflow as Failed; wait exits 1', async () => {
    await using k = await startVerbKit();
    await k.weir('submit', await k.manifest('a.yaml', gated('gate-t')));
    await k.weir('submit', await k.manifest('b.yaml', gated('gate-s')));
    await atGate(k, 'gate-t');
    await atGate(k, 'gate-s');
    assert.equal((await k.weir('terminate', 'gate-t')).out, 'workflow gate-t terminated\n');
    assert.equal(
      (await k.weir('stop', 'gate-s', '--node-field-selector', 'displayName=approve', '--message', 'enough')).out,
      'workflow gate-s stopped\n',
    );
    const w = await k.weir('wait', 'gate-t', 'gate-s');
    assert.equal(w.code, 1);
    assert.match(w.out, /^gate-t Failed at .*Terminate.*\n^gate-s Failed at /m);
    assert.match((await k.weir('get', 'gate-s')).out, /✖ approve\s+gate\s+\S+\s+enough$/m);
  });

  test('retry runs a failed workflow again (--wait); resubmit makes a new one; watch shows the tree', async () => {
    await using k = await startVerbKit();
    const sub = await k.weir('submit', await k.manifest('f.yaml', failing('boom')), '--wait');
    assert.equal(sub.code, 1);
    assert.match(sub.out, /^boom Failed at /m);
    const retried = await k.weir('retry', 'boom', '--wait');
    assert.equal(retried.code, 1, 'the step fails again');
    assert.match(retried.out, /^Name:\s+boom$/m);
    assert.match(retried.out, /^boom Failed at /m);
    const re = await k.weir('resubmit', 'boom', '-o', 'name');
    assert.equal(re.code, 0, re.err);
    const newName = re.out.trim();
    assert.match(newName, /^boom-\w{5}$/);
    const watch = await k.weir('watch', newName);
    assert.equal(watch.code, 1);
    assert.match(watch.out, /^STEP\s+TEMPLATE\s+PODNAME\s+DURATION\s+MESSAGE$/m);
    assert.match(watch.out, /✖ boom-\w{5}\s+main\s+boom-\w{5}\s/);
    assert.match(watch.out, /^Status:\s+Failed$/m);
    const logs = await k.weir('logs', newName);
    assert.equal(logs.out, `${newName}: boom\n`);
  });

  test('delete: by name, --completed, --older, -l; list filters and formats', async () => {
    await using k = await startVerbKit();
    const file = await k.manifest('three.yaml', threeSteps('done-'));
    await k.weir('submit', file, '--wait');
    await k.weir('submit', file, '--wait', '-l', 'team=a');
    await k.weir('submit', await k.manifest('f.yaml', failing('bad-1')), '--wait');
    await k.weir('submit', await k.manifest('g.yaml', gated('open-1')));
    await atGate(k, 'open-1');

    const names = (await k.weir('list', '-o', 'name')).out.trim().split('\n');
    assert.equal(names.length, 4);
    assert.equal(names[0], 'open-1', 'newest first');
    assert.deepEqual((await k.weir('list', '--running', '-o', 'name')).out, 'open-1\n');
    assert.deepEqual((await k.weir('list', '--status', 'failed', '-o', 'name')).out, 'bad-1\n');
    assert.equal((await k.weir('list', '--completed', '-o', 'name')).out.trim().split('\n').length, 3);
    assert.match((await k.weir('list', '-l', 'team=a', '-o', 'name')).out, /^done-\w{5}\n$/);
    assert.equal((await k.weir('list', '--limit', '2', '-o', 'name')).out.trim().split('\n').length, 2);
    assert.equal((await k.weir('list', '--since', '1h', '-o', 'name')).out.trim().split('\n').length, 4);
    assert.match((await k.weir('list', '--prefix', 'bad', '--no-headers')).out, /^bad-1\s+Failed\s/);
    const wide = (await k.weir('list', '-o', 'wide', '--prefix', 'done')).out;
    assert.match(wide, /^NAME\s+STATUS\s+AGE\s+DURATION\s+PRIORITY\s+MESSAGE\s+P\/R\/C\s+PARAMETERS$/m);
    assert.match(wide, /^done-\w{5}\s+Succeeded\s+\S+\s+\S+\s+0\s+0\/0\/3$/m);
    const all = JSON.parse((await k.weir('list', '-A', '-o', 'json')).out) as unknown[];
    assert.equal(all.length, 4);

    const older = await k.weir('delete', '--older', '1h');
    assert.equal(older.out, '', 'nothing finished an hour ago');
    const sel = await k.weir('delete', '-l', 'team=a');
    assert.match(sel.out, /^Workflow 'done-\w{5}' deleted\n$/);
    const dry = await k.weir('delete', '--completed', '--dry-run');
    assert.equal(dry.out.trim().split('\n').length, 2);
    const completed = await k.weir('delete', '--completed');
    assert.equal(completed.code, 0, completed.err);
    assert.match(completed.out, /^Workflow 'bad-1' deleted\n^Workflow 'done-\w{5}' deleted\n$/m);
    assert.deepEqual((await k.weir('list', '-o', 'name')).out, 'open-1\n', 'the running one stays');
    const byName = await k.weir('delete', 'open-1');
    assert.equal(byName.out, "Workflow 'open-1' deleted\n");
    await eventually(async () => (await phaseOf(k, 'open-1')) === undefined);
    const gone = await k.weir('delete', 'open-1');
    assert.equal(gone.code, 1);
    assert.match(gone.err, /not found/);
  });
});
