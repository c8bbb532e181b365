// The pod executor's outcome read (src/executor/pod-logs.ts stdoutOutcome): one pods/log request with
// `timestamps=true` whose stamps are cut out again must give byte for byte the stdout tail of a plain request, for
// output that could trip the cutting (a line longer than the 256 KiB bound and than the node's log records, text
// that looks like a stamp, empty lines, no final newline, multi-byte characters cut at the bound), and the time of
// the last stdout line. Real API server and test node (pods run by podman).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { stdoutOutcome, stdoutTail } from '../../src/executor/pod-logs.js';
import type { LogTarget } from '../../src/executor/pod-logs.js';
import { sh } from './conformance-kit.js';
import { makePodEnv } from './pod-env.js';
import type { PodEnv } from './pod-env.js';

let env: PodEnv;

before(async () => {
  env = await makePodEnv();
});

after(async () => {
  await env.dispose();
});

/** Runs `script` as a step and returns its main container's log target. */
async function ran(script: string): Promise<LogTarget> {
  const h = await env.executor.start(sh(script));
  const r = await env.executor.wait(h);
  assert.equal(r.exitCode, 0, r.message);
  return { api: env.api, namespace: String(h.details.namespace), pod: String(h.details.pod), container: 'main' };
}

test('stdoutOutcome: the tail equals the plain read, byte for byte', async () => {
  const scripts = [
    // 300 KiB in one line without a newline, printed in pieces.
    'i=0; while [ $i -lt 300 ]; do head -c 1024 /dev/zero | tr "\\0" x; i=$((i+1)); done',
    // Text that looks like a stamp, empty lines, spaces, stderr between, no final newline.
    'echo "2026-01-02T03:04:05.000000000Z not a stamp"; echo; echo "  two  spaces "; echo err >&2; printf "\\n\\nend"',
    // Two-byte characters over the bound (the cut falls inside one), then short lines.
    'i=0; while [ $i -lt 140 ]; do head -c 1024 /dev/zero | tr "\\0" "\\n" | sed "s/^/é/" | tr -d "\\n"; echo; i=$((i+1)); done; echo a; echo b',
    // No output at all.
    'true',
  ];
  for (const script of scripts) {
    const t = await ran(script);
    const [plain, one] = await Promise.all([stdoutTail(t), stdoutOutcome(t)]);
    assert.equal(one.tail, plain, `tail of: ${script}`);
  }
});

test('stdoutOutcome: the last stdout line gives its time', async () => {
  const t = await ran('echo first; sleep 1.2; echo last; echo later-on-stderr >&2');
  const before = Date.now();
  const { tail, lastLine } = await stdoutOutcome(t);
  assert.equal(tail, 'first\nlast\n');
  assert.ok(lastLine instanceof Date, 'a time for the last line');
  const lines: { time: Date; stream: string; line: string }[] = [];
  for await (const l of env.executor.logs({
    executor: 'pod',
    id: t.pod,
    startedAt: '',
    details: { namespace: t.namespace, pod: t.pod },
  }))
    lines.push(l);
  const last = lines.filter((l) => l.stream === 'stdout').at(-1);
  assert.equal(last?.line, 'last');
  assert.equal(lastLine.getTime(), last.time.getTime(), 'the same time the logs give that line');
  assert.ok(lastLine.getTime() <= before);
  assert.equal((await stdoutOutcome(await ran('true'))).lastLine, undefined, 'no output: no time');
});
