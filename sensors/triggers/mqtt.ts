// mqtt trigger (Weir; Argo Events has none): publishes one message (payload parameters as JSON) to `topic` at `url`
// through the runtime's MQTT publisher, at `qos` (default 1, acknowledged by the broker) with `retain`.
import { WeirError } from '../../src/core/errors.js';
import { constructPayload } from '../parameters.js';
import type { Parameter } from '../parameters.js';
import type { MqttTarget, TriggerAdapter } from './types.js';

export const mqttTrigger: TriggerAdapter<'mqtt'> = {
  kind: 'mqtt',
  plan(input) {
    const t = (input.template.mqtt ?? {}) as { url?: string; topic?: string; qos?: number; retain?: boolean; payload?: Parameter[] };
    if (!t.url || !t.topic) throw new WeirError('INVALID_SPEC', 'mqtt.url and mqtt.topic are required');
    if (/[+#]/.test(t.topic))
      throw new WeirError('INVALID_SPEC', `mqtt.topic ${JSON.stringify(t.topic)} has a wildcard; publish to a concrete topic`);
    const qos = t.qos ?? 1;
    if (qos !== 0 && qos !== 1 && qos !== 2) throw new WeirError('INVALID_SPEC', `mqtt.qos must be 0, 1 or 2, got ${String(qos)}`);
    const target: MqttTarget = { url: t.url, topic: t.topic, qos, retain: t.retain === true };
    return {
      kind: 'mqtt',
      summary: `publish an MQTT message to ${t.topic}`,
      action: { ...target, payload: constructPayload(t.payload, input.events) },
    };
  },
  async execute(plan, rt) {
    if (rt.mqtt === undefined) throw new WeirError('INTERNAL', 'this runtime has no MQTT publisher');
    const { payload, ...target } = plan.action;
    await rt.mqtt.publish(target, payload, rt.signal);
    return { outcome: 'done' };
  },
};
