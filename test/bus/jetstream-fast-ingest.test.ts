// The JetStream bus on the newer nats-server that scripts/nats-env.sh builds (fast-ingest batches, 2.14+): the whole
// bus conformance suite, and publishBatch with ackPerBatch going out as fast-ingest batches that keep Nats-Msg-Id
// de-duplication, falling back to one-by-one publishes when the stream refuses them. The binary: WEIR_NATS_SERVER
// (a missing one fails loudly), else the cached build (none cached is a loud failure: .ci/run builds it); with
// WEIR_NATS_SERVER=/usr/sbin/nats-server (Debian's 2.9.10) the same tests check that the bus publishes one by one.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { createJetStreamBus, FAST_INGEST_SERVER, versionAtLeast } from '../../src/bus/jetstream-bus.js';
import type { JetStreamBus } from '../../src/bus/jetstream-bus.js';
import { NEWER_NATS_VERSION, natsServerVersion, newerNatsServerBinary, startNatsServer } from '../helpers/nats-server.js';
import type { NatsServer } from '../helpers/nats-server.js';
import { collect, event, eventually, runBusConformance, sleep } from './conformance.js';

let nats: NatsServer;
let version = '';
let fast = false;
before(async () => {
  const binary = newerNatsServerBinary();
  // .ci/run builds it; without it this file would quietly test only the fallback, so it is a loud failure instead.
  if (binary === undefined)
    throw new Error(
      `no nats-server ${NEWER_NATS_VERSION} is cached: run "bash scripts/nats-env.sh build" (or set WEIR_NATS_SERVER to a nats-server binary; Debian's 2.9.10 checks the one-by-one fallback)`,
    );
  nats = await startNatsServer({ binary });
  version = await natsServerVersion(nats);
  fast = versionAtLeast(version, FAST_INGEST_SERVER);
  process.stderr.write(`jetstream-fast-ingest: nats-server ${version} (${binary ?? 'nats-server on PATH'}), fast ingest ${fast}\n`);
});
after(async () => {
  await nats?.close();
});

runBusConformance('jetstream on the newer nats-server', (key) => createJetStreamBus({ url: nats.url, name: key, publishTimeoutMs: 3000 }));

/** Messages the bus's stream holds. */
async function stored(bus: JetStreamBus): Promise<number> {
  const nc = await connect({ servers: nats.url });
  try {
    return (await (await jetstreamManager(nc)).streams.info(bus.options.streamName)).state.messages;
  } finally {
    await nc.close();
  }
}

describe('jetstream bus: fast-ingest batches', () => {
  test('ackPerBatch batches go as fast-ingest batches on 2.14+ (one by one before); a replay stores nothing twice', async () => {
    const bus = await createJetStreamBus({ url: nats.url, name: `fast-${randomUUID().slice(0, 8)}` });
    try {
      assert.equal(bus.fastIngest(), fast, `fast ingest on nats-server ${version}`);
      const src = 'fi';
      const evs = Array.from({ length: 300 }, (_, i) => event(src, 'e', { i }));
      const first = await Promise.all([0, 100].map((k) => bus.publishBatch(evs.slice(k, k + 100), { ackPerBatch: true })));
      const acks = first.flat();
      assert.ok(acks.every((r) => r.ok && r.ack.batched === (fast ? true : undefined)));
      // Exact per-event acks unless asked otherwise.
      const exact = await bus.publishBatch(evs.slice(200, 210));
      assert.ok(exact.every((r) => r.ok && r.ack.batched === undefined && !r.ack.duplicate));
      assert.equal(await stored(bus), 210);
      // A replay after a crash: 60 stored events (duplicates, skipped by the server) among 90 new ones, in one batch.
      const replay = await bus.publishBatch(evs.slice(150, 300), { ackPerBatch: true });
      assert.ok(replay.every((r) => r.ok));
      assert.equal(await stored(bus), 300);
      const again = await bus.publishBatch(evs.slice(0, 100), { ackPerBatch: true });
      assert.ok(again.every((r) => r.ok));
      if (fast)
        assert.ok(
          again.every((r) => r.ok && r.ack.batched && r.ack.seq === 0),
          'all duplicates: nothing stored, seq 0',
        );
      else assert.ok(again.every((r) => r.ok && r.ack.duplicate));
      assert.equal(await stored(bus), 300);
      const c = collect(bus, { durableName: 'all', filters: [{ eventSourceName: src, eventName: '*' }], deliverPolicy: 'all' });
      await eventually(() => c.received.length >= 300, { what: '300 deliveries' });
      await sleep(200);
      await c.stop();
      assert.deepEqual(
        c.ids(),
        evs.map((e) => e.id),
        'each event once, in order',
      );
      assert.equal(bus.metrics().publishFailures, 0);
    } finally {
      await bus.close();
    }
  });

  test('a stream without allow_batched refuses the batch: its events are published one by one, and fast ingest stops', async () => {
    const bus = await createJetStreamBus({ url: nats.url, name: `nofast-${randomUUID().slice(0, 8)}`, fastIngest: false });
    try {
      assert.equal(bus.fastIngest(), false, 'fastIngest: false');
      // As if the stream had been changed behind the bus's back.
      (bus as unknown as { publisher: { fastIngest: boolean } }).publisher.fastIngest = true;
      const evs = Array.from({ length: 50 }, (_, i) => event('nf', 'e', { i }));
      const rs = await bus.publishBatch(evs, { ackPerBatch: true });
      assert.ok(
        rs.every((r) => r.ok && r.ack.batched === undefined && !r.ack.duplicate),
        'published one by one',
      );
      assert.equal(await stored(bus), 50);
      // 2.14+ refuses (batch publish disabled) and the publisher stops trying; an older server just stores each one.
      if (fast) assert.equal(bus.fastIngest(), false);
    } finally {
      await bus.close();
    }
  });
});
