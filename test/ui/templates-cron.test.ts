// Web UI, templates and cron workflows against a real `weir server`: the submit form built from a template's
// parameters creates a workflow with the typed and selected values and lands on it; the run history shows it with
// its sparkline; the planned graph is drawn before any run; a cron's page lists the next runs and the backfill
// dry-run preview lists exactly the scheduled times of the range, and a started backfill shows its progress live.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { axeViolations, eventually, openBrowser, shot, startWeir } from './kit.js';
import type { Browser, Weir } from './kit.js';

interface Wf {
  metadata: { name: string };
  spec: { arguments?: { parameters?: { name: string; value?: string }[] } };
  status?: { phase?: string };
}

const template = {
  metadata: { name: 'greeter' },
  spec: {
    entrypoint: 'main',
    arguments: {
      parameters: [
        { name: 'who', value: 'world', description: 'Whom to greet' },
        { name: 'tone', value: 'calm', enum: ['calm', 'loud'], description: 'How to greet' },
      ],
    },
    templates: [
      {
        name: 'main',
        steps: [
          [
            {
              name: 'greet',
              template: 'say',
              arguments: { parameters: [{ name: 'msg', value: '{{workflow.parameters.tone}} hello {{workflow.parameters.who}}' }] },
            },
          ],
          [{ name: 'bye', template: 'say', arguments: { parameters: [{ name: 'msg', value: 'bye' }] } }],
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

const cron = {
  metadata: { name: 'hourly' },
  spec: {
    schedules: ['0 * * * *'],
    timezone: 'Europe/Berlin',
    suspend: true,
    workflowSpec: { entrypoint: 'main', templates: [{ name: 'main', container: { image: 'busybox', command: ['echo', 'tick'] } }] },
  },
};

describe('web UI: templates and cron workflows', () => {
  let weir: Weir;
  let b: Browser;
  before(async () => {
    weir = await startWeir();
    await weir.api('/api/v1/workflow-templates/default', { method: 'POST', body: { template } });
    await weir.api('/api/v1/cron-workflows/default', { method: 'POST', body: { cronWorkflow: cron } });
    b = await openBrowser();
  });
  after(async () => {
    await b?.close();
    await weir?.stop();
  });

  test('the submit form creates a workflow with the typed parameter and lands on it; runs show it', async () => {
    const { page } = b;
    await page.goto(`${weir.url}/templates`);
    await page.getByRole('link', { name: 'greeter' }).waitFor();
    await shot(page, 'templates');
    await page.getByRole('link', { name: 'greeter' }).click();
    await page.getByText('Whom to greet').waitFor();
    assert.equal(await page.locator('input[name="who"]').inputValue(), 'world');
    assert.deepEqual(await axeViolations(page), []);
    await page.locator('input[name="who"]').fill('Ada Lovelace');
    await page.locator('select[name="tone"]').selectOption('loud');
    await shot(page, 'template-submit');
    await page.getByRole('button', { name: 'Submit', exact: true }).click();
    await page.waitForURL(/\/workflows\/default\/greeter-/);
    const name = decodeURIComponent(new URL(page.url()).pathname.split('/').pop() ?? '');
    const wf = await weir.api<Wf>(`/api/v1/workflows/default/${name}`);
    const params = Object.fromEntries((wf.spec.arguments?.parameters ?? []).map((p) => [p.name, p.value]));
    assert.deepEqual(params, { who: 'Ada Lovelace', tone: 'loud' });
    await eventually(async () => ((await page.getByTestId('logs').textContent()) ?? '').includes('loud hello Ada Lovelace'), {
      timeoutMs: 30_000,
    });
    await eventually(async () => (await weir.api<Wf>(`/api/v1/workflows/default/${name}`)).status?.phase === 'Succeeded', {
      timeoutMs: 30_000,
    });

    await page.goto(`${weir.url}/templates/default/greeter?tab=runs`);
    await page.locator(`a:text("${name}")`).waitFor();
    await eventually(async () => ((await page.getByTestId('sparkline').textContent()) ?? '').includes('100% succeeded'), {
      timeoutMs: 15_000,
    });
    assert.deepEqual(await axeViolations(page), []);
    await shot(page, 'template-runs');

    await page.getByRole('tab', { name: 'Planned graph' }).click();
    await page.locator('[data-testid="graph"][data-ready="true"]').waitFor();
    const boxes = await page
      .locator('[data-testid="graph"] g.gn[data-phase="Planned"]')
      .evaluateAll((els: { getAttribute(n: string): string | null }[]) => els.map((e) => e.getAttribute('data-label')));
    assert.ok(boxes.includes('greet') && boxes.includes('bye'), `planned boxes: ${boxes.join(', ')}`);
    assert.deepEqual(await axeViolations(page), []);
    await shot(page, 'template-planned-graph');
  });

  test('the cron page shows next runs in both zones and the backfill preview lists the right times', async () => {
    const { page } = b;
    await page.goto(`${weir.url}/cron`);
    await page.getByRole('link', { name: 'hourly' }).waitFor();
    await shot(page, 'crons');
    await page.getByRole('link', { name: 'hourly' }).click();
    await page.getByText('Europe/Berlin').first().waitFor();
    await eventually(async () => (await page.locator('[data-testid="next-runs"] tr[data-time]').count()) === 5, { timeoutMs: 10_000 });
    const first = await page.locator('[data-testid="next-runs"] tr[data-time]').first().getAttribute('data-time');
    assert.match(first ?? '', /T\d\d:00:00\.000Z$/);
    assert.deepEqual(await axeViolations(page), []);

    await page.getByRole('textbox', { name: 'From', exact: true }).fill('2026-03-01T00:00:00+01:00');
    await page.getByRole('textbox', { name: 'To', exact: true }).fill('2026-03-01T03:00:00+01:00');
    await page.getByRole('button', { name: 'Preview (dry run)' }).click();
    await page.getByTestId('backfill-preview').waitFor();
    const times = await page
      .locator('[data-testid="backfill-preview"] tr[data-time]')
      .evaluateAll((els: { getAttribute(n: string): string | null }[]) => els.map((e) => e.getAttribute('data-time')));
    assert.deepEqual(times, [
      '2026-02-28T23:00:00.000Z',
      '2026-03-01T00:00:00.000Z',
      '2026-03-01T01:00:00.000Z',
      '2026-03-01T02:00:00.000Z',
    ]);
    const cells = await page.locator('[data-testid="backfill-preview"] tbody tr').first().textContent();
    assert.match(cells ?? '', /2026-03-01 00:00:00/); // shown in the cron's zone
    assert.deepEqual(await axeViolations(page), []);

    await page.getByRole('button', { name: 'Start backfill' }).click();
    const bar = page.getByRole('progressbar');
    await bar.waitFor();
    await eventually(async () => (await bar.getAttribute('aria-valuenow')) === '4', { timeoutMs: 60_000 });
    await page.locator('tr[data-job] [data-phase="Succeeded"]').waitFor({ timeout: 30_000 });
    await shot(page, 'cron-backfill', true);
  });
});
