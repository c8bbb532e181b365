// AMQP 0-9-1 event source (RabbitMQ, amqplib): declares the exchange and queue, binds them with the routing key and
// consumes. Config keys: url | urlSecret, exchangeName, exchangeType, routingKey, exchangeDeclare {durable,
// autoDelete, internal, noWait}, queueDeclare {name, durable, autoDelete, exclusive, noWait, arguments (YAML)},
// queueBind {noWait}, consume {consumerTag, autoAck, exclusive, noLocal, noWait}, auth {username, password}, tls,
// jsonBody, metadata, filter (host); defaults as Argo's (durable exchange; server-named exclusive queue).
// Emits Argo's AMQPEventData `{contentType, contentEncoding, deliveryMode, priority, correlationId, replyTo,
// expiration, messageId, timestamp, type, appId, exchange, routingKey, body, metadata}` plus `headers` and
// `deliveryTag` (Weir). Every message is acknowledged only after the bus acknowledged its event (autoAck is ignored),
// in delivery order with `multiple` acks (AckWindow);
// event id `msg:<message-id>`, or `sha:<hash of exchange, routing key, properties and body>` without a message-id,
// so a redelivery after a crash is the same event and the bus drops it.
import { connect } from 'amqplib';
import type { Channel, ConsumeMessage, Options } from 'amqplib';
import { parse as parseYaml } from 'yaml';
import { WeirError, errorMessage } from '../src/core/errors.js';
import { goTimeString, stringMap, text } from '../src/core/adapter-kit.js';
import { GO_ZERO_TIME, argoBody, contentId, emitAckedBatch, readBasicAuth, readTls, untilAborted } from './common/broker-kit.js';
import type { EmitInput, EventSourceAdapter, SecretRef, StartContext } from '../src/api/eventsource-adapter.js';

/**
 * Messages in flight at once (the channel prefetch; Argo sets none, so RabbitMQ's is unlimited): enough that a bus
 * commit and its flush do not leave the consumer waiting for deliveries.
 */
export const AMQP_PREFETCH = 1024;

/**
 * Acknowledgements in delivery order: a message is acknowledged once the bus has its event and every message delivered
 * before it is acknowledged too, so the done messages at the front go in one `multiple` ack per tick (RabbitMQ's
 * delivery tags rise in delivery order on a channel) instead of one ack each.
 */
export class AckWindow {
  private readonly order: ConsumeMessage[] = [];
  private head = 0;
  private readonly done = new Set<number>();
  private scheduled = false;

  constructor(
    private readonly ack: (last: ConsumeMessage) => void,
    private readonly signal: AbortSignal,
  ) {}

  delivered(m: ConsumeMessage): void {
    this.order.push(m);
  }

  complete(m: ConsumeMessage): void {
    this.done.add(m.fields.deliveryTag);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.scheduled = false;
    let last: ConsumeMessage | undefined;
    while (this.head < this.order.length && this.done.delete(this.order[this.head].fields.deliveryTag)) last = this.order[this.head++];
    if (this.head > 4096 && this.head * 2 > this.order.length) {
      this.order.splice(0, this.head);
      this.head = 0;
    }
    if (last !== undefined && !this.signal.aborted) this.ack(last);
  }
}

interface Decl {
  [k: string]: unknown;
}

function flag(o: Decl | undefined, k: string, dflt: boolean): boolean {
  const v = o?.[k];
  return typeof v === 'boolean' ? v : dflt;
}

function jsonSafe(v: unknown): unknown {
  if (Buffer.isBuffer(v)) return v.toString('utf8');
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'bigint') return v.toString();
  if (Array.isArray(v)) return v.map(jsonSafe);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, jsonSafe(x)]));
  return v;
}

/** Argo's payload for one delivery; undefined when jsonBody is set and the body is not JSON. */
export function amqpPayload(spec: Record<string, unknown>, m: ConsumeMessage): Record<string, unknown> | undefined {
  const b = argoBody(m.content, spec.jsonBody === true);
  if (!b.ok) return undefined;
  const p = m.properties;
  const s = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : '');
  const ts = typeof p.timestamp === 'number' ? goTimeString(new Date(p.timestamp * 1000)) : GO_ZERO_TIME;
  const data: Record<string, unknown> = {
    contentType: s(p.contentType),
    contentEncoding: s(p.contentEncoding),
    deliveryMode: Number(p.deliveryMode ?? 0),
    priority: Number(p.priority ?? 0),
    correlationId: s(p.correlationId),
    replyTo: s(p.replyTo),
    expiration: s(p.expiration),
    messageId: s(p.messageId),
    timestamp: ts,
    type: s(p.type),
    appId: s(p.appId),
    exchange: m.fields.exchange,
    routingKey: m.fields.routingKey,
    headers: jsonSafe(p.headers ?? {}),
    deliveryTag: m.fields.deliveryTag,
    body: b.body,
  };
  const metadata = stringMap(spec.metadata);
  if (metadata !== undefined) data.metadata = metadata;
  return data;
}

/** The deterministic event id of a delivery (the same after a redelivery). */
export function amqpEventId(m: ConsumeMessage): string {
  const mid = m.properties.messageId as unknown;
  if (typeof mid === 'string' && mid !== '') return `msg:${mid}`;
  const { deliveryTag: _t, redelivered: _r, consumerTag: _c, ...fields } = m.fields;
  return `sha:${contentId(JSON.stringify(fields), JSON.stringify(jsonSafe(m.properties)), m.content)}`;
}

