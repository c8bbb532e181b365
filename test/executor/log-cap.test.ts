// Log cap and tail (issue 11 item 11): a step printing far more than the cap keeps only the head and the tail on disk
// (the middle becomes one marker line), and tailLines reads back from the end of the logs instead of through them.
import assert from 'node:assert/strict';
import { stat, truncate, appendFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { HostExecutor } from '../../src/executor/host-executor.js';
import { MIN_LOG_BYTES } from '../../src/executor/host-options.js';
import { tailStart } from '../../src/executor/log-reader.js';
import { collect, sh } from './conformance-kit.js';
import { makeHostEnv } from './host-env.js';

const CAP = MIN_LOG_BYTES;
const LINES = 300_000; // 101-byte lines (`seq -f %0100.0f`): about 30 MB
const pad = (n: number): string => String(n).padStart(100, '0');

test('a step printing 30x the cap keeps its head and tail (about the cap on disk) with a marker between', async () => {
  const env = await makeHostEnv({ maxLogBytes: CAP });
  try {
    const h = await env.executor.start(sh(`seq -f %0100.0f 1 ${LINES}`));
    const r = await env.executor.wait(h);
    assert.equal(r.exitCode, 0);
    assert.ok(r.stdoutTail.endsWith(`\n${pad(LINES)}\n`), 'result still ends with the last line');
    const st = await stat(join(String(h.details.dir), 'stdout'));
    assert.ok(st.blocks * 512 <= CAP + CAP / 8 + 64 * 1024, `${st.blocks * 512} bytes on disk for a cap of ${CAP}`);

    const lines = (await collect(env.executor.logs(h))).filter((l) => l.stream === 'stdout').map((l) => l.line);
    const marker = lines.findIndex((l) => l.startsWith('[weir:'));
    assert.ok(marker > 0, 'no marker line');
    assert.match(lines[marker], /bytes of this log were dropped here/);
    assert.equal(lines.filter((l) => l.startsWith('[weir:')).length, 1, 'one marker');
    const head = lines.slice(0, marker).map(Number);
    const tail = lines.slice(marker + 1).map(Number);
    assert.deepEqual(
      head,
      head.map((_, i) => i + 1),
      'the head is the first lines, whole',
    );
    assert.equal(tail[tail.length - 1], LINES);
    assert.deepEqual(
      tail,
      tail.map((_, i) => LINES - tail.length + 1 + i),
      'the tail is the last lines, whole',
    );
    const keptBytes = lines.filter((_, i) => i !== marker).reduce((n, l) => n + l.length + 1, 0);
    assert.ok(keptBytes >= CAP * 0.9 && keptBytes <= CAP + CAP / 8, `kept ${keptBytes} bytes`);

    const last3 = await collect(env.executor.logs(h, { tailLines: 3 }));
    assert.deepEqual(
      last3.map((l) => l.line),
      [pad(LINES - 2), pad(LINES - 1), pad(LINES)],
    );
  } finally {
    await env.dispose();
  }
});

test('a step that ended while no Weir process watched gets its logs capped when Weir finds it', async () => {
  const env = await makeHostEnv({ maxLogBytes: 1024 ** 3 });
  try {
    const h = await env.executor.start(sh(`seq -f %0100.0f 1 ${LINES}`));
    await env.executor.wait(h);
    const file = join(String(h.details.dir), 'stdout');
    assert.ok((await stat(file)).blocks * 512 > 20 * CAP, 'not capped by the first executor');
    const later = new HostExecutor({ dataDir: env.dataDir, maxLogBytes: CAP });
    assert.equal(await later.adopt(h), 'exited');
    assert.ok((await stat(file)).blocks * 512 <= CAP + CAP / 8 + 64 * 1024);
    const last = await collect(later.logs(h, { tailLines: 1 }));
    assert.deepEqual(
      last.map((l) => l.line),
      [pad(LINES)],
    );
  } finally {
    await env.dispose();
  }
});

test('tailLines seeks from the end: a sparse 64 GiB log is never read through', async () => {
  const env = await makeHostEnv();
  try {
    const file = join(env.root, 'big');
    await writeFile(file, 'first\n');
    await truncate(file, 64 * 1024 ** 3);
    await appendFile(file, '\nx\ny\nz');
    const size = (await stat(file)).size;
    assert.equal(await tailStart(file, 2), size - 3, 'start of "y"');
    assert.equal(await tailStart(file, 1), size - 1);
    assert.equal(await tailStart(file, 0), size);
  } finally {
    await env.dispose();
  }
});
