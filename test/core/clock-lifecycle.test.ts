// The shared clock (one rule for an aborted sleep) and the shared service lifecycle of the hosts and controllers.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { pause, sleep, systemClock } from '../../src/core/clock.js';
import type { Clock } from '../../src/core/clock.js';
import { WeirError } from '../../src/core/errors.js';
import { Lifecycle } from '../../src/core/lifecycle.js';

const isCancelled = (e: unknown): boolean => e instanceof WeirError && e.code === 'CANCELLED';

void describe('clock', () => {
  test('an aborted sleep rejects with CANCELLED, also when the signal was aborted before', async () => {
    const ac = new AbortController();
    const p = sleep(60_000, ac.signal);
    ac.abort();
    await assert.rejects(p, isCancelled);
    await assert.rejects(systemClock.sleep(1, ac.signal), isCancelled);
  });

  test('a sleep of 0 or less resolves at once; now() is the system time', async () => {
    await sleep(0, new AbortController().signal);
    await sleep(-5);
    const before = Date.now();
    const t = systemClock.now();
    assert.ok(t >= before && t <= Date.now());
  });

  test('pause resolves when its signal aborts and passes other failures on', async () => {
    const ac = new AbortController();
    const p = pause(systemClock, 60_000, ac.signal);
    ac.abort();
    await p;
    const broken: Clock = { now: () => 0, sleep: () => Promise.reject(new Error('broken clock')) };
    await assert.rejects(pause(broken, 10, new AbortController().signal), /broken clock/);
  });
});

void describe('lifecycle', () => {
  test('new → running → draining → stopped; drain runs after the body; closed settles', async () => {
    const life = new Lifecycle('the test service');
    const seen: string[] = [];
    assert.equal(life.state, 'new');
    const ac = new AbortController();
    const running = life.run(ac.signal, {
      body: async (signal) => {
        seen.push(life.state);
        life.markRunning();
        seen.push(life.state);
        await new Promise<void>((r) => signal.addEventListener('abort', () => r(), { once: true }));
      },
      drain: () => {
        seen.push(life.state);
        return Promise.resolve();
      },
    });
    ac.abort();
    await running;
    await life.closed;
    assert.deepEqual(seen, ['starting', 'running', 'draining']);
    assert.equal(life.state, 'stopped');
  });

  test('stop() is idempotent and ends a run; a run after it is refused with CONFLICT', async () => {
    const life = new Lifecycle('the test service');
    let drained = 0;
    const running = life.run(new AbortController().signal, {
      body: (signal) => new Promise<void>((r) => signal.addEventListener('abort', () => r(), { once: true })),
      drain: () => {
        drained++;
        return Promise.resolve();
      },
    });
    await Promise.all([life.stop(), life.stop()]);
    await running;
    await life.stop();
    assert.equal(drained, 1);
    assert.equal(life.state, 'stopped');
    await assert.rejects(
      life.run(new AbortController().signal, { body: () => Promise.resolve() }),
      (e: unknown) => e instanceof WeirError && e.code === 'CONFLICT' && /was stopped/.test(e.message),
    );
  });

  test('stop() before run(): stopped without starting, and the body never runs', async () => {
    const life = new Lifecycle('the test service');
    await life.stop();
    assert.equal(life.state, 'stopped');
    let ran = false;
    await assert.rejects(
      life.run(new AbortController().signal, {
        body: () => {
          ran = true;
          return Promise.resolve();
        },
      }),
      (e: unknown) => e instanceof WeirError && e.code === 'CONFLICT',
    );
    assert.equal(ran, false);
  });

  test('a second run() while running is refused; a body failure is failed and rethrown after the drain', async () => {
    const life = new Lifecycle('the test service');
    let release: () => void = () => undefined;
    let drained = false;
    const running = life.run(new AbortController().signal, {
      body: () =>
        new Promise<void>((_r, reject) => {
          release = () => reject(new WeirError('IO_ERROR', 'watch broke'));
        }),
      drain: () => {
        drained = true;
        return Promise.resolve();
      },
    });
    await assert.rejects(life.run(new AbortController().signal, { body: () => Promise.resolve() }), /already running/);
    release();
    await assert.rejects(running, /watch broke/);
    assert.equal(life.state, 'failed');
    assert.equal(drained, true);
  });

  test('a body that throws after it was told to stop is a clean stop', async () => {
    const life = new Lifecycle('the test service');
    const ac = new AbortController();
    const running = life.run(ac.signal, {
      body: (signal) =>
        new Promise<void>((_r, reject) => signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true })),
    });
    ac.abort();
    await running;
    assert.equal(life.state, 'stopped');
  });
});
