// Acceptance: an own OpenSSH server (key login) → sftp EventSource (polling its directory) → Sensor → Workflows. 100
// files become exactly 100 Workflows with the file name as a parameter, although `weir server` is SIGKILLed halfway
// and the other 50 files are created while it is down: the listing the last published diff was taken against is in
// the server's state, so the restart publishes what changed meanwhile and repeats of a diff carry the same event ids.
import { test } from 'node:test';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSshd } from '../helpers/sshd.js';
import { eventually } from './events-kit.js';
import { msgId, runKillScenario } from './broker-kill-kit.js';

test('sftp: 100 files → exactly 100 Workflows across a SIGKILL of the server', async () => {
  await using sshd = await startSshd();
  const dir = await mkdtemp(join(tmpdir(), 'weir-sftp-kill-'));
  const indent = (s: string, n: number): string =>
    s
      .trimEnd()
      .split('\n')
      .map((l) => ' '.repeat(n) + l)
      .join('\n');
  try {
    await runKillScenario({
      name: 'sftp-drops',
      eventSourceYaml: [
        'apiVersion: v1',
        'kind: Secret',
        'metadata:',
        '  name: sftp',
        'stringData:',
        `  address: "${sshd.address}"`,
        `  username: "${sshd.username}"`,
        '  key: |',
        indent(sshd.privateKey, 4),
        '---',
        'apiVersion: argoproj.io/v1alpha1',
        'kind: EventSource',
        'metadata:',
        '  name: sftp-drops',
        'spec:',
        '  sftp:',
        '    msg:',
        '      eventType: CREATE',
        `      watchPathConfig: {directory: "${dir}", pathRegexp: "^m-"}`,
        '      address: {name: sftp, key: address}',
        '      username: {name: sftp, key: username}',
        '      sshKeySecret: {name: sftp, key: key}',
        '      pollIntervalDuration: 100ms',
        '',
      ].join('\n'),
      dataKey: 'name',
      ready: async (weir) => {
        await eventually(() => /sftp poller started/.test(weir.log()) || undefined, {
          timeoutMs: 30_000,
          everyMs: 100,
          what: 'the sftp poller',
        });
      },
      send: async (from, to) => {
        // Written under another name and renamed: a poll that lands mid-write would see the file twice (empty, then
        // full), which the sftp source reports as a create and a change, as Argo's does.
        for (let i = from; i < to; i++) {
          await writeFile(join(dir, `.tmp-${msgId(i)}`), JSON.stringify({ id: msgId(i) }));
          await rename(join(dir, `.tmp-${msgId(i)}`), join(dir, msgId(i)));
        }
      },
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
