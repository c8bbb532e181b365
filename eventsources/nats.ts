// NATS event source (@nats-io): the user's NATS server, not Weir's bus. Core mode subscribes to `subject` (with the
// `queue` group when set) and publishes each message in arrival order; core NATS keeps nothing for a subscriber that
// is away, so messages sent while Weir is down are lost (as in Argo). With `jetStream` (Weir) the subject is read
// through a durable JetStream consumer of the given stream (created with explicit acks when missing) and every
// message is acknowledged only after the bus acknowledged its event: a restart resumes without loss.
// Config keys: url, subject, queue, jsonBody, auth {basic, token} (nkey, credential: refused), tls, metadata, filter
// (host), jetStream {stream, consumer, deliverPolicy}. Emits Argo's NATSEventData `{subject, body, header, metadata}`.
// Event id: `<stream>:<stream sequence>` with jetStream; else the `Nats-Msg-Id` header when set, otherwise random.
import { connect } from '@nats-io/transport-node';
import type { ConnectionOptions, MsgHdrs, NatsConnection } from '@nats-io/nats-core';
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { WeirError } from '../src/core/errors.js';
import { stringMap, text } from '../src/core/adapter-kit.js';
import { argoBody, emitAcked, readBasicAuth, readTls } from './common/broker-kit.js';
import type { EventSourceAdapter, SecretRef, StartContext } from '../src/api/eventsource-adapter.js';

interface JetStreamSpec {
  stream?: string;
  consumer?: string;
  deliverPolicy?: string;
}

function headerMap(h: MsgHdrs | undefined): Record<string, string[]> | undefined {
  if (h === undefined) return undefined;
  const out: Record<string, string[]> = {};
  for (const k of h.keys()) out[k] = h.values(k);
  return Object.keys(out).length > 0 ? out : undefined;
}

async function connectOptions(ctx: StartContext): Promise<ConnectionOptions> {
  const spec = ctx.spec;
  const opts: ConnectionOptions = {
    servers: (text(spec.url) ?? '').split(',').map((s) => s.trim()),
    name: `weir-${ctx.name}-${ctx.eventName}`,
    reconnect: true,
    maxReconnectAttempts: -1,
  };
  const auth = spec.auth as { basic?: unknown; token?: SecretRef; nkey?: unknown; credential?: unknown } | undefined;
  if (auth?.nkey !== undefined || auth?.credential !== undefined)
    throw new WeirError('INVALID_SPEC', 'nats: auth.nkey and auth.credential are not supported by Weir yet (use basic or token)');
  const basic = await readBasicAuth(ctx, auth?.basic);
  if (basic !== undefined) Object.assign(opts, { user: basic.username, pass: basic.password });
  if (auth?.token !== undefined) opts.token = await ctx.secrets.get(auth.token);
  const tls = await readTls(ctx, spec.tls);
  if (tls !== undefined)
    opts.tls = {
      ...(tls.ca !== undefined ? { ca: tls.ca[0] } : {}),
      ...(tls.cert !== undefined ? { cert: tls.cert } : {}),
      ...(tls.key !== undefined ? { key: tls.key } : {}),
    };
  return opts;
}

function payload(ctx: StartContext, subject: string, data: Uint8Array, headers: MsgHdrs | undefined): Record<string, unknown> | undefined {
  const b = argoBody(data, ctx.spec.jsonBody === true);
  if (!b.ok) return undefined;
  const header = headerMap(headers);
  const metadata = stringMap(ctx.spec.metadata);
  return { subject, body: b.body, ...(header !== undefined ? { header } : {}), ...(metadata !== undefined ? { metadata } : {}) };
}

const DELIVER: Record<string, DeliverPolicy> = { all: DeliverPolicy.All, new: DeliverPolicy.New, last: DeliverPolicy.Last };

async function runJetStream(ctx: StartContext, nc: NatsConnection, subject: string, js: JetStreamSpec): Promise<void> {
  const stream = js.stream ?? '';
  const durable = (js.consumer ?? `weir-${ctx.name}-${ctx.eventName}`).replace(/[^A-Za-z0-9_-]/g, '_');
  const jsm = await jetstreamManager(nc);
  try {
    await jsm.consumers.info(stream, durable);
  } catch {
    await jsm.consumers.add(stream, {
      durable_name: durable,
      ack_policy: AckPolicy.Explicit,
      filter_subject: subject,
      deliver_policy: DELIVER[js.deliverPolicy ?? 'all'] ?? DeliverPolicy.All,
    });
  }
  const consumer = await jetstream(nc).consumers.get(stream, durable);
  const messages = await consumer.consume({ max_messages: 64 });
  const stop = (): void => void messages.close();
  ctx.signal.addEventListener('abort', stop, { once: true });
  ctx.log.info({ stream, consumer: durable, subject }, 'nats jetstream consumer started');
  try {
    for await (const m of messages) {
      const data = payload(ctx, m.subject, m.data, m.headers);
      const id = `${stream}:${m.seq}`;
      if (data === undefined)
        ctx.log.warn({ eventId: id }, 'nats: message body is not JSON (jsonBody is set); acknowledging and skipping it');
      else await emitAcked(ctx, { id, data, time: new Date(m.info.timestampNanos / 1e6) });
      await m.ackAck();
    }
  } finally {
    ctx.signal.removeEventListener('abort', stop);
  }
}

async function run(ctx: StartContext): Promise<void> {
  const { spec, log, signal } = ctx;
  const subject = text(spec.subject) ?? '';
  const nc = await connect(await connectOptions(ctx));
  const closed = nc.closed();
  try {
    const js = spec.jetStream as JetStreamSpec | undefined;
    if (js !== undefined && js !== null) {
      await runJetStream(ctx, nc, subject, js);
      return;
    }
    const queue = text(spec.queue);
    const sub = nc.subscribe(subject, queue !== undefined ? { queue } : {});
    signal.addEventListener('abort', () => sub.unsubscribe(), { once: true });
    void closed.then(() => sub.unsubscribe());
    log.info({ subject, queue }, 'nats subscriber started');
    for await (const m of sub) {
      const data = payload(ctx, m.subject, m.data, m.headers);
      if (data === undefined) {
        log.warn({ subject: m.subject }, 'nats: message body is not JSON (jsonBody is set); skipping it');
        continue;
      }
      const msgId = m.headers?.get('Nats-Msg-Id');
      await emitAcked(ctx, { ...(msgId !== undefined && msgId !== '' ? { id: `msgid:${msgId}` } : {}), data });
    }
    if (!signal.aborted) throw new WeirError('IO_ERROR', 'nats: the subscription ended (connection closed)');
  } finally {
    await nc.close().catch(() => undefined);
  }
}

export function createNatsSource(): EventSourceAdapter {
  return { kind: 'nats', start: run };
}
