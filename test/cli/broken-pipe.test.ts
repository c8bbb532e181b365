// Issue 11 item 12: a reader that closes stdout early (`weir list -o json | head -c 10`) ends the CLI quietly with
// git's status (141) instead of an EPIPE stack trace.
import { spawn } from 'node:child_process';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { EXIT_BROKEN_PIPE } from '../../src/cli/io.js';
import { repoRoot } from '../helpers/paths.js';
import { startVerbKit } from './verbs-kit.js';

const mainJs = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

/** Runs the CLI as a process whose stdout reader has gone away before it writes. */
function runWithClosedStdout(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; err: string }> {
  const script = `import(${JSON.stringify(mainJs)}).then(async (m) => { process.exitCode = await m.main(process.argv.slice(1)); })`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script, '--', ...args], {
      cwd: repoRoot,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.destroy();
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, err }));
  });
}

describe('a closed stdout', () => {
  test('weir --help into a closed pipe: no stack trace, exit 141', async () => {
    const r = await runWithClosedStdout(['--help']);
    assert.equal(r.err, '');
    assert.equal(r.code, EXIT_BROKEN_PIPE);
  });

  test('weir list -o json into a closed pipe (the head -c 10 case): no stack trace', async () => {
    await using k = await startVerbKit();
    const r = await runWithClosedStdout(['list', '-o', 'json', '-A'], { WEIR_SERVER: k.url });
    assert.doesNotMatch(r.err, /EPIPE|node:events|throw er/);
    assert.equal(r.err, '');
    assert.equal(r.code, EXIT_BROKEN_PIPE);
  });
});
