// `weir server` whose start fails part-way (the API port is taken, after the store, the event bus and the step
// executor were opened): it exits non-zero with one clear line and closes what it had opened, last opened first.
// Observed as run-exit.test.ts does: the resources keeping the child's event loop alive once main() returned
// (polled until none is left, as a failed listen's socket and a probe's stat end on their own a moment later),
// and then the child exiting by itself (it sets the exit code like bin/weir.js, never process.exit).
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { AddressInfo, Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { repoRoot } from '../helpers/paths.js';

const mainJs = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

interface Outcome {
  /** The child's exit code (it exits only once nothing keeps its event loop alive). */
  exitCode: number | null;
  /** What main() returned, and the resources (but TTYs and pipes) still active after polling. */
  report: { code: number; resources: string[] };
  stderr: string;
}

/**
 * Runs main(args) in a child with `env` added. It reports what main() returned and the resources still active
 * once they are none (or after 10 s: then it exits at once, else it sets process.exitCode and lets the loop empty).
 */
function runMain(args: string[], env: Record<string, string>): Promise<Outcome> {
  const script = `const m = await import(${JSON.stringify(mainJs)});
const code = await m.main(process.argv.slice(1));
const alive = () => process.getActiveResourcesInfo().filter((x) => x !== 'TTYWrap' && x !== 'PipeWrap');
const deadline = Date.now() + 10_000;
while (alive().length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
const resources = alive();
process.stdout.write(JSON.stringify({ code, resources }));
if (resources.length > 0) process.exit(code);
process.exitCode = code;`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script, '--', ...args], {
      cwd: repoRoot,
      env: { ...process.env, NO_COLOR: '1', WEIR_DEBUG: '', ...env },
    });
    let out = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (exitCode) => {
      try {
        const report = JSON.parse(out.slice(out.lastIndexOf('{"code"'))) as Outcome['report'];
        resolve({ exitCode, report, stderr });
      } catch (e) {
        reject(new Error(`no report from the child: ${out}\n${stderr}`, { cause: e }));
      }
    });
  });
}

describe('weir server: a start that fails part-way', { timeout: 180_000 }, () => {
  let holder: Server;
  let port: number;
  let dir: string;
  before(async () => {
    holder = createServer();
    await new Promise<void>((r) => holder.listen(0, '127.0.0.1', r));
    port = (holder.address() as AddressInfo).port;
    dir = await mkdtemp(join(tmpdir(), 'weir-start-failure-'));
  });
  after(async () => {
    await new Promise<void>((r) => holder.close(() => r()));
    await rm(dir, { recursive: true, force: true });
  });

  test('the API port is taken: exit 1, one clear line, nothing left open', async () => {
    const r = await runMain(['server', '--port', String(port), '--data-dir', join(dir, 'host')], {});
    assert.equal(r.report.code, 1, r.stderr);
    assert.equal(r.exitCode, 1);
    assert.ok(r.stderr.includes(`weir: cannot listen on 127.0.0.1:${port}: address already in use\n`), r.stderr);
    assert.doesNotMatch(r.stderr, /^\s+at |internal error/m, 'no stack trace, no internal error');
    assert.deepEqual(r.report.resources, [], 'nothing keeps the process alive');
  });

  test('the container executor it had opened is closed, then the event bus, then the store', async () => {
    const r = await runMain(['server', '--port', String(port), '--data-dir', join(dir, 'container'), '--executor', 'container'], {
      WEIR_DEBUG: '1',
    });
    assert.equal(r.report.code, 1, r.stderr);
    assert.equal(r.exitCode, 1);
    assert.ok(r.stderr.includes(`weir: cannot listen on 127.0.0.1:${port}: address already in use\n`), r.stderr);
    // The executor's own record of its close(), then the server's record of each close, in this order.
    const order = ['container executor closed', 'closed the step executor', 'closed the event bus', 'closed the store'];
    const at = order.map((line) => r.stderr.indexOf(`weir: debug: ${line}`));
    assert.ok(
      at.every((i, k) => i >= 0 && (k === 0 || i > at[k - 1])),
      `expected in order: ${order.join(' → ')}\n${r.stderr}`,
    );
    assert.ok(!r.stderr.includes('cannot close'), r.stderr);
    assert.deepEqual(r.report.resources, [], 'nothing keeps the process alive');
  });
});
