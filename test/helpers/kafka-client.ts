// A Kafka client for tests (@platformatic/kafka, as the source and trigger use): produce messages, read a group's
// committed offsets and a topic's end offsets, consume a topic from its start. Talks to the broker startKafkaMock()
// starts; ListOffsets is capped as in the event source (eventsources/common/kafka-kit.ts says why).
import { Consumer, MessagesStreamModes, Producer } from '@platformatic/kafka';
import { capListOffsets } from '../../eventsources/common/kafka-kit.js';

export interface TestMessage {
  key?: string;
  value: string;
  headers?: Record<string, string>;
}

export interface ConsumedMessage {
  key: string;
  value: string;
  partition: number;
  headers: Record<string, string>;
}

export interface KafkaTestClient {
  produce(topic: string, messages: TestMessage[]): Promise<void>;
  /** Committed offset per partition of `topic` for `groupId` (-1 where none was committed). */
  committed(groupId: string, topic: string): Promise<number[]>;
  /** The end (next) offset per partition of `topic`. */
  endOffsets(topic: string): Promise<number[]>;
  /** The first `n` messages of `topic` from its start (all partitions), within `timeoutMs`. */
  consume(topic: string, n: number, timeoutMs?: number): Promise<ConsumedMessage[]>;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export function kafkaTestClient(brokers: string[]): KafkaTestClient {
  const base = { clientId: 'weir-test', bootstrapBrokers: brokers };
  const producer = new Producer({ ...base, autocreateTopics: true });
  const withConsumer = async <T>(groupId: string, f: (c: Consumer) => Promise<T>): Promise<T> => {
    const c = capListOffsets(new Consumer({ ...base, groupId }));
    try {
      return await f(c);
    } finally {
      await c.close(true);
    }
  };
  const partitions = async (c: Consumer, topic: string): Promise<number[]> => {
    const md = await c.metadata({ topics: [topic] });
    return Array.from({ length: md.topics.get(topic)?.partitionsCount ?? 0 }, (_, i) => i);
  };
  const close = async (): Promise<void> => {
    await producer.close(true);
  };
  return {
    async produce(topic, messages) {
      await producer.send({
        messages: messages.map((m) => ({
          topic,
          ...(m.key !== undefined ? { key: Buffer.from(m.key) } : {}),
          value: Buffer.from(m.value),
          headers: new Map(Object.entries(m.headers ?? {}).map(([k, v]) => [Buffer.from(k), Buffer.from(v)] as const)),
        })),
      });
    },
    committed: (groupId, topic) =>
      withConsumer(groupId, async (c) => {
        const offsets = await c.listCommittedOffsets({ topics: [{ topic, partitions: await partitions(c, topic) }] });
        return (offsets.get(topic) ?? []).map(Number);
      }),
    endOffsets: (topic) =>
      withConsumer(`weir-test-offsets-${process.pid}`, async (c) => {
        const offsets = await c.listOffsets({ topics: [topic] });
        return (offsets.get(topic) ?? []).map(Number);
      }),
    consume: (topic, n, timeoutMs = 20_000) =>
      withConsumer(`weir-test-read-${process.pid}-${Date.now()}`, async (c) => {
        const out: ConsumedMessage[] = [];
        const stream = await c.consume({ topics: [topic], mode: MessagesStreamModes.EARLIEST, autocommit: false, maxWaitTime: 500 });
        const timer = setTimeout(() => void stream.close().catch(() => undefined), timeoutMs);
        try {
          for await (const m of stream) {
            const headers: Record<string, string> = {};
            for (const [k, v] of m.headers) headers[k.toString()] = v.toString();
            out.push({ key: m.key?.toString() ?? '', value: m.value?.toString() ?? '', partition: m.partition, headers });
            if (out.length >= n) break;
          }
        } finally {
          clearTimeout(timer);
          await stream.close().catch(() => undefined);
        }
        return out;
      }),
    close,
    [Symbol.asyncDispose]: close,
  };
}
