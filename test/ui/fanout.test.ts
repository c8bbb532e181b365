// Web UI, a loop fan-out against a real `weir server`: the graph shows the 30 loop items as one collapsed group with
// their phase counts; clicking it opens the group in place into a grid of 30 tiles that are all on screen, each with
// its phase, next to the rest of the graph; a tile selects its node (its logs in the side panel), also zoomed far
// out where tiles are plain coloured rects; the group's header closes it again.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { axeViolations, eventually, openBrowser, shot, startWeir } from './kit.js';
import type { Browser, Weir } from './kit.js';

const ITEMS = 30;

const workflow = {
  metadata: { generateName: 'fan-' },
  spec: {
    entrypoint: 'main',
    templates: [
      {
        name: 'main',
        steps: [
          [
            {
              name: 'work',
              template: 'say',
              arguments: { parameters: [{ name: 'msg', value: 'item {{item}} done' }] },
              withSequence: { count: String(ITEMS) },
            },
          ],
          [{ name: 'final', template: 'say', arguments: { parameters: [{ name: 'msg', value: 'all done' }] } }],
        ],
      },
      {
        name: 'say',
        inputs: { parameters: [{ name: 'msg' }] },
        container: { image: 'busybox', command: ['echo', '{{inputs.parameters.msg}}'] },
      },
    ],
  },
};

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

const inside = (a: Box, b: Box): boolean => a.x >= b.x && a.y >= b.y && a.x + a.width <= b.x + b.width && a.y + a.height <= b.y + b.height;

describe('web UI: fan-out groups', () => {
  let weir: Weir;
  let b: Browser;
  let name: string;
  before(async () => {
    weir = await startWeir();
    name = (await weir.api<{ metadata: { name: string } }>('/api/v1/workflows/default', { method: 'POST', body: { workflow } })).metadata
      .name;
    b = await openBrowser();
  });
  after(async () => {
    await b?.close();
    await weir?.stop();
  });

  test('a loop of 30 is one group box that opens in place into 30 tiles on screen; a tile shows its logs', async () => {
    const { page } = b;
    const requested: string[] = [];
    const onRequest = (r: { url(): string }): void => void requested.push(new URL(r.url()).pathname);
    page.on('request', onRequest);
    await page.goto(`${weir.url}/workflows/default/${name}`);
    const graph = page.getByTestId('graph');
    await page.locator('[data-testid="graph"][data-ready="true"]').waitFor();
    page.off('request', onRequest);
    // The page reads the workflow as node columns, not through the REST GET with Argo's node map.
    assert.ok(requested.includes(`/api/v1/ui/workflow/default/${name}`), requested.join(' '));
    assert.ok(!requested.includes(`/api/v1/workflows/default/${name}`), requested.join(' '));
    const group = page.locator('[data-testid="graph"] g.gn[data-node-id^="group:"]');
    await group.waitFor();
    assert.equal(await group.getAttribute('data-label'), `${ITEMS} × work`);
    await eventually(async () => ((await group.textContent()) ?? '').includes(`${ITEMS} Succeeded`), { timeoutMs: 60_000 });
    await page.locator('[data-testid="graph"] g.gn[data-label="final"][data-phase="Succeeded"]').waitFor({ timeout: 30_000 });
    assert.deepEqual(await axeViolations(page), []);

    await group.click();
    const tiles = page.locator('[data-testid="graph"] [data-node-id][data-label^="work("]');
    await eventually(async () => (await tiles.count()) === ITEMS, { timeoutMs: 10_000 });
    const pane = (await graph.boundingBox()) as Box;
    const shown = await tiles.evaluateAll((els: { getAttribute(n: string): string | null; getBoundingClientRect(): Box }[]) =>
      els.map((e) => {
        const r = e.getBoundingClientRect();
        return {
          label: e.getAttribute('data-label'),
          phase: e.getAttribute('data-phase'),
          x: r.x,
          y: r.y,
          width: r.width,
          height: r.height,
        };
      }),
    );
    for (const t of shown) {
      assert.equal(t.phase, 'Succeeded', `${t.label ?? ''} shows ${t.phase ?? ''}`);
      assert.ok(inside(t, pane), `tile ${t.label ?? ''} at ${JSON.stringify(t)} is outside the graph pane ${JSON.stringify(pane)}`);
    }
    assert.deepEqual(shown.map((t) => t.label).sort(), Array.from({ length: ITEMS }, (_, i) => `work(${i}:${i})`).sort());
    await page.getByText(`− ${ITEMS} × work (${ITEMS})`).waitFor();
    await page.locator('[data-testid="graph"] g.gn[data-label="final"]').waitFor();
    assert.deepEqual(await axeViolations(page), []);
    await shot(page, 'workflow-fanout-expanded');

    await page.locator('[data-testid="graph"] [data-label="work(7:7)"]').click();
    await page.getByTestId('node-panel').waitFor();
    await eventually(async () => ((await page.getByTestId('logs').textContent()) ?? '').includes('item 7 done'), { timeoutMs: 20_000 });
    assert.equal((await page.locator('[data-testid="graph"] [data-label="work(7:7)"]').getAttribute('class'))?.includes('sel'), true);

    // Zoomed far out the tiles are a heat map of plain rects: still buttons with the item and its phase.
    await graph.focus();
    for (let i = 0; i < 4; i++) await page.keyboard.press('-');
    const far = page.locator('[data-testid="graph"] rect.gn.far[data-label="work(12:12)"]');
    await far.waitFor();
    assert.equal(await far.getAttribute('aria-label'), 'work(12:12): Succeeded');
    assert.deepEqual(await axeViolations(page), []);
    await far.click();
    await page.waitForURL(/node=/);
    await eventually(async () => ((await page.getByTestId('logs').textContent()) ?? '').includes('item 12 done'), { timeoutMs: 20_000 });

    await page.getByRole('button', { name: `Collapse group ${ITEMS} × work` }).click();
    await eventually(async () => (await tiles.count()) === 0, { timeoutMs: 10_000 });
    assert.ok(((await group.textContent()) ?? '').includes(`${ITEMS} Succeeded`));
    assert.ok(inside((await group.boundingBox()) as Box, (await graph.boundingBox()) as Box), 'the closed group stays on screen');
  });
});
