// Attack 4 (issue 11): a step names paths inside Weir's data dir (working dir, output paths, a hostPath volume of an
// ancestor) to read weir.db and its WAL, which hold Secret values in clear. The data dir must never be visible.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { outputParam, podNode, shellWorkflow, startSandboxKit } from './sandbox-kit.js';

const probe = (dataDir: string): string =>
  [
    `ls -a ${dataDir} > /tmp/report 2>&1`,
    `for f in weir.db weir.db-wal bus.db; do cat ${dataDir}/$f >/dev/null 2>&1 && echo "READ $f" >>/tmp/report; done`,
    'true',
  ].join('\n');
const report = { parameters: [{ name: 'report', valueFrom: { path: '/tmp/report' } }] };

test('a working dir inside the data dir shows none of its files', async () => {
  await using kit = await startSandboxKit({}, '/var/tmp');
  assert.ok(existsSync(join(kit.dataDir, 'weir.db')));
  const wf = await kit.run(shellWorkflow(probe(kit.dataDir), { container: { workingDir: join(kit.dataDir, 'mine') }, outputs: report }));
  assert.equal(podNode(wf).phase, 'Succeeded', JSON.stringify(podNode(wf)));
  const seen = outputParam(wf, 'report');
  assert.doesNotMatch(seen, /weir\.db|READ|steps|bus/, `the step saw the data dir: ${seen}`);
});

test('output paths inside the data dir (even named weir.db) show none of its files', async () => {
  await using kit = await startSandboxKit({}, '/var/tmp');
  const script = `${probe(kit.dataDir)}\necho mine > ${kit.dataDir}/weir.db`;
  const wf = await kit.run(
    shellWorkflow(script, {
      outputs: { parameters: [...report.parameters, { name: 'own', valueFrom: { path: join(kit.dataDir, 'weir.db') } }] },
    }),
  );
  assert.equal(podNode(wf).phase, 'Succeeded', JSON.stringify(podNode(wf)));
  const seen = outputParam(wf, 'report');
  assert.doesNotMatch(seen, /READ|steps|bus|wal/, `the step saw the data dir: ${seen}`);
  assert.equal(outputParam(wf, 'own'), 'mine', 'the step reads back its own file, not the database');
});
test('a hostPath volume of an ancestor of the data dir shows it empty', async () => {
  await using kit = await startSandboxKit({ allowHostPath: [{ prefix: '/', readWrite: false }] }, '/var/tmp');
  const rel = kit.dataDir.slice(kit.dir.length);
  const wf = await kit.run(
    shellWorkflow(probe(`/host${rel}`), {
      container: { volumeMounts: [{ name: 'up', mountPath: '/host', readOnly: true }] },
      spec: { volumes: [{ name: 'up', hostPath: { path: kit.dir } }] },
      outputs: report,
    }),
  );
  assert.equal(podNode(wf).phase, 'Succeeded', JSON.stringify(podNode(wf)));
  const seen = outputParam(wf, 'report');
  assert.doesNotMatch(seen, /weir\.db|READ|steps|bus/, `the step saw the data dir: ${seen}`);
});
