// Server information routes with argo-server's shapes: /api/v1/version, /api/v1/info, /api/v1/userinfo. No
// managedNamespace in info: Weir serves every namespace (argo-server sets it only when namespace-restricted).
import type { Router } from './router.js';

export function infoRoutes(r: Router): void {
  r.get('/api/v1/version', (ctx) =>
    Promise.resolve({
      version: `v${ctx.opts.version}`,
      buildDate: '',
      gitCommit: '',
      gitTag: `v${ctx.opts.version}`,
      gitTreeState: '',
      goVersion: '',
      compiler: `node ${process.version}`,
      platform: `${process.platform}/${process.arch}`,
      ...(ctx.opts.executorInfo !== undefined ? { executor: ctx.opts.executorInfo } : {}),
    }),
  );
  r.get('/api/v1/info', () =>
    Promise.resolve({
      links: [],
      columns: [],
      navColor: '',
      modals: {},
    }),
  );
  r.get('/api/v1/userinfo', () => Promise.resolve({}));
}
