// The generated CRDs and the deploy/ kustomize base against a real API server: deploy/ (which takes its CRDs from
// crds/) installs by `kubectl apply --server-side` and every CRD is Established, `kubectl get wf` prints Argo's
// columns from our printer columns, and a second apply of deploy/ (`--dry-run=server`) is accepted. deploy/ is built
// once (`kubectl kustomize`, what `apply -k` runs first: seconds of CPU for its 6.5 MB of CRDs) while the control
// plane starts, and both applies and the replica check read that build. (`kubectl apply --server-side -k crds/`
// itself runs in scripts/kube-env.sh whenever crds/ changes: it makes the CRD seed the other tests start from.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { KIND_LIST } from '../../src/api/kinds.js';
import { startKube } from '../helpers/kube.js';
import { repoPath } from '../helpers/paths.js';

const deployBuild = promisify(execFile)('kubectl', ['kustomize', repoPath('deploy')], { timeout: 300_000, maxBuffer: 256 << 20 }).then(
  (r) => r.stdout,
);
deployBuild.catch(() => undefined); // awaited below; a failure is reported there
const kube = await startKube({ crds: 'none' });
const built = await deployBuild;
await kube.kubectl(['apply', '--server-side', '-f', '-'], { input: built, timeoutMs: 300_000 });
await kube.kubectl(['wait', '--for', 'condition=Established', '--timeout', '120s', 'crd', '--all']);

test('every argoproj CRD is installed (server-side apply of deploy/) and Established', async () => {
  const argo = KIND_LIST.filter((k) => k.apiVersion.startsWith('argoproj.io/'))
    .map((k) => `${k.plural}.argoproj.io`)
    .sort();
  const { stdout } = await kube.kubectl([
    'get',
    'crd',
    '-o',
    'jsonpath={range .items[*]}{.metadata.name} {.status.conditions[?(@.type=="Established")].status}{"\\n"}{end}',
  ]);
  const got = stdout
    .trim()
    .split('\n')
    .filter((l) => l.includes('argoproj.io'))
    .sort();
  assert.deepEqual(
    got,
    argo.map((n) => `${n} True`),
  );
});

test('kubectl get wf shows NAME, STATUS, AGE and MESSAGE', async () => {
  const wf = {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Workflow',
    metadata: { name: 'columns', namespace: 'default' },
    spec: { entrypoint: 'main', templates: [{ name: 'main', container: { image: 'alpine', command: ['true'] } }] },
    status: { phase: 'Failed', message: 'step main exited 1' },
  };
  await kube.kubectl(['create', '-f', '-'], { input: JSON.stringify(wf) });
  const { stdout } = await kube.kubectl(['get', 'wf', 'columns']);
  assert.match(stdout, /^NAME\s+STATUS\s+AGE\s+MESSAGE\n/);
  assert.match(stdout, /^columns\s+Failed\s+\d+[smh]\S*\s+step main exited 1$/m);
  const bad = await kube
    .kubectl(['create', '-f', '-'], { input: JSON.stringify({ ...wf, metadata: { name: 'bad' }, spec: { entrypoint: 7 } }) })
    .then(
      () => '',
      (e: Error) => e.message,
    );
  assert.match(bad, /spec\.entrypoint/);
});

test('a second kubectl apply --server-side --dry-run=server of deploy/ is accepted', async () => {
  const { stdout } = await kube.kubectl(['apply', '--server-side', '--dry-run=server', '-f', '-'], { input: built, timeoutMs: 300_000 });
  const lines = stdout.trim().split('\n');
  for (const want of [
    /^deployment\.apps\/weir-server serverside-applied \(server dry run\)$/m,
    /^statefulset\.apps\/weir-nats serverside-applied \(server dry run\)$/m,
    /^clusterrole\.rbac\.authorization\.k8s\.io\/weir serverside-applied \(server dry run\)$/m,
    /^customresourcedefinition\.apiextensions\.k8s\.io\/workflows\.argoproj\.io serverside-applied \(server dry run\)$/m,
  ])
    assert.match(stdout, want);
  assert.ok(
    lines.every((l) => l.endsWith('(server dry run)')),
    stdout,
  );
  const docs = parseAllDocuments(built).map((d) => d.toJS() as { kind: string; spec?: { replicas?: number } });
  assert.equal(docs.find((d) => d.kind === 'Deployment')?.spec?.replicas, 2);
});
