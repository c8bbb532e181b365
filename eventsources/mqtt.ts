// MQTT event source (mqtt.js): subscribes to `topic` (wildcards + and #) at QoS 1 with a persistent session (clean
// session off, under `clientId`), so the broker keeps messages for Weir while it is away and resends the ones it
// never acknowledged. Config keys: url (tcp://, mqtt://, ssl://, ws://), topic, clientId, auth {username, password},
// tls, jsonBody, metadata, filter (host); connectionBackoff is left to the host's restart backoff. Emits Argo's
// MQTTEventData `{topic, messageId, body, metadata}` (body base64 bytes, or parsed JSON with jsonBody). The PUBACK is
// sent only after the bus acknowledged the event; event id `<topic>:<packet id>:<payload hash>`, the same when the
// broker resends an unacknowledged message after a crash. Argo subscribes at QoS 0 (at most once); Weir uses QoS 1.
import { connect } from 'mqtt';
import type { IClientOptions, IPublishPacket, MqttClient } from 'mqtt';
import { WeirError, errorMessage } from '../src/core/errors.js';
import { stringMap, text } from '../src/core/adapter-kit.js';
import { argoBody, contentId, emitAcked, readBasicAuth, readTls, untilAborted } from './common/broker-kit.js';
import type { EventSourceAdapter, StartContext } from '../src/api/eventsource-adapter.js';

type MessageHandler = (client: MqttClient, packet: IPublishPacket, done: (e?: Error) => void) => void;

/** Connects once; the handler is in place before the CONNACK, when the broker resends the session's messages. */
function connectOnce(url: string, opts: IClientOptions, onMessage: MessageHandler, signal: AbortSignal): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const client = connect(url, { ...opts, reconnectPeriod: 0 });
    client.handleMessage = (packet, done) => onMessage(client, packet, done);
    const fail = (e: Error): void => {
      client.end(true);
      reject(new WeirError('IO_ERROR', `mqtt: cannot connect to ${url}: ${e.message}`, { cause: e }));
    };
    client.once('connect', () => {
      client.off('error', fail);
      resolve(client);
    });
    client.once('error', fail);
    signal.addEventListener('abort', () => fail(new Error('stopped')), { once: true });
  });
}

async function run(ctx: StartContext): Promise<void> {
  const { spec, log, signal } = ctx;
  const url = text(spec.url) ?? '';
  const topic = text(spec.topic) ?? '';
  const clientId = text(spec.clientId) ?? '';
  const metadata = stringMap(spec.metadata);
  const auth = await readBasicAuth(ctx, spec.auth);
  const tls = await readTls(ctx, spec.tls);
  let failure: ((e: Error) => void) | undefined;
  const failed = new Promise<never>((_res, reject) => {
    failure = reject;
  });
  failed.catch(() => undefined);
  // mqtt.js sends the PUBACK when this callback is called without an error; messages are handled one at a time.
  const onMessage: MessageHandler = (_client, packet, done) => {
    const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
    const b = argoBody(payload, spec.jsonBody === true);
    const messageId = packet.messageId ?? 0;
    const id = `${packet.topic}:${messageId}:${contentId(payload)}`;
    if (!b.ok) {
      log.warn({ eventId: id }, 'mqtt: message body is not JSON (jsonBody is set); acknowledging and skipping it');
      done();
      return;
    }
    emitAcked(ctx, { id, data: { topic: packet.topic, messageId, body: b.body, ...(metadata !== undefined ? { metadata } : {}) } }).then(
      () => done(),
      (e: unknown) => {
        if (!signal.aborted) failure?.(e instanceof Error ? e : new WeirError('INTERNAL', errorMessage(e)));
        done(e instanceof Error ? e : new Error(errorMessage(e)));
      },
    );
  };
  const client = await connectOnce(
    url,
    {
      clientId,
      clean: false,
      protocolVersion: 4,
      keepalive: 30,
      ...(auth !== undefined ? { username: auth.username, password: auth.password } : {}),
      ...(tls !== undefined ? tls : {}),
    },
    onMessage,
    signal,
  );
  client.on('error', (e: Error) => failure?.(new WeirError('IO_ERROR', `mqtt: ${e.message}`, { cause: e })));
  client.on('close', () => {
    if (!signal.aborted) failure?.(new WeirError('IO_ERROR', 'mqtt: connection closed'));
  });
  try {
    const granted = await client.subscribeAsync(topic, { qos: 1 });
    if (granted.some((g) => g.qos > 2)) throw new WeirError('IO_ERROR', `mqtt: the broker refused the subscription to ${topic}`);
    log.info({ url, topic, clientId }, 'mqtt subscriber started');
    await Promise.race([untilAborted(signal), failed]);
  } finally {
    // Forced: no PUBACK for messages still in flight; the broker resends them to the session.
    await client.endAsync(true).catch(() => undefined);
  }
}

export function createMqttSource(): EventSourceAdapter {
  return { kind: 'mqtt', start: run };
}
