// Child process of embedded-kill.test.ts: publishes bursts to an embedded bus in the data dir given as argv[2], several
// batches in flight, and prints the ids of every acknowledged event ("ACK id,id,...") until it is killed.
import { createEmbeddedBus } from '../../src/bus/embedded-bus.js';
import { makeCloudEvent } from '../../src/core/cloudevent.js';

const bus = createEmbeddedBus({ dataDir: process.argv[2] });
let next = 0;
const burst = (): Promise<void> => {
  const events = Array.from({ length: 50 }, () =>
    makeCloudEvent({ id: `e-${next++}`, source: 'kill', subject: 'e', type: 'test', time: new Date().toISOString(), data: { n: next } }),
  );
  return bus.publishBatch(events).then((rs) => {
    const acked = events.filter((_, i) => rs[i].ok).map((e) => e.id);
    process.stdout.write(`ACK ${acked.join(',')}\n`);
  });
};
for (;;) await Promise.all([burst(), burst(), burst(), burst()]);
