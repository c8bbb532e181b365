// Attack 1 (issue 11): a step run by a root server tries to use root's capabilities — remount the read-only host
// view read-write and write to the host, chown, open a raw socket, mount a filesystem, create a user namespace. Every
// attempt must fail, the step must hold no capabilities (CapEff 0, no_new_privs set) and the host stays untouched.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { test } from 'node:test';
import { outputParam, podNode, shellWorkflow, startSandboxKit } from './sandbox-kit.js';

const runningAsRoot = process.getuid?.() === 0;

test(
  'a step started by a root server holds no capabilities and cannot write to the host',
  { skip: !runningAsRoot && 'needs a root server (the attack is about root)' },
  async () => {
    await using kit = await startSandboxKit();
    const canary = `/var/tmp/weir-canary-${process.pid}-${Date.now()}`;
    const canary2 = `${canary}-direct`;
    const script = [
      'r=/tmp/report',
      'grep CapEff /proc/self/status | tr -d " \\t" >>$r',
      'grep NoNewPrivs /proc/self/status | tr -d " \\t" >>$r',
      `mount -o remount,bind,rw /var 2>/dev/null && touch ${canary} 2>/dev/null; echo remount=$? >>$r`,
      `touch ${canary2} 2>/dev/null; echo direct=$? >>$r`,
      'mount -t tmpfs none /mnt 2>/dev/null; echo mount=$? >>$r',
      'touch /tmp/mine; chown 4242:4242 /tmp/mine 2>/dev/null; echo chown=$? >>$r',
      'chown 4242 /etc/hostname 2>/dev/null; echo chownhost=$? >>$r',
      `python3 -c 'import socket; socket.socket(socket.AF_INET, socket.SOCK_RAW, 1)' 2>/dev/null; echo raw=$? >>$r`,
      'unshare -Urm sh -c "mount -o remount,bind,rw /var" 2>/dev/null; echo userns=$? >>$r',
      'echo uid=$(id -u) >>$r',
    ].join('\n');
    try {
      const wf = await kit.run(
        shellWorkflow(script, { outputs: { parameters: [{ name: 'report', valueFrom: { path: '/tmp/report' } }] } }),
      );
      assert.equal(podNode(wf).phase, 'Succeeded', JSON.stringify(podNode(wf)));
      const report = Object.fromEntries(
        outputParam(wf, 'report')
          .trim()
          .split('\n')
          .map((l) => l.split(/[:=]/, 2) as [string, string]),
      );
      assert.equal(report.CapEff, '0000000000000000', 'the step holds capabilities');
      assert.equal(report.NoNewPrivs, '1', 'no_new_privs is not set');
      for (const k of ['remount', 'direct', 'mount', 'chown', 'chownhost', 'raw', 'userns'])
        assert.notEqual(report[k], '0', `${k} succeeded inside the step: ${JSON.stringify(report)}`);
      assert.equal(report.raw, '1', 'python3 must run and fail with PermissionError (exit 1), not be missing');
      assert.notEqual(report.uid, '0', 'the step runs as uid 0');
      assert.equal(existsSync(canary), false, 'the remounted host view was written');
      assert.equal(existsSync(canary2), false, 'the host view was written');
    } finally {
      await rm(canary, { force: true });
      await rm(canary2, { force: true });
    }
  },
);
