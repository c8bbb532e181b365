// Unit tests for the bwrap plan (against a fake host listing) and the log timestamp index.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { HostLister, planBwrap } from '../../src/executor/sandbox.js';
import type { HostEntry, SandboxLayout } from '../../src/executor/sandbox.js';
import { LogIndex } from '../../src/executor/log-index.js';

class FakeLister extends HostLister {
  constructor(private readonly tree: Record<string, HostEntry[]>) {
    super();
  }
  override list(dir: string): Promise<HostEntry[] | undefined> {
    return Promise.resolve(this.tree[dir]);
  }
}

const host = new FakeLister({
  '/': [
    { name: 'bin', type: 'symlink', target: 'usr/bin' },
    { name: 'dev', type: 'dir' },
    { name: 'etc', type: 'dir' },
    { name: 'mnt', type: 'dir' },
    { name: 'proc', type: 'dir' },
    { name: 'tmp', type: 'dir' },
    { name: 'usr', type: 'dir' },
    { name: 'var', type: 'dir' },
  ],
  '/mnt': [{ name: 'data', type: 'dir' }],
  '/var': [{ name: 'lib', type: 'dir' }],
  '/var/lib': [
    { name: 'weir', type: 'dir' },
    { name: 'other', type: 'dir' },
  ],
  '/var/lib/weir': [
    { name: 'weir.db', type: 'file' },
    { name: 'weir.db-wal', type: 'file' },
    { name: 'steps', type: 'dir' },
  ],
  '/tmp': [
    { name: 'someone-elses-temp-dir', type: 'dir' },
    { name: 'weir-install', type: 'dir' },
  ],
  '/etc': [
    { name: 'hosts', type: 'file' },
    { name: 'ssl', type: 'dir' },
  ],
});

const ID = { uid: 65534, gid: 65534, disableUserns: true };

const layout = (over: Partial<SandboxLayout>): SandboxLayout => ({
  rootHostDir: null,
  binds: [{ containerPath: '/tmp', hostPath: '/d/n/tmp', readOnly: false }],
  writableDirs: [],
  hide: ['/var/lib/weir'],
  chdir: '/tmp',
  ...over,
});

/** Splits bwrap args into [option, operands...] groups for readable assertions. */
function ops(args: string[]): string[] {
  const out: string[] = [];
  const arity: Record<string, number> = {
    '--bind': 2,
    '--ro-bind': 2,
    '--ro-bind-try': 2,
    '--symlink': 2,
    '--dev': 1,
    '--proc': 1,
    '--tmpfs': 1,
    '--chdir': 1,
    '--uid': 1,
    '--gid': 1,
    '--cap-drop': 1,
  };
  for (let i = 0; i < args.length;) {
    const n = arity[args[i]] ?? 0;
    out.push(args.slice(i, i + 1 + n).join(' '));
    i += 1 + n;
  }
  return out;
}

