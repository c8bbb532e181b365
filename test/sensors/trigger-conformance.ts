// The trigger conformance suite every adapter in sensors/triggers runs: plan is pure (same input → same plan, input
// untouched), JSON-safe (survives a JSON round trip, so it can be logged and replayed), and execute performs the
// plan through the injected runtime, resolving with done/deduplicated.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TriggerAdapter, TriggerInput, TriggerKind, TriggerResult, TriggerRuntime } from '../../sensors/triggers/types.js';

export interface TriggerCase<K extends TriggerKind> {
  adapter: TriggerAdapter<K>;
  input: () => TriggerInput;
  runtime: () => TriggerRuntime;
  /** Checks what the runtime saw after execute. */
  verify: (result: TriggerResult) => void | Promise<void>;
}

export function runTriggerConformance<K extends TriggerKind>(name: string, c: TriggerCase<K>): void {
  test(`${name}: plan is deterministic and leaves its input alone`, () => {
    const input = c.input();
    const before = JSON.stringify(input);
    const p1 = c.adapter.plan(input);
    const p2 = c.adapter.plan(c.input());
    assert.deepEqual(p1, p2);
    assert.equal(JSON.stringify(input), before);
    assert.equal(p1.kind, c.adapter.kind);
    assert.ok(p1.summary.length > 0);
  });
  test(`${name}: plan is JSON-safe`, () => {
    const p = c.adapter.plan(c.input());
    assert.deepEqual(JSON.parse(JSON.stringify(p)), p);
  });
  test(`${name}: execute performs the plan through the runtime`, async () => {
    const p = c.adapter.plan(c.input());
    const r = await c.adapter.execute(JSON.parse(JSON.stringify(p)) as typeof p, c.runtime());
    assert.ok(r.outcome === 'done' || r.outcome === 'deduplicated');
    await c.verify(r);
  });
}
