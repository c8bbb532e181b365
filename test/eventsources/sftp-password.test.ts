// SFTP event source with password login (Argo's `password`, read from a Secret) against an own OpenSSH server, run by
// the event source host: startSshd({ password: true }) adds a throwaway user that exists only in sshd's mount
// namespace. A new file becomes one event of the key-login test's shape; a wrong password leaves that event in backoff
// with a clear UNAUTHORIZED login error in its status and log, publishes nothing, and logs neither a password nor a
// stack trace. The machine's /etc/passwd and /etc/shadow are the same bytes before and after.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createRecordingLogger } from '../../src/core/logger.js';
import { createEventSourceHost } from '../../src/eventsource-host/host.js';
import { createMemoryStore } from '../../src/store/memory-store.js';
import { requireRootForPasswordLogin, startSshd } from '../helpers/sshd.js';
import { FakeBus, eventually } from './kit.js';

const etc = async (): Promise<string[]> =>
  Promise.all(
    ['/etc/passwd', '/etc/shadow'].map(async (f) =>
      createHash('sha256')
        .update(await readFile(f))
        .digest('hex'),
    ),
  );
requireRootForPasswordLogin(); // before reading /etc/shadow, so that a non-root run fails with the reason
const etcBefore = await etc();
const sshd = await startSshd({ password: true });
after(async () => {
  await sshd.close();
  assert.deepEqual(await etc(), etcBefore, '/etc/passwd and /etc/shadow are unchanged');
});

test('password login: a new file is one event; a wrong password is a clear login error, nothing published, no secret logged', async () => {
  const user = sshd.passwordUser;
  assert.ok(user);
  assert.ok(!(await readFile('/etc/passwd', 'utf8')).includes(user.username), 'the test user exists only in the namespace');
  const dir = join(user.home, 'in');
  await mkdir(dir); // root's dir inside the user's home (0700, the user's): the user may list it
  const wrong = `${user.password}x`;
  const store = createMemoryStore();
  const bus = new FakeBus();
  const log = createRecordingLogger();
  await store.create('Secret', {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'sftp', namespace: 'default' },
    stringData: { address: sshd.address, username: user.username, password: user.password, wrong },
  });
  const spec = (passwordKey: string): Record<string, unknown> => ({
    address: { name: 'sftp', key: 'address' },
    username: { name: 'sftp', key: 'username' },
    password: { name: 'sftp', key: passwordKey },
    eventType: 'CREATE',
    pollIntervalDuration: '100ms',
    watchPathConfig: { directory: dir, pathRegexp: '\\.csv$' },
    metadata: { k: 'v' },
  });
  await store.create('EventSource', {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'EventSource',
    metadata: { name: 'files', namespace: 'default' },
    spec: { sftp: { good: spec('password'), bad: spec('wrong') } },
  });
  const host = createEventSourceHost({ store, bus, logger: log });
  const ac = new AbortController();
  const running = host.run(ac.signal);
  const of = (subject: string): unknown[] => bus.events.filter((e) => e.subject === subject).map((e) => e.data);
  const status = (eventName: string) => host.eventSourceStatus('default', 'files')?.events.find((e) => e.eventName === eventName);
  try {
    await eventually(() => log.at('info', 'sftp poller started').some((r) => r.obj.eventName === 'good'), {
      timeoutMs: 20_000,
      what: 'the poller logged in with the password',
    });
    await eventually(() => status('bad')?.state === 'backoff', { timeoutMs: 20_000, what: 'the wrong password to fail' });
    await writeFile(join(dir, 'data.csv'), 'a,b\n');
    await eventually(() => of('good').length >= 1, { what: 'the event for data.csv' });
    // A second file as a marker: its event comes after at least one more poll, so data.csv was not published twice.
    await writeFile(join(dir, 'end.csv'), 'x');
    await eventually(() => of('good').length >= 2, { what: 'the event for end.csv' });
  } finally {
    ac.abort();
    await running;
  }
  assert.deepEqual(of('good'), [
    { name: 'data.csv', op: 1, metadata: { k: 'v' } },
    { name: 'end.csv', op: 1, metadata: { k: 'v' } },
  ]);
  assert.deepEqual(of('bad'), [], 'nothing published without a login');

  const bad = status('bad');
  const loginError = `sftp: login to ${sshd.address} as user "${user.username}" with the password failed: All configured authentication methods failed`;
  assert.equal(bad?.lastError?.message, loginError);
  assert.ok((bad?.errors ?? 0) >= 1);
  const failed = log.at('error', 'event source failed').filter((r) => r.obj.eventName === 'bad');
  assert.ok(failed.length >= 1);
  for (const r of failed) {
    assert.equal(r.obj.code, 'UNAUTHORIZED');
    assert.equal(r.obj.err, loginError);
  }
  assert.equal(log.at('error').filter((r) => r.obj.eventName === 'good').length, 0, 'the right password never failed');
  const logged = JSON.stringify(log.records);
  assert.ok(!logged.includes(user.password), 'no password in the log');
  assert.ok(!/\n\s+at /.test(logged), 'no stack trace in the log');
});
