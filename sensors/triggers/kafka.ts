// kafka trigger: produces one message (payload parameters as JSON, `partitioningKey` as the key, `headers`) to
// `topic` at `url` through the runtime's Kafka publisher (@platformatic/kafka). tls, sasl and schemaRegistry are refused.
import { WeirError } from '../../src/core/errors.js';
import { constructPayload } from '../parameters.js';
import type { Parameter } from '../parameters.js';
import type { TriggerAdapter } from './types.js';

export const kafkaTrigger: TriggerAdapter<'kafka'> = {
  kind: 'kafka',
  plan(input) {
    const t = (input.template.kafka ?? {}) as {
      url?: string;
      topic?: string;
      payload?: Parameter[];
      partitioningKey?: string;
      headers?: Record<string, unknown>;
      tls?: unknown;
      sasl?: unknown;
      schemaRegistry?: unknown;
      secureHeaders?: unknown;
    };
    for (const k of ['tls', 'sasl', 'schemaRegistry', 'secureHeaders'] as const) {
      if (t[k] !== undefined && t[k] !== null) throw new WeirError('INVALID_SPEC', `kafka.${k} is not supported by Weir yet`);
    }
    if (!t.url || !t.topic) throw new WeirError('INVALID_SPEC', 'kafka.url and kafka.topic are required');
    const headers = Object.fromEntries(Object.entries(t.headers ?? {}).map(([k, v]) => [k, String(v)]));
    const payload = constructPayload(t.payload, input.events);
    return {
      kind: 'kafka',
      summary: `produce to kafka topic ${t.topic}`,
      action: { url: t.url, topic: t.topic, key: t.partitioningKey ?? '', headers, payload },
    };
  },
  async execute(plan, rt) {
    const a = plan.action;
    await rt.kafka.publish({ url: a.url, topic: a.topic, key: a.key || undefined, headers: a.headers }, a.payload, rt.signal);
    return { outcome: 'done' };
  },
};
