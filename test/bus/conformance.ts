// The EventBus conformance suite: every bus implementation runs it (embedded SQLite and NATS JetStream).
// `makeBus(key)` opens a bus on storage named by `key`: a new key is a fresh bus, the same key after close()
// reopens the same durable state. Polls with eventually(); the only waits are the redelivery delays under test.
// The cases live in themed files: publishing and routing, consumers and redelivery, key-value buckets, batches.
import { describe } from 'node:test';
import { collect, event, eventually, sleep } from './conformance-kit.js';
import type { Collector, MakeBus, Received } from './conformance-kit.js';
import { publishConformance } from './conformance-publish.js';
import { consumerConformance } from './conformance-consumers.js';
import { kvConformance } from './conformance-kv.js';
import { batchConformance } from './conformance-batch.js';

export { collect, event, eventually, sleep };
export type { Collector, MakeBus, Received };

export function runBusConformance(name: string, makeBus: MakeBus): void {
  describe(`EventBus conformance: ${name}`, () => {
    publishConformance(makeBus);
    consumerConformance(makeBus);
    kvConformance(makeBus);
    batchConformance(makeBus);
  });
}
