// Connection settings shared by the redis and redisStream event sources: Argo's hostAddress ("host:port"), db,
// username, password secret and tls, turned into ioredis options. Imported by those adapters only.
import type { RedisOptions } from 'ioredis';
import { WeirError } from '../../src/core/errors.js';
import { text } from '../../src/core/adapter-kit.js';
import { readTls } from './broker-kit.js';
import type { SecretRef, StartContext } from '../../src/api/eventsource-adapter.js';

export async function redisOptions(ctx: StartContext): Promise<RedisOptions> {
  const spec = ctx.spec;
  const addr = text(spec.hostAddress) ?? '';
  const m = /^(.*):(\d+)$/.exec(addr);
  if (addr === '' || m === null) throw new WeirError('INVALID_SPEC', `hostAddress must be "host:port", got ${JSON.stringify(addr)}`);
  const password = spec.password !== undefined ? await ctx.secrets.get(spec.password as SecretRef) : undefined;
  const tls = await readTls(ctx, spec.tls);
  return {
    host: m[1].replace(/^\[|\]$/g, ''),
    port: Number(m[2]),
    db: typeof spec.db === 'number' ? spec.db : 0,
    lazyConnect: true,
    ...(text(spec.username) !== undefined ? { username: text(spec.username) } : {}),
    ...(password !== undefined ? { password } : {}),
    ...(tls !== undefined ? { tls } : {}),
  };
}
