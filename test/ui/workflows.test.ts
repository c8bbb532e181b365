// Web UI, workflows: `weir server examples/` serves the UI at `/`; the list shows the example workflows (live),
// clicking one opens its graph with phases, and a step's logs appear in the side panel (acceptance 1).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { axeViolations, eventually, openBrowser, shot, startWeir } from './kit.js';
import type { Browser, Weir } from './kit.js';

describe('web UI: workflows', () => {
  let weir: Weir;
  let b: Browser;
  before(async () => {
    weir = await startWeir({ manifests: ['examples/'] });
    b = await openBrowser();
  });
  after(async () => {
    await b?.close();
    await weir?.stop();
  });

  test('the list shows the example workflows; clicking one shows its graph and logs', async () => {
    const { page } = b;
    await page.goto(`${weir.url}/`);
    await page.getByRole('heading', { name: 'Workflows' }).waitFor();
    await page.locator('tr[data-name^="steps-"]').waitFor();
    await page.locator('tr[data-name^="dag-diamond-"]').waitFor();
    await eventually(async () => (await page.locator('tr[data-name^="steps-"] [data-phase="Succeeded"]').count()) === 1, {
      timeoutMs: 30_000,
    });
    assert.deepEqual(await axeViolations(page), []);
    await shot(page, 'workflows-list');

    await page.locator('tr[data-name^="steps-"] a').click();
    await page.locator('[data-testid="graph"][data-ready="true"]').waitFor();
    const boxes = page.locator('[data-testid="graph"] g.gn[data-phase="Succeeded"]');
    await eventually(async () => (await boxes.count()) >= 3, { timeoutMs: 20_000 });
    const labels = await page
      .locator('[data-testid="graph"] g.gn')
      .evaluateAll((els: { getAttribute(n: string): string | null }[]) =>
        els.map((e) => `${e.getAttribute('data-label') ?? ''}=${e.getAttribute('data-phase') ?? ''}`),
      );
    for (const step of ['prepare', 'left', 'right', 'finish'])
      assert.ok(labels.includes(`${step}=Succeeded`), `graph boxes: ${labels.join(' | ')}`);
    await eventually(
      async () =>
        /\S/.test((await page.getByTestId('logs').textContent()) ?? '') &&
        !(await page.getByTestId('logs').textContent())?.includes('No log lines'),
      { timeoutMs: 20_000 },
    );
    assert.deepEqual(await axeViolations(page), []);
    await shot(page, 'workflow-graph');

    await page.locator('[data-testid="graph"] g.gn[data-label="prepare"]').click();
    await page.getByTestId('node-panel').waitFor();
    await eventually(async () => ((await page.getByTestId('logs').textContent()) ?? '').includes('preparing'), { timeoutMs: 20_000 });
    assert.match(page.url(), /node=/);
    assert.deepEqual(await axeViolations(page), []);
    await shot(page, 'workflow-node-logs');
    await page.goBack();
    await page.getByText('Select a node in the graph').waitFor();

    await page.getByRole('tab', { name: 'Timeline' }).click();
    await page.waitForURL(/tab=timeline/);
    await page.getByRole('button', { name: /^prepare: Succeeded/ }).waitFor();
    assert.deepEqual(await axeViolations(page), []);
    await shot(page, 'workflow-timeline');
    await page.getByRole('tab', { name: 'YAML' }).click();
    await eventually(async () => ((await page.getByTestId('yaml').textContent()) ?? '').includes('entrypoint:'), { timeoutMs: 10_000 });
    assert.deepEqual(await axeViolations(page), []);
    await shot(page, 'workflow-yaml');
  });
});
