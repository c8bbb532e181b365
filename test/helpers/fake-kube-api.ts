// An in-process fake of the parts of the Kubernetes API server that `kubectl apply --dry-run=client` needs for
// CustomResourceDefinitions: discovery, the OpenAPI v3 schema of apiextensions.k8s.io/v1 (so kubectl's client-side
// validation runs for real, unknown fields included), and object GETs that answer 404. There is no API server on
// these machines; this fake is written from the Kubernetes API conventions, not recorded from a cluster.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ServerResponse } from 'node:http';
import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crdOpenApi, crdSwagger } from './fake-kube-openapi.js';

export interface FakeKubeApi {
  url: string;
  kubeconfig: string;
  requests: string[];
  close(): Promise<void>;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

export async function startFakeKubeApi(): Promise<FakeKubeApi> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    requests.push(`${req.method} ${url.pathname}${url.search} [${req.headers.accept ?? ""}]`);
    const p = url.pathname;
    if (p === '/version') {
      return json(res, 200, { major: '1', minor: '32', gitVersion: 'v1.32.0', platform: 'linux/amd64' });
    }
    if (p === '/api') return json(res, 200, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] });
    if (p === '/api/v1') return json(res, 200, { kind: 'APIResourceList', groupVersion: 'v1', resources: [] });
    if (p === '/apis') {
      return json(res, 200, {
        kind: 'APIGroupList', apiVersion: 'v1',
        groups: [{ name: 'apiextensions.k8s.io', versions: [{ groupVersion: 'apiextensions.k8s.io/v1', version: 'v1' }],
          preferredVersion: { groupVersion: 'apiextensions.k8s.io/v1', version: 'v1' } }],
      });
    }
    if (p === '/apis/apiextensions.k8s.io/v1') {
      return json(res, 200, {
        kind: 'APIResourceList', apiVersion: 'v1', groupVersion: 'apiextensions.k8s.io/v1',
        resources: [{ name: 'customresourcedefinitions', singularName: 'customresourcedefinition', namespaced: false,
          kind: 'CustomResourceDefinition', verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'], shortNames: ['crd', 'crds'] }],
      });
    }
    if (p === '/openapi/v3') {
      return json(res, 200, { paths: { 'apis/apiextensions.k8s.io/v1': { serverRelativeURL: '/openapi/v3/apis/apiextensions.k8s.io/v1?hash=weir' } } });
    }
    if (p === '/openapi/v2') return json(res, 200, crdSwagger());
    if (p === '/openapi/v3/apis/apiextensions.k8s.io/v1') return json(res, 200, crdOpenApi());
    const m = /^\/apis\/apiextensions\.k8s\.io\/v1\/customresourcedefinitions\/([^/]+)$/.exec(p);
    if (m && req.method === 'GET') {
      return json(res, 404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404,
        message: `customresourcedefinitions.apiextensions.k8s.io "${m[1]}" not found`,
        details: { name: m[1], group: 'apiextensions.k8s.io', kind: 'customresourcedefinitions' } });
    }
    return json(res, 404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404, message: `${p} not found` });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const dir = await mkdtemp(join(tmpdir(), 'weir-kube-'));
  const kubeconfig = join(dir, 'config');
  await writeFile(kubeconfig, [
    'apiVersion: v1', 'kind: Config', 'current-context: fake',
    `clusters: [{name: fake, cluster: {server: "${url}"}}]`,
    'users: [{name: fake, user: {token: fake}}]',
    'contexts: [{name: fake, context: {cluster: fake, user: fake}}]', '',
  ].join('\n'));
  return {
    url, kubeconfig, requests,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
