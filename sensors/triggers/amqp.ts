// amqp trigger (Weir; Argo Events has none): publishes one message (payload parameters as JSON) to `exchangeName`
// with `routingKey` at `url` through the runtime's AMQP publisher, with publisher confirms, persistent by default,
// and the firing key as message-id so a consumer can drop a repeat after a retried firing. `exchangeType` declares
// the (durable) exchange first; without it the exchange must exist.
import { WeirError } from '../../src/core/errors.js';
import { constructPayload } from '../parameters.js';
import type { Parameter } from '../parameters.js';
import type { AmqpTarget, TriggerAdapter } from './types.js';

export const amqpTrigger: TriggerAdapter<'amqp'> = {
  kind: 'amqp',
  plan(input) {
    const t = (input.template.amqp ?? {}) as {
      url?: string;
      exchangeName?: string;
      exchangeType?: string;
      routingKey?: string;
      persistent?: boolean;
      payload?: Parameter[];
    };
    if (!t.url) throw new WeirError('INVALID_SPEC', 'amqp.url is required');
    if (t.exchangeName === undefined && t.routingKey === undefined)
      throw new WeirError(
        'INVALID_SPEC',
        'amqp needs exchangeName and/or routingKey (routingKey alone publishes to the queue of that name)',
      );
    const target: AmqpTarget = {
      url: t.url,
      exchange: t.exchangeName ?? '',
      routingKey: t.routingKey ?? '',
      persistent: t.persistent !== false,
      messageId: input.key,
      ...(t.exchangeType ? { exchangeType: t.exchangeType } : {}),
    };
    const where =
      target.exchange === '' ? `queue ${target.routingKey}` : `exchange ${target.exchange} (${target.routingKey || 'no routing key'})`;
    return {
      kind: 'amqp',
      summary: `publish an AMQP message to ${where}`,
      action: { ...target, payload: constructPayload(t.payload, input.events) },
    };
  },
  async execute(plan, rt) {
    if (rt.amqp === undefined) throw new WeirError('INTERNAL', 'this runtime has no AMQP publisher');
    const { payload, ...target } = plan.action;
    await rt.amqp.publish(target, payload, rt.signal);
    return { outcome: 'done' };
  },
};
