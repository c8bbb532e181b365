// Web UI, events: a real webhook EventSource and Sensor in `weir server`; the events page shows the source running
// and the sensor's counts, the sensor's decision log shows a filtered-out event with its filter and the value seen,
// the in-browser test replays pasted events (nothing created), and lineage search finds the workflow an event started
// and, through the bus-wide index, an event of a source no sensor subscribes to.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { axeViolations, eventually, openBrowser, shot, startWeir } from './kit.js';
import type { Browser, Weir } from './kit.js';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

describe('web UI: event sources, sensors, lineage', () => {
  let weir: Weir;
  let b: Browser;
  let hook: string;
  before(async () => {
    const port = await freePort();
    hook = `http://127.0.0.1:${port}/orders`;
    weir = await startWeir();
    await weir.api('/api/v1/event-sources/default', {
      method: 'POST',
      body: {
        eventSource: {
          metadata: { name: 'shop' },
          spec: {
            webhook: {
              orders: { port: String(port), endpoint: '/orders', method: 'POST' },
              audit: { port: String(port), endpoint: '/audit', method: 'POST' },
            },
          },
        },
      },
    });
    await weir.api('/api/v1/sensors/default', {
      method: 'POST',
      body: {
        sensor: {
          metadata: { name: 'orders' },
          spec: {
            dependencies: [
              {
                name: 'order',
                eventSourceName: 'shop',
                eventName: 'orders',
                filters: { data: [{ path: 'body.amount', type: 'number', comparator: '>', value: ['0'] }] },
              },
            ],
            triggers: [
              {
                template: {
                  name: 'process',
                  conditions: 'order',
                  argoWorkflow: {
                    operation: 'submit',
                    source: {
                      resource: {
                        apiVersion: 'argoproj.io/v1alpha1',
                        kind: 'Workflow',
                        metadata: { generateName: 'process-order-' },
                        spec: {
                          entrypoint: 'main',
                          arguments: { parameters: [{ name: 'id', value: 'none' }] },
                          templates: [
                            {
                              name: 'main',
                              inputs: { parameters: [{ name: 'id' }] },
                              container: { image: 'busybox', command: ['echo', 'order {{inputs.parameters.id}}'] },
                            },
                          ],
                        },
                      },
                    },
                    parameters: [{ src: { dependencyName: 'order', dataKey: 'body.id' }, dest: 'spec.arguments.parameters.0.value' }],
                  },
                },
              },
            ],
          },
        },
      },
    });
    const post = async (key: string, body: unknown, url = hook): Promise<void> => {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': key },
        body: JSON.stringify(body),
      });
      assert.equal(res.status, 200, await res.text());
    };
    await eventually(
      async () => {
        try {
          await post('order-ok-1', { id: 'A-1', amount: 5 });
          return true;
        } catch {
          return false;
        }
      },
      { timeoutMs: 20_000 },
    );
    await post('order-bad-2', { id: 'B-2', amount: -3 });
    await post('audit-9', { who: 'ops' }, hook.replace('/orders', '/audit'));
    b = await openBrowser();
  });
  after(async () => {
    await b?.close();
    await weir?.stop();
  });

  test('the events page shows the source running and the sensor counts', async () => {
    const { page } = b;
    await page.goto(`${weir.url}/events`);
    await page.locator('tr[data-event="shop/orders"] [data-state="running"]').waitFor();
    await eventually(async () => ((await page.locator('tr[data-sensor="orders"]').textContent()) ?? '').includes('ago'), {
      timeoutMs: 20_000,
    });
    assert.deepEqual(await axeViolations(page), []);
    await shot(page, 'events');
    await page.goto(`${weir.url}/event-sources/default/shop`);
    await page.getByRole('heading', { name: /shop/ }).first().waitFor();
    assert.deepEqual(await axeViolations(page), []);
    await shot(page, 'event-source');
  });

  test('the decision log shows a filtered-out event with its filter and value; the test replays pasted events', async () => {
    const { page } = b;
    await page.goto(`${weir.url}/sensors/default/orders`);
    const filtered = page.locator('[data-testid="decision-log"] tr', { has: page.locator('[data-decision="filtered-out"]') });
    await filtered.first().waitFor({ timeout: 20_000 });
    const text = (await filtered.first().textContent()) ?? '';
    assert.match(text, /by data filter: body\.amount=-3 is not > 0/);
    await page.locator('[data-testid="decision-log"] [data-decision="triggered"]').first().waitFor();
    assert.deepEqual(await axeViolations(page), []);
    await shot(page, 'sensor-decisions');

    await page.getByRole('tab', { name: 'Dependencies' }).click();
    await page.locator('[data-testid="graph"] g.gn[data-label="shop/orders"]').waitFor();
    await page.locator('[data-testid="graph"] g.gn[data-label="process"]').waitFor();

    await page.getByRole('tab', { name: 'Test' }).click();
    await page.getByLabel('Events').fill(
      JSON.stringify([
        { eventSourceName: 'shop', eventName: 'orders', data: { body: { id: 'T-1', amount: -1 } } },
        { eventSourceName: 'shop', eventName: 'orders', data: { body: { id: 'T-2', amount: 10 } } },
      ]),
    );
    const before = await weir.api<{ items: unknown[] | null }>('/api/v1/workflows/default');
    await page.getByRole('button', { name: 'Run test' }).click();
    const results = page.getByTestId('test-results');
    await results.waitFor();
    const out = (await results.textContent()) ?? '';
    assert.match(out, /filtered out of order by data filter/);
    assert.match(out, /triggered/);
    await page.getByText('What would be created').click();
    assert.match((await results.textContent()) ?? '', /T-2/);
    const afterList = await weir.api<{ items: unknown[] | null }>('/api/v1/workflows/default');
    assert.equal((afterList.items ?? []).length, (before.items ?? []).length, 'a sensor test must not create workflows');
    assert.deepEqual(await axeViolations(page), []);
    await shot(page, 'sensor-test', true);
  });

  test('lineage search finds the event, its decisions and the workflow it started', async () => {
    const { page } = b;
    await page.goto(`${weir.url}/lineage`);
    assert.deepEqual(await axeViolations(page), []);
    await page.getByRole('searchbox').fill('order-ok-1');
    await page.getByRole('button', { name: 'Search' }).click();
    const res = page.getByTestId('lineage-results');
    await eventually(
      async () =>
        (await page.locator('[data-testid="lineage-results"] a[href^="/workflows/default/process-order-"]').count()) > 0 ||
        (await page.reload(), false),
      { timeoutMs: 20_000 },
    );
    assert.match((await res.textContent()) ?? '', /triggered/);
    assert.match(page.url(), /q=order-ok-1/);
    assert.deepEqual(await axeViolations(page), []);
    await shot(page, 'lineage');

    // An event no sensor subscribes to is found on the bus by its Idempotency-Key.
    await page.getByRole('searchbox').fill('audit-9');
    await page.getByRole('button', { name: 'Search' }).click();
    await eventually(
      async () =>
        (await page.locator('[data-testid="lineage-results"]', { hasText: 'shop/audit' }).count()) > 0 || (await page.reload(), false),
      { timeoutMs: 20_000 },
    );
    const text = (await res.textContent()) ?? '';
    assert.match(text, /on the bus at position \d+/);
    assert.match(text, /no sensor decided about this event/);
    assert.match(text, /"who":"ops"/);
  });
});
