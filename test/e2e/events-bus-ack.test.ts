// Regression for the webhook outage scenario: an ack or nak given while nats-server is down reaches the server after
// the reconnect. Before, the client dropped it, and a maxAckPending-1 consumer (every sensor) stalled for a whole
// ackWait (60 s in `weir server`) before anything else was delivered.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createJetStreamBus } from '../../src/bus/jetstream-bus.js';
import type { BusMessage } from '../../src/bus/types.js';
import { makeCloudEvent } from '../../src/core/cloudevent.js';
import type { CloudEvent } from '../../src/core/cloudevent.js';
import { startNatsServer } from '../helpers/nats-server.js';
import { eventually } from './events-kit.js';

const ev = (id: string): CloudEvent =>
  makeCloudEvent({ id, source: 'src', subject: 'ev', type: 'test', time: new Date().toISOString(), data: { id } });

for (const settle of ['ack', 'nak'] as const) {
  test(`${settle} while the bus is down is delivered after the reconnect (no ackWait stall)`, async () => {
    await using nats = await startNatsServer();
    const bus = await createJetStreamBus({ url: nats.url, name: `ack-${settle}`, reconnectMaxMs: 500, publishTimeoutMs: 2000 });
    const ac = new AbortController();
    const got: string[] = [];
    let first: BusMessage | undefined;
    const loop = (async () => {
      for await (const m of bus.consume({
        durableName: 'c',
        filters: [{ eventSourceName: 'src', eventName: 'ev' }],
        signal: ac.signal,
        maxAckPending: 1,
        ackWaitMs: 60_000,
        deliverPolicy: 'all',
      })) {
        got.push(`${m.event.id}#${m.deliveryCount}`);
        if (first === undefined) {
          first = m;
          continue; // settled by the test while the bus is down
        }
        await m.ack();
      }
    })();
    try {
      await bus.publish(ev('e1'));
      await eventually(() => first, { timeoutMs: 30_000, what: 'first delivery' });
      await nats.stop();
      await eventually(() => bus.state() === 'down', { timeoutMs: 30_000, what: 'client noticed the outage' });
      const settled = settle === 'ack' ? first!.ack() : first!.nak(100);
      await nats.restart();
      await settled;
      await eventually(
        async () =>
          await bus.publish(ev('e2')).then(
            () => true,
            () => false,
          ),
        { timeoutMs: 30_000, what: 'publish after the restart' },
      );
      await eventually(() => got.includes('e2#1'), { timeoutMs: 15_000, what: 'e2 delivered well before ackWait' });
      assert.deepEqual(got, settle === 'ack' ? ['e1#1', 'e2#1'] : ['e1#1', 'e1#2', 'e2#1']);
    } finally {
      ac.abort();
      await loop.catch(() => undefined);
      await bus.close();
    }
  });
}