describe('planBwrap', () => {
  test('container engine storage (avoid): never inside a recursive bind, left out; its ancestors re-bound entry by entry', async () => {
    const plan = await planBwrap(layout({ hide: [], avoid: ['/var/lib/other'] }), host, ID);
    const o = ops(plan.args);
    for (const gone of ['--ro-bind-try /var /var', '--ro-bind-try /var/lib /var/lib', '--ro-bind-try /var/lib/other /var/lib/other'])
      assert.ok(!o.includes(gone), `${gone} must not be in ${o.join(' | ')}`);
    assert.ok(o.includes('--ro-bind-try /var/lib/weir /var/lib/weir'), 'its siblings stay visible');
    assert.ok(o.includes('--ro-bind-try /etc /etc'), 'unrelated top-level dirs stay one bind');
  });

  test('ephemeral root: host entries bound read-only, /tmp and output dirs bound from the node dir', async () => {
    const plan = await planBwrap(
      layout({
        binds: [
          { containerPath: '/tmp', hostPath: '/d/n/tmp', readOnly: false },
          { containerPath: '/mnt/out', hostPath: '/d/n/work/mnt/out', readOnly: false },
        ],
      }),
      host,
      ID,
    );
    const o = ops(plan.args);
    assert.deepEqual(o.slice(0, 7), [
      '--unshare-user',
      '--uid 65534',
      '--gid 65534',
      '--disable-userns',
      '--cap-drop ALL',
      '--unshare-pid',
      '--as-pid-1',
    ]);
    assert.ok(!o.some((x) => x.startsWith('--bind') && x.endsWith(' /')), 'root must not be host-backed');
    for (const want of [
      '--symlink usr/bin /bin',
      '--dev /dev',
      '--proc /proc',
      '--ro-bind-try /etc /etc',
      '--ro-bind-try /mnt/data /mnt/data',
      '--bind /d/n/tmp /tmp',
      '--bind /d/n/work/mnt/out /mnt/out',
      '--tmpfs /var/lib/weir',
      '--chdir /tmp',
    ]) {
      assert.ok(o.includes(want), `missing ${want} in ${o.join(' | ')}`);
    }
    // /mnt is a shadow (a dir of the tmpfs root), never bound from the host, so /mnt/out is not created there.
    assert.ok(!o.includes('--ro-bind-try /mnt /mnt'));
    assert.ok(!o.includes('--ro-bind-try /tmp /tmp'));
  });

  test('a private dir over an existing host dir is re-populated read-only', async () => {
    const plan = await planBwrap(
      layout({ binds: [{ containerPath: '/etc', hostPath: '/d/n/work/etc', readOnly: false, populate: true }] }),
      host,
      ID,
    );
    const o = ops(plan.args);
    const at = o.indexOf('--bind /d/n/work/etc /etc');
    assert.ok(at >= 0);
    assert.ok(o.indexOf('--ro-bind-try /etc/hosts /etc/hosts') > at);
    assert.ok(o.indexOf('--ro-bind-try /etc/ssl /etc/ssl') > at);
  });

  test('a bind below the private /tmp does not re-bind the host /tmp children (other programs delete them any time)', async () => {
    const plan = await planBwrap(
      layout({
        binds: [
          { containerPath: '/tmp', hostPath: '/d/n/tmp', readOnly: false },
          { containerPath: '/tmp/weir-install/images/bin', hostPath: '/tmp/weir-install/images/bin', readOnly: true },
        ],
      }),
      host,
      ID,
    );
    const o = ops(plan.args);
    assert.ok(!o.some((x) => x.includes('someone-elses-temp-dir')), o.join(' | '));
    const tmp = o.indexOf('--bind /d/n/tmp /tmp');
    assert.ok(tmp >= 0 && o.indexOf('--ro-bind /tmp/weir-install/images/bin /tmp/weir-install/images/bin') > tmp);
  });

  test('host-backed root when the step writes directly under /', async () => {
    const plan = await planBwrap(layout({ rootHostDir: '/d/n/root', writableDirs: ['/'] }), host, ID);
    const o = ops(plan.args);
    assert.equal(o[7], '--bind /d/n/root /');
  });
});

describe('planBwrap hides the data dir', () => {
  test('a step path inside the data dir makes it a dir of mount points only, never re-bound from the host', async () => {
    const plan = await planBwrap(
      layout({
        binds: [
          { containerPath: '/tmp', hostPath: '/d/n/tmp', readOnly: false },
          { containerPath: '/var/lib/weir/out', hostPath: '/d/n/work/out', readOnly: false },
        ],
      }),
      host,
      ID,
    );
    const o = ops(plan.args);
    assert.ok(!o.some((x) => x.includes('weir.db') || x.includes('/var/lib/weir/steps')), o.join(' | '));
    assert.ok(o.includes('--ro-bind-try /var/lib/other /var/lib/other'));
  });

  test('a bind whose source contains the data dir gets an empty tmpfs where the data dir shows', async () => {
    const plan = await planBwrap(layout({ binds: [{ containerPath: '/host', hostPath: '/var', readOnly: true }] }), host, ID);
    const o = ops(plan.args);
    const at = o.indexOf('--ro-bind /var /host');
    assert.ok(at >= 0 && o.indexOf('--tmpfs /host/lib/weir') > at, o.join(' | '));
  });
});

describe('LogIndex', () => {
  test('a line gets the time of the first record covering its end', () => {
    const idx = new LogIndex();
    assert.equal(idx.record('stdout', 10, 1000), true);
    assert.equal(idx.record('stdout', 10, 1100), false, 'no growth, no record');
    idx.record('stdout', 25, 1200);
    idx.record('stdout', 40, 1150); // clock went backwards: clamped
    assert.equal(idx.timeFor('stdout', 5), 1000);
    assert.equal(idx.timeFor('stdout', 10), 1000);
    assert.equal(idx.timeFor('stdout', 11), 1200);
    assert.equal(idx.timeFor('stdout', 40), 1200);
    assert.equal(idx.timeFor('stdout', 41), undefined);
    assert.equal(idx.timeFor('stderr', 1), undefined);
  });
});
