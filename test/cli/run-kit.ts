// Shared helper of the `weir run` end-to-end tests: runs the CLI in a child process and parses its `-o json` output.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { repoRoot } from '../helpers/paths.js';
import type { NodeStatus, WorkflowStatus } from '../../src/controller/types.js';

const mainJs = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

export function runFixture(...args: string[]): ReturnType<typeof runFixtureWith> {
  return runFixtureWith({}, ...args);
}

/** runFixture with extra environment variables for the CLI (e.g. KUBECONFIG). */
export async function runFixtureWith(
  env: Record<string, string>,
  ...args: string[]
): Promise<{
  code: number | null;
  wf: { metadata: { labels?: Record<string, string> }; status: WorkflowStatus };
  stderr: string;
  node(display: string): NodeStatus;
}> {
  const script = `import(${JSON.stringify(mainJs)}).then(async (m) => { process.exitCode = await m.main(process.argv.slice(1)); })`;
  const r = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script, 'run', ...args, '-o', 'json'], {
      cwd: repoRoot,
      env: { ...process.env, NO_COLOR: '1', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
  let wf: { metadata: { labels?: Record<string, string> }; status: WorkflowStatus };
  try {
    wf = JSON.parse(r.stdout) as typeof wf;
  } catch {
    throw new Error(`stdout is not JSON (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  }
  const node = (display: string): NodeStatus => {
    const n = Object.values(wf.status.nodes ?? {}).find((x) => x.displayName === display);
    assert.ok(n, `no node ${display}`);
    return n;
  };
  return { code: r.code, wf, stderr: r.stderr, node };
}
