// SFTP event source against an own OpenSSH server (test/helpers/sshd.ts, key login): CREATE for files that appear or
// change and REMOVE for files that go, with Argo's payload (file name, op bitmask, metadata), only names matching
// path / pathRegexp, directories skipped; a restart resumes from the saved listing (changes made while stopped are
// published, none twice); and the conformance suite.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSftpSource } from '../../eventsources/sftp.js';
import { memoryKv } from '../../src/eventsource-host/state.js';
import { startSshd } from '../helpers/sshd.js';
import type { Sshd } from '../helpers/sshd.js';
import { runEventSourceConformance } from './conformance.js';
import { FakeBus, eventually, runAdapter } from './kit.js';
import type { RunningAdapter } from './kit.js';

const sshd: Sshd = await startSshd();
const root = await mkdtemp(join(tmpdir(), 'weir-sftp-src-'));
after(async () => {
  await sshd.close();
  await rm(root, { recursive: true, force: true });
});

const secrets = (): Record<string, Record<string, string>> => ({
  sftp: { address: sshd.address, username: sshd.username, key: sshd.privateKey },
});
const auth = {
  address: { name: 'sftp', key: 'address' },
  username: { name: 'sftp', key: 'username' },
  sshKeySecret: { name: 'sftp', key: 'key' },
};
const started = async (r: RunningAdapter): Promise<void> => {
  await eventually(() => r.log.records.some((l) => l.msg === 'sftp poller started') || r.error(), {
    timeoutMs: 20_000,
    what: 'the sftp poller',
  });
  if (r.error() !== undefined) throw r.error() as Error;
};

const confDir = join(root, 'conformance');
let seq = 0;
runEventSourceConformance({
  kind: 'sftp',
  adapter: createSftpSource,
  spec: () => ({ ...auth, eventType: 'CREATE', pollIntervalDuration: '100ms', watchPathConfig: { directory: confDir, pathRegexp: '^c-' } }),
  secrets: secrets(),
  invalid: {
    'no eventType': { ...auth, watchPathConfig: { directory: '/tmp', path: 'x' } },
    'WRITE (the poller sees no writes)': { ...auth, eventType: 'WRITE', watchPathConfig: { directory: '/tmp', path: 'x' } },
    'no directory': { ...auth, eventType: 'CREATE', watchPathConfig: { path: 'x' } },
    'bad regexp': { ...auth, eventType: 'CREATE', watchPathConfig: { directory: '/tmp', pathRegexp: '(a' } },
    'no address': { ...auth, address: undefined, eventType: 'CREATE', watchPathConfig: { directory: '/tmp', path: 'x' } },
    'no password or key': { ...auth, sshKeySecret: undefined, eventType: 'CREATE', watchPathConfig: { directory: '/tmp', path: 'x' } },
    'bad poll interval': {
      ...auth,
      eventType: 'CREATE',
      pollIntervalDuration: '10 parsecs',
      watchPathConfig: { directory: '/tmp', path: 'x' },
    },
  },
  ready: async (r) => {
    await mkdir(confDir, { recursive: true });
    await started(r);
  },
  trigger: async (_spec, n) => {
    for (let i = 0; i < n; i++) await writeFile(join(confDir, `c-${seq++}`), 'x');
  },
  timeoutMs: 20_000,
});

describe('sftp event source', () => {
  test('CREATE (new or changed file) and REMOVE with Argo payload; other names and directories are ignored', async () => {
    const dir = await mkdtemp(join(root, 'w-'));
    await writeFile(join(dir, 'before.csv'), 'present at start');
    const bus = new FakeBus();
    const spec = (eventType: string): Record<string, unknown> => ({
      ...auth,
      eventType,
      pollIntervalDuration: '100ms',
      watchPathConfig: { directory: dir, pathRegexp: '\\.csv$' },
      metadata: { k: 'v' },
    });
    const rs = ['CREATE', 'REMOVE'].map((t) =>
      runAdapter({ adapter: createSftpSource(), spec: spec(t), bus, name: 'files', eventName: t.toLowerCase(), secrets: secrets() }),
    );
    const of = (subject: string): unknown[] => bus.events.filter((e) => e.subject === subject).map((e) => e.data);
    try {
      for (const r of rs) await started(r);
      await writeFile(join(dir, 'other.txt'), 'x');
      await mkdir(join(dir, 'sub.csv'));
      await writeFile(join(dir, 'data.csv'), 'a,b\n');
      await eventually(() => of('create').length >= 1, { timeoutMs: 10_000, what: 'create' });
      await writeFile(join(dir, 'data.csv'), 'a,b\n1,2\n'); // the size changes: CREATE again, as Argo
      await eventually(() => of('create').length >= 2, { timeoutMs: 10_000, what: 'create after a change' });
      await rm(join(dir, 'data.csv'));
      await rm(join(dir, 'before.csv'));
      await eventually(() => of('remove').length >= 2, { timeoutMs: 10_000, what: 'two removes' });
      await new Promise((res) => setTimeout(res, 500));
    } finally {
      for (const r of rs) await r.stop();
    }
    for (const r of rs) assert.equal(r.error(), undefined);
    const created = { name: 'data.csv', op: 1, metadata: { k: 'v' } };
    assert.deepEqual(of('create'), [created, created]);
    assert.deepEqual(
      of('remove')
        .map((d) => (d as { name: string }).name)
        .sort(),
      ['before.csv', 'data.csv'],
    );
    assert.ok(of('remove').every((d) => (d as { op: number }).op === 4));
    assert.equal(new Set(bus.events.map((e) => e.id)).size, bus.events.length, 'distinct events have distinct ids');
  });

  test('a restart resumes from the saved listing: files created while stopped are published, none twice', async () => {
    const dir = await mkdtemp(join(root, 'r-'));
    const bus = new FakeBus();
    const kv = memoryKv();
    const spec = { ...auth, eventType: 'CREATE', pollIntervalDuration: '50ms', watchPathConfig: { directory: dir, pathRegexp: '^m-' } };
    const start = (): RunningAdapter =>
      runAdapter({ adapter: createSftpSource(), spec, bus, kv, name: 'restart', eventName: 'ev', secrets: secrets() });
    let r = start();
    await started(r);
    for (let i = 0; i < 50; i++) await writeFile(join(dir, `m-${String(i).padStart(3, '0')}`), String(i));
    await eventually(() => bus.events.length >= 10, { timeoutMs: 10_000, what: 'the first events' });
    await r.stop();
    for (let i = 50; i < 100; i++) await writeFile(join(dir, `m-${String(i).padStart(3, '0')}`), String(i));
    r = start();
    try {
      await eventually(() => bus.events.length >= 100, { timeoutMs: 20_000, what: '100 events' });
      await new Promise((res) => setTimeout(res, 500));
    } finally {
      await r.stop();
    }
    const names = bus.events.map((e) => (e.data as { name: string }).name).sort();
    assert.deepEqual(
      names,
      Array.from({ length: 100 }, (_, i) => `m-${String(i).padStart(3, '0')}`),
    );
    assert.ok(bus.publishes >= 100);
  });
});
