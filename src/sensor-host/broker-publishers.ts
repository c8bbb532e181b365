// Publishers behind the amqp and mqtt triggers: one connection per broker URL, opened on first use and kept; a
// connection that fails is dropped so the next firing (the host retries) opens a new one. AMQP publishes on a
// confirm channel and resolves after the broker's confirm; MQTT resolves after the broker's PUBACK/PUBCOMP.
import { connect as amqpConnect } from 'amqplib';
import type { ChannelModel, ConfirmChannel } from 'amqplib';
import { connectAsync } from 'mqtt';
import type { MqttClient } from 'mqtt';
import { WeirError, errorMessage } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { AmqpPublisher, MqttPublisher } from '../../sensors/triggers/types.js';

export function amqpPublisher(log: Logger): AmqpPublisher & { close(): Promise<void> } {
  const conns = new Map<string, Promise<{ conn: ChannelModel; ch: ConfirmChannel; declared: Set<string> }>>();
  const open = (url: string): Promise<{ conn: ChannelModel; ch: ConfirmChannel; declared: Set<string> }> => {
    let p = conns.get(url);
    if (p === undefined) {
      p = (async () => {
        const conn = await amqpConnect(url);
        const drop = (): void => void conns.delete(url);
        conn.on('error', (e: Error) => log.warn({ err: e.message }, 'amqp trigger connection error'));
        conn.on('close', drop);
        const ch = await conn.createConfirmChannel();
        ch.on('error', (e: Error) => log.warn({ err: e.message }, 'amqp trigger channel error'));
        ch.on('close', () => {
          drop();
          void conn.close().catch(() => undefined);
        });
        return { conn, ch, declared: new Set<string>() };
      })();
      conns.set(url, p);
      p.catch(() => conns.delete(url));
    }
    return p;
  };
  return {
    async publish(t, payload, signal) {
      if (signal.aborted) throw new WeirError('CANCELLED', 'amqp publish cancelled');
      const c = await open(t.url);
      if (t.exchangeType !== undefined && t.exchange !== '' && !c.declared.has(t.exchange)) {
        await c.ch.assertExchange(t.exchange, t.exchangeType, { durable: true });
        c.declared.add(t.exchange);
      }
      c.ch.publish(t.exchange, t.routingKey, Buffer.from(payload), {
        contentType: 'application/json',
        persistent: t.persistent,
        messageId: t.messageId,
        appId: 'weir',
      });
      await c.ch.waitForConfirms();
    },
    async close() {
      for (const p of conns.values())
        await p
          .then((c) => c.conn.close())
          .catch((e: unknown) => log.warn({ err: errorMessage(e) }, 'amqp trigger connection close failed'));
      conns.clear();
    },
  };
}

export function mqttPublisher(log: Logger): MqttPublisher & { close(): Promise<void> } {
  const clients = new Map<string, Promise<MqttClient>>();
  return {
    async publish(t, payload, signal) {
      if (signal.aborted) throw new WeirError('CANCELLED', 'mqtt publish cancelled');
      let c = clients.get(t.url);
      if (c === undefined) {
        c = connectAsync(t.url, { reconnectPeriod: 1000, connectTimeout: 10_000 });
        clients.set(t.url, c);
        c.catch(() => clients.delete(t.url));
      }
      const client = await c;
      await client.publishAsync(t.topic, payload, { qos: t.qos, retain: t.retain });
    },
    async close() {
      for (const c of clients.values())
        await c.then((x) => x.endAsync()).catch((e: unknown) => log.warn({ err: errorMessage(e) }, 'mqtt trigger client close failed'));
      clients.clear();
    },
  };
}
