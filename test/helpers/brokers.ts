// Real message brokers for the event source tests, each an own instance on free ports with a temp dir:
// mosquitto (temp config), redis-server (no persistence), rabbitmq-server (own node name, ports, mnesia and log dirs,
// no plugins). Built on server-process.ts; a broker that cannot start fails the test loudly.
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { connect as amqpConnect } from 'amqplib';
import { Redis } from 'ioredis';
import { freePort } from './nats-server.js';
import { startServerProcess, tcpOpen } from './server-process.js';
import type { ServerProcess } from './server-process.js';

export interface Broker extends ServerProcess {
  readonly url: string;
  readonly port: number;
}

/** `mosquitto -c <temp config>` listening on 127.0.0.1:<free port>, anonymous access, in-memory sessions. */
export async function startMosquitto(): Promise<Broker> {
  const port = await freePort();
  const p = await startServerProcess({
    name: 'mosquitto',
    command: process.env.WEIR_MOSQUITTO ?? 'mosquitto',
    debianPackage: 'mosquitto',
    prepare: (dir) =>
      writeFile(
        join(dir, 'mosquitto.conf'),
        [`listener ${port} 127.0.0.1`, 'allow_anonymous true', 'persistence false', 'max_queued_messages 10000', ''].join('\n'),
      ),
    args: (dir) => ['-c', join(dir, 'mosquitto.conf')],
    ready: () => tcpOpen(port),
  });
  return Object.assign(p, { url: `mqtt://127.0.0.1:${port}`, port });
}

/** `redis-server --port <free> --save ''` on 127.0.0.1 with its dir in a temp dir. */
export async function startRedis(): Promise<Broker> {
  const port = await freePort();
  const p = await startServerProcess({
    name: 'redis-server',
    command: process.env.WEIR_REDIS_SERVER ?? 'redis-server',
    debianPackage: 'redis-server',
    args: (dir) => ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
    ready: async () => {
      if (!(await tcpOpen(port))) return false;
      const r = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      try {
        await r.connect();
        return (await r.ping()) === 'PONG';
      } catch {
        return false;
      } finally {
        r.disconnect();
      }
    },
  });
  return Object.assign(p, { url: `redis://127.0.0.1:${port}`, port });
}

/**
 * An own RabbitMQ node: RABBITMQ_NODENAME weir-test-<random>@localhost, AMQP and distribution ports free, mnesia and
 * logs in a temp dir, HOME there too (its own Erlang cookie), no plugins. Starting takes several seconds.
 */
export async function startRabbitMq(): Promise<Broker> {
  const port = await freePort();
  const dist = await freePort();
  const node = `weir-test-${randomUUID().slice(0, 8)}@localhost`;
  const bin = process.env.WEIR_RABBITMQ_SERVER ?? '/usr/lib/rabbitmq/bin/rabbitmq-server';
  const url = `amqp://guest:guest@127.0.0.1:${port}`;
  const p = await startServerProcess({
    name: 'rabbitmq-server',
    command: bin,
    debianPackage: 'rabbitmq-server',
    startTimeoutMs: 90_000,
    prepare: (dir) => writeFile(join(dir, 'enabled_plugins'), '[].\n'),
    args: () => [],
    env: (dir) => ({
      HOME: dir,
      RABBITMQ_NODENAME: node,
      RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
      RABBITMQ_NODE_PORT: String(port),
      RABBITMQ_DIST_PORT: String(dist),
      RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
      RABBITMQ_LOG_BASE: join(dir, 'log'),
      RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
      RABBITMQ_ENABLED_PLUGINS: '',
      RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq'),
      RABBITMQ_ADVANCED_CONFIG_FILE: join(dir, 'advanced.config'),
      RABBITMQ_CONF_ENV_FILE: join(dir, 'rabbitmq-env.conf'),
    }),
    ready: async () => {
      if (!(await tcpOpen(port))) return false;
      try {
        const c = await amqpConnect(url);
        await c.close();
        return true;
      } catch {
        return false;
      }
    },
  });
  return Object.assign(p, { url, port });
}
