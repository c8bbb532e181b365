// The step monitor's verdict when a step's exit file is missing: the leader's exit status stands in for it only
// when it is the step's own code (isolated: bwrap passes the wrapper's code on), and the message says how the
// step's process ended otherwise.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodePaths } from '../../src/executor/node-dir.js';
import { determineOutcome } from '../../src/executor/step-monitor.js';
import type { GroupIdentity } from '../../src/executor/proc.js';

/** The identity of a process that has already ended (its group is gone). */
function goneIdentity(): GroupIdentity {
  const r = spawnSync('sh', ['-c', 'echo $$']);
  return { pid: Number(String(r.stdout).trim()), startTicks: '1', bootId: null };
}

test('a missing exit file: the sandbox exit status is the code; a signal or an unknown end has no code and says so', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'weir-monitor-'));
  try {
    const paths = nodePaths(dir);
    await Promise.all([writeFile(paths.stdout, 'hi\n'), writeFile(paths.stderr, '')]);
    const id = goneIdentity();

    const fromSandbox = await determineOutcome(paths, id, { code: 3, signal: null, codeIsStep: true });
    assert.equal(fromSandbox?.exitCode, 3);
    assert.equal(fromSandbox?.recordMissing, true);

    const killed = await determineOutcome(paths, id, { code: null, signal: 'SIGKILL', codeIsStep: true });
    assert.equal(killed?.exitCode, null);
    assert.match(killed?.message ?? '', /without recording an exit code \(its process got SIGKILL from outside Weir\)/);

    const wrapperCode = await determineOutcome(paths, id, { code: 0, signal: null, codeIsStep: false });
    assert.equal(wrapperCode?.exitCode, null, 'an unisolated leader exits with the wrapper code, not the step code');

    const adopted = await determineOutcome(paths, id);
    assert.equal(adopted?.exitCode, null);
    assert.equal(adopted?.message, 'the step disappeared without recording an exit code');

    await writeFile(paths.exit, '7\n');
    const recorded = await determineOutcome(paths, id, { code: 3, signal: null, codeIsStep: true });
    assert.equal(recorded?.exitCode, 7, 'the exit file wins over the leader status');
    assert.equal(recorded?.recordMissing, undefined);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
