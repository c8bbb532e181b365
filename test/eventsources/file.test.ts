// File event source on a temp directory: CREATE, WRITE and REMOVE events for the configured file name or regexp
// with Argo's payload (name, op bitmask, metadata), one event per write although the kernel reports several
// notifications, nothing for other names, and the conformance suite.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFileSource } from '../../eventsources/file.js';
import { runEventSourceConformance } from './conformance.js';
import { FakeBus, eventually, runAdapter } from './kit.js';

const root = await mkdtemp(join(tmpdir(), 'weir-file-src-'));
after(() => rm(root, { recursive: true, force: true }));
let seq = 0;
const started = (r: { log: { records: { msg?: string }[] } }): Promise<unknown> =>
  eventually(() => r.log.records.some((l) => l.msg === 'file watcher started'), { timeoutMs: 10_000, what: 'watcher' });

runEventSourceConformance({
  kind: 'file',
  adapter: createFileSource,
  spec: () => ({ eventType: 'CREATE', watchPathConfig: { directory: root, pathRegexp: '^conf-.*\\.txt$' } }),
  invalid: {
    'no eventType': { watchPathConfig: { directory: '/tmp', path: 'x' } },
    'unknown eventType': { eventType: 'MODIFY', watchPathConfig: { directory: '/tmp', path: 'x' } },
    'no directory': { eventType: 'CREATE', watchPathConfig: { path: 'x' } },
    'neither path nor regexp': { eventType: 'CREATE', watchPathConfig: { directory: '/tmp' } },
    'bad regexp': { eventType: 'CREATE', watchPathConfig: { directory: '/tmp', pathRegexp: '(' } },
  },
  ready: (r) => started(r).then(() => undefined),
  trigger: async (_spec, n) => {
    for (let i = 0; i < n; i++) await writeFile(join(root, `conf-${seq++}.txt`), 'x');
  },
});

describe('file event source', () => {
  test('CREATE, WRITE and REMOVE of the watched file with Argo payload; other names are ignored', async () => {
    const dir = await mkdtemp(join(root, 'w-'));
    const bus = new FakeBus();
    const spec = (eventType: string): Record<string, unknown> => ({
      eventType,
      watchPathConfig: { directory: dir, path: 'data.csv' },
      metadata: { k: 'v' },
    });
    const rs = ['CREATE', 'WRITE', 'REMOVE'].map((t) =>
      runAdapter({ adapter: createFileSource(), spec: spec(t), bus, name: 'files', eventName: t.toLowerCase() }),
    );
    try {
      for (const r of rs) await started(r);
      await writeFile(join(dir, 'other.csv'), 'x');
      await writeFile(join(dir, 'data.csv'), 'a,b\n');
      await eventually(() => bus.events.some((e) => e.subject === 'create'), { timeoutMs: 5000, what: 'create' });
      await appendFile(join(dir, 'data.csv'), '1,2\n');
      await eventually(() => bus.events.some((e) => e.subject === 'write'), { timeoutMs: 5000, what: 'write' });
      await new Promise((res) => setTimeout(res, 200));
      await rm(join(dir, 'data.csv'));
      await eventually(() => bus.events.some((e) => e.subject === 'remove'), { timeoutMs: 5000, what: 'remove' });
      await new Promise((res) => setTimeout(res, 200));
    } finally {
      for (const r of rs) await r.stop();
    }
    const by = (s: string): unknown[] => bus.events.filter((e) => e.subject === s).map((e) => e.data);
    assert.deepEqual(by('create'), [{ name: join(dir, 'data.csv'), op: 1, metadata: { k: 'v' } }]);
    assert.ok(by('write').length >= 1 && by('write').length <= 2, `writes: ${by('write').length}`);
    assert.deepEqual(by('write')[0], { name: join(dir, 'data.csv'), op: 2, metadata: { k: 'v' } });
    assert.deepEqual(by('remove'), [{ name: join(dir, 'data.csv'), op: 4, metadata: { k: 'v' } }]);
  });
});
