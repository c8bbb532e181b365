// Artifact downloads, on argo-server's paths and with the same auth as the API:
//   GET /artifacts/{ns}/{workflow}/{nodeId}/{artifactName}          a node's output artifact
//   GET /input-artifacts/{ns}/{workflow}/{nodeId}/{artifactName}    a node's input artifact (when it has a location)
// The artifact is looked up in the node's status, its location resolved against the workflow's artifact repository
// (status.artifactRepositoryRef: local disk by default, S3, ...), fetched through the artifact library's driver (the
// workflow namespace's Secrets) into a temp dir and streamed back as stored (a tar-archived output is its .tgz); a
// directory saved with `archive: none` is sent as a .tgz. The temp copy is removed when the response ends.
import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { packTarGz } from '../artifacts/archive-tar.js';
import { describeLocation, getKey, hasLocationOrKey, resolveArtifactLocation } from '../artifacts/location.js';
import type { ArtifactRepository } from '../artifacts/repository-config.js';
import { ArtifactHost } from '../controller/artifact-effects.js';
import { WeirError, errorMessage, isWeirError } from '../core/errors.js';
import type { Artifact } from '../api/workflow-io.js';
import { STREAMED } from './router.js';
import type { Router, RouteContext } from './router.js';
import { getResource, nameOf, namespaceOf } from './routes-common.js';

interface NodeView {
  inputs?: { artifacts?: Artifact[] };
  outputs?: { artifacts?: Artifact[] };
}

const hosts = new WeakMap<object, ArtifactHost>();

/** One ArtifactHost per server (its drivers and S3 clients are reused across downloads). */
function hostFor(ctx: RouteContext, dataDir: string): ArtifactHost {
  let h = hosts.get(ctx.opts);
  if (!h) {
    h = new ArtifactHost({ store: ctx.opts.store, dataDir });
    hosts.set(ctx.opts, h);
  }
  return h;
}

/** `attachment` with an ASCII fallback name and the exact UTF-8 name (RFC 6266 / 5987). */
function disposition(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}

async function download(ctx: RouteContext, io: 'inputs' | 'outputs'): Promise<typeof STREAMED> {
  const dataDir = ctx.opts.dataDir;
  if (dataDir === undefined)
    throw new WeirError('NOT_FOUND', 'artifact downloads are not enabled on this server (it has no data directory)');
  const ns = namespaceOf(ctx);
  const wf = await getResource(ctx, 'Workflow', ns, nameOf(ctx));
  const nodeId = ctx.params.nodeId ?? '';
  const artName = ctx.params.artifactName ?? '';
  const status = (wf.status ?? {}) as {
    nodes?: Record<string, NodeView>;
    artifactRepositoryRef?: { artifactRepository?: ArtifactRepository };
  };
  const node = status.nodes?.[nodeId];
  if (!node) throw new WeirError('NOT_FOUND', `workflow ${ns}/${wf.metadata.name} has no node ${JSON.stringify(nodeId)}`);
  const art = node[io]?.artifacts?.find((a) => a.name === artName);
  if (!art)
    throw new WeirError('NOT_FOUND', `node ${nodeId} has no ${io === 'inputs' ? 'input' : 'output'} artifact ${JSON.stringify(artName)}`);
  if ((art as { deleted?: boolean }).deleted === true)
    throw new WeirError('NOT_FOUND', `artifact ${JSON.stringify(artName)} was deleted by artifactGC`);
  if (!hasLocationOrKey(art)) throw new WeirError('NOT_FOUND', `artifact ${JSON.stringify(artName)} has no stored location`);
  const loc = resolveArtifactLocation(art, status.artifactRepositoryRef?.artifactRepository);
  const driver = (await hostFor(ctx, dataDir).service(ns)).driverFor(loc);
  const tmp = join(dataDir, 'tmp', 'downloads', randomUUID());
  await mkdir(tmp, { recursive: true });
  try {
    const fetched = join(tmp, 'object');
    let kind;
    try {
      kind = await driver.load(loc, fetched, { signal: ctx.signal });
    } catch (e) {
      if (isWeirError(e)) throw e;
      throw new WeirError('IO_ERROR', `cannot read artifact ${JSON.stringify(artName)} from ${describeLocation(loc)}: ${errorMessage(e)}`);
    }
    let file = fetched;
    let fileName = posix.basename(getKey(loc) ?? '') || artName;
    if (kind === 'dir') {
      file = join(tmp, 'object.tgz');
      await packTarGz(fetched, file);
      fileName = `${fileName.replace(/\/+$/, '')}.tgz`;
    }
    const size = (await stat(file)).size;
    ctx.res.writeHead(200, {
      'content-type': 'application/octet-stream',
      'content-length': size,
      'content-disposition': disposition(fileName),
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    });
    if (ctx.req.method === 'HEAD') ctx.res.end();
    else await pipeline(createReadStream(file), ctx.res, { signal: ctx.signal }).catch(() => ctx.res.destroy());
    return STREAMED;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

export function artifactRoutes(r: Router): void {
  r.get('/artifacts/:namespace/:name/:nodeId/:artifactName', (ctx) => download(ctx, 'outputs'));
  r.get('/input-artifacts/:namespace/:name/:nodeId/:artifactName', (ctx) => download(ctx, 'inputs'));
}
