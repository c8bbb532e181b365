// The event source conformance suite every adapter runs: the run-time validation (schema, then validate()) accepts a good spec and rejects bad ones with
// error findings, start() emits CloudEvents with type = kind, source = EventSource name, subject = event name and a
// JSON payload and distinct ids for distinct source events, and the adapter stops promptly on abort and emits nothing
// afterwards. Idempotent ids (same source event -> same id) are checked per adapter, since only each knows its replay.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { EventSourceAdapter } from '../../src/api/eventsource-adapter.js';
import { validateConfig } from '../../src/eventsource-host/validate.js';
import type { Clock } from '../../src/core/clock.js';
import { FakeBus, eventually, runAdapter } from './kit.js';
import type { RunningAdapter } from './kit.js';

export interface ConformanceSubject {
  kind: string;
  adapter: () => EventSourceAdapter;
  /** A runnable spec (may reach real servers the test file started). */
  spec: () => Record<string, unknown>;
  /** Specs validate() must reject, by label. */
  invalid: Record<string, Record<string, unknown>>;
  secrets?: Record<string, Record<string, string>>;
  clock?: () => Clock;
  /** Waits until the running adapter is ready for trigger() (e.g. a baseline or a consumer group join). */
  ready?: (r: RunningAdapter, spec: Record<string, unknown>) => Promise<void>;
  /** Makes the source produce `n` new events (after start). */
  trigger: (spec: Record<string, unknown>, n: number, clock: Clock | undefined) => Promise<void>;
  /** How long the events may take. Default 10 s. */
  timeoutMs?: number;
}

const EVENT_NAME = 'conformance-ev';

export function runEventSourceConformance(s: ConformanceSubject): void {
  describe(`event source conformance: ${s.kind}`, () => {
    test('validate accepts the example spec and rejects bad specs with error findings', () => {
      const a = s.adapter();
      assert.equal(a.kind.length > 0, true);
      const good = validateConfig(a, s.spec()).filter((f) => f.severity === 'error');
      assert.deepEqual(good, [], 'no errors for the good spec');
      for (const [label, bad] of Object.entries(s.invalid)) {
        const errors = validateConfig(a, bad).filter((f) => f.severity === 'error');
        assert.ok(errors.length > 0, `rejects: ${label}`);
        for (const f of errors) assert.ok(f.message.length > 0 && Array.isArray(f.path), `finding has a message and a path (${label})`);
      }
    });

    test('emits CloudEvents with type, source, subject, id and time; stops on abort and emits nothing after', async () => {
      const bus = new FakeBus();
      const spec = s.spec();
      const clock = s.clock?.();
      const name = `conf-${s.kind}-${Date.now().toString(36)}`;
      const r = runAdapter({
        adapter: s.adapter(),
        spec,
        bus,
        kind: s.kind,
        name,
        eventName: EVENT_NAME,
        secrets: s.secrets,
        ...(clock ? { clock } : {}),
      });
      try {
        await s.ready?.(r, spec);
        await s.trigger(spec, 2, clock);
        await eventually(() => bus.events.length >= 2, { timeoutMs: s.timeoutMs ?? 10_000, what: `2 ${s.kind} events` });
        for (const e of bus.events) {
          assert.equal(e.specversion, '1.0');
          assert.equal(e.type, s.kind);
          assert.equal(e.source, name);
          assert.equal(e.subject, EVENT_NAME);
          assert.equal(e.datacontenttype, 'application/json');
          assert.ok(typeof e.id === 'string' && e.id.length > 0);
          assert.ok(!Number.isNaN(Date.parse(e.time)), `time is a date: ${e.time}`);
          assert.equal(typeof e.data, 'object');
          assert.doesNotThrow(() => JSON.stringify(e.data));
        }
        assert.equal(new Set(bus.events.map((e) => e.id)).size, bus.events.length, 'distinct source events have distinct ids');
        assert.equal(r.counters.published, bus.events.length);
      } finally {
        const t0 = Date.now();
        await r.stop();
        assert.ok(Date.now() - t0 < 10_000, 'stops within 10 s of abort');
      }
      assert.equal(r.error(), undefined, 'start() resolved without an error after abort');
      const count = bus.publishes;
      await s.trigger(spec, 1, clock).catch(() => undefined);
      await new Promise((res) => setTimeout(res, 200));
      assert.equal(bus.publishes, count, 'no publish after stop');
    });
  });
}
