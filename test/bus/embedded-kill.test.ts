// The embedded bus's durability promise across kill -9: every event whose publish was acknowledged (bursts of
// batches group-committed together, several in flight) is in the bus file when the process is SIGKILLed mid-burst.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { createEmbeddedBus } from '../../src/bus/embedded-bus.js';

test('embedded bus: every acknowledged publish survives a SIGKILL in the middle of a burst', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'weir-bus-kill-'));
  try {
    const child = spawn(process.execPath, [fileURLToPath(new URL('./embedded-kill-child.js', import.meta.url)), dir], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const acked: string[] = [];
    let buf = '';
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    await new Promise<void>((resolve, reject) => {
      child.on('exit', (code) => reject(new Error(`child exited early (${code})`)));
      child.stdout.on('data', (d: Buffer) => {
        buf += d.toString();
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          if (line.startsWith('ACK ') && line.length > 4) acked.push(...line.slice(4).split(','));
        }
        // Killed while later bursts are still being written and committed.
        if (acked.length >= 3000) {
          child.kill('SIGKILL');
          resolve();
        }
      });
    });
    assert.equal(await exited, 'SIGKILL');
    // Opening the bus recovers the file as a restarted server would; then read what is stored.
    await createEmbeddedBus({ dataDir: dir }).close();
    const db = new Database(join(dir, 'bus.db'), { readonly: true });
    const stored = new Set((db.prepare('SELECT id FROM events').all() as { id: string }[]).map((r) => r.id));
    const rows = (db.prepare('SELECT COUNT(*) AS n FROM events').get() as { n: number }).n;
    db.close();
    const lost = acked.filter((id) => !stored.has(id));
    assert.deepEqual(lost.slice(0, 5), [], `${lost.length} of ${acked.length} acknowledged events missing after the kill`);
    assert.equal(rows, stored.size, 'no event stored twice');
    assert.ok(stored.size >= acked.length);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
