// Issue 11 item 17: once `weir run` has its answer nothing keeps the event loop alive (a leftover timer kept the
// process idle for 2 s after Succeeded). Checked without timing: the active handles after main() returns.
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { repoPath, repoRoot } from '../helpers/paths.js';

const mainJs = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

/** Runs main(args) in a child and reports its exit code and the resources still keeping the loop alive. */
function leftovers(args: string[]): Promise<{ code: number; resources: string[]; stderr: string }> {
  const script = `const m = await import(${JSON.stringify(mainJs)});
const code = await m.main(process.argv.slice(1));
await new Promise((r) => setImmediate(r));
process.stdout.write(JSON.stringify({ code, resources: process.getActiveResourcesInfo() }));
process.exit(0);`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script, '--', ...args], {
      cwd: repoRoot,
      env: { ...process.env, NO_COLOR: '1' },
    });
    let out = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', () => {
      try {
        resolve({ ...(JSON.parse(out.slice(out.lastIndexOf('{"code"'))) as { code: number; resources: string[] }), stderr });
      } catch (e) {
        reject(new Error(`no report from the child: ${out}\n${stderr}`, { cause: e }));
      }
    });
  });
}

for (const extra of [[], ['--logs']]) {
  test(`weir run examples/hello-world.yaml ${extra.join(' ')}: no timer or handle left when it returns`, async () => {
    const r = await leftovers(['run', repoPath('examples/hello-world.yaml'), ...extra]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      r.resources.filter((x) => x !== 'TTYWrap' && x !== 'PipeWrap'),
      [],
      `still alive: ${r.resources.join(', ')}`,
    );
  });
}