async function brokerUrl(ctx: StartContext): Promise<string> {
  const spec = ctx.spec;
  const raw = spec.urlSecret !== undefined ? await ctx.secrets.get(spec.urlSecret as SecretRef) : text(spec.url);
  if (raw === undefined) throw new WeirError('INVALID_SPEC', 'amqp needs url or urlSecret');
  const auth = await readBasicAuth(ctx, spec.auth);
  if (auth === undefined) return raw;
  const u = new URL(raw);
  u.username = encodeURIComponent(auth.username);
  u.password = encodeURIComponent(auth.password);
  return u.toString();
}

async function declare(ch: Channel, spec: Record<string, unknown>): Promise<string> {
  const ex = spec.exchangeDeclare as Decl | undefined;
  const exchange = text(spec.exchangeName) ?? '';
  if (exchange !== '') {
    await ch.assertExchange(exchange, text(spec.exchangeType) ?? 'direct', {
      durable: flag(ex, 'durable', true),
      autoDelete: flag(ex, 'autoDelete', false),
      internal: flag(ex, 'internal', false),
    });
  }
  const q = spec.queueDeclare as Decl | undefined;
  const args = text(q?.arguments);
  const opts: Options.AssertQueue = {
    durable: flag(q, 'durable', false),
    autoDelete: flag(q, 'autoDelete', false),
    exclusive: flag(q, 'exclusive', q === undefined),
    ...(args !== undefined ? { arguments: parseYaml(args) as Record<string, unknown> } : {}),
  };
  const queue = (await ch.assertQueue(text(q?.name) ?? '', opts)).queue;
  if (exchange !== '') await ch.bindQueue(queue, exchange, text(spec.routingKey) ?? '');
  return queue;
}

async function run(ctx: StartContext): Promise<void> {
  const { spec, log, signal } = ctx;
  const consume = spec.consume as Decl | undefined;
  if (consume?.autoAck === true)
    log.info({ field: 'consume.autoAck' }, 'amqp: consume.autoAck is ignored; Weir acknowledges each message after the bus has its event');
  if (flag(consume, 'noLocal', false))
    log.info({ field: 'consume.noLocal' }, 'amqp: consume.noLocal is not supported by RabbitMQ and is ignored');
  const tls = await readTls(ctx, spec.tls);
  const conn = await connect(await brokerUrl(ctx), { ...(tls ?? {}) });
  let failure: ((e: Error) => void) | undefined;
  const failed = new Promise<never>((_res, reject) => {
    failure = reject;
  });
  failed.catch(() => undefined);
  conn.on('error', (e: Error) => failure?.(new WeirError('IO_ERROR', `amqp connection error: ${e.message}`, { cause: e })));
  conn.on('close', () => {
    if (!signal.aborted) failure?.(new WeirError('IO_ERROR', 'amqp connection closed by the broker'));
  });
  try {
    const ch = await conn.createChannel();
    ch.on('error', (e: Error) => failure?.(new WeirError('IO_ERROR', `amqp channel error: ${e.message}`, { cause: e })));
    await ch.prefetch(AMQP_PREFETCH);
    const queue = await declare(ch, spec);
    const acks = new AckWindow((last) => ch.ack(last, true), signal);
    // Deliveries that arrive in the same tick go to the bus as one batch (one commit, or one JetStream batch).
    let pending: { m: ConsumeMessage; input: EmitInput }[] = [];
    const emitPending = async (): Promise<void> => {
      const batch = pending;
      pending = [];
      await emitAckedBatch(
        ctx,
        batch.map((p) => p.input),
      );
      for (const p of batch) acks.complete(p.m);
    };
    const handle = (m: ConsumeMessage): Promise<void> | undefined => {
      const id = amqpEventId(m);
      const data = amqpPayload(spec, m);
      if (data === undefined) {
        log.warn({ eventId: id }, 'amqp: message body is not JSON (jsonBody is set); acknowledging and skipping it');
        acks.complete(m);
        return undefined;
      }
      const ts = m.properties.timestamp as unknown;
      pending.push({ m, input: { id, data, ...(typeof ts === 'number' && ts > 0 ? { time: new Date(ts * 1000) } : {}) } });
      if (pending.length > 1) return undefined;
      return new Promise<void>((resolve) => setImmediate(resolve)).then(emitPending);
    };
    const tag = text(consume?.consumerTag);
    const ok = await ch.consume(
      queue,
      (m) => {
        if (m === null) {
          failure?.(new WeirError('IO_ERROR', `amqp consumer of queue ${queue} was cancelled by the broker`));
          return;
        }
        acks.delivered(m);
        handle(m)?.catch((e: unknown) => {
          if (signal.aborted) return;
          log.error({ err: errorMessage(e) }, 'amqp: publishing a message failed; restarting the source (the message is redelivered)');
          failure?.(e instanceof Error ? e : new Error(errorMessage(e)));
        });
      },
      { noAck: false, exclusive: flag(consume, 'exclusive', false), ...(tag !== undefined ? { consumerTag: tag } : {}) },
    );
    log.info(
      { queue, exchange: text(spec.exchangeName), routingKey: text(spec.routingKey), consumerTag: ok.consumerTag },
      'amqp consumer started',
    );
    await Promise.race([untilAborted(signal), failed]);
  } finally {
    await conn.close().catch(() => undefined);
  }
}

export function createAmqpSource(): EventSourceAdapter {
  return { kind: 'amqp', start: run };
}
