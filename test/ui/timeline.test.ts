// Web UI, the timeline of a big workflow against a real `weir server` (its store seeded with a finished 2,500-step
// workflow before it starts): every step is in the timeline, not only the first 2,000; scrolling to the end shows
// the last step's bar, which selects that step.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSqliteStore } from '../../src/store/sqlite-store.js';
import type { WorkflowStatus } from '../../src/api/workflow-status.js';
import { axeViolations, eventually, openBrowser, shot, startWeir } from './kit.js';
import type { Browser, Weir } from './kit.js';

const STEPS = 2500;
const T0 = Date.parse('2026-01-01T00:00:00Z');
const at = (s: number): string => new Date(T0 + s * 1000).toISOString();

function nodes(wf: string): WorkflowStatus['nodes'] {
  const out: Record<string, unknown> = {};
  const ids = Array.from({ length: STEPS }, (_, i) => `${wf}-${i}`);
  out[wf] = {
    id: wf,
    name: wf,
    displayName: wf,
    type: 'Steps',
    phase: 'Succeeded',
    children: ids,
    startedAt: at(0),
    finishedAt: at(STEPS + 2),
  };
  for (const [i, id] of ids.entries())
    out[id] = {
      id,
      name: `${wf}.step-${i}`,
      displayName: `step-${i}`,
      type: 'Pod',
      templateName: 'work',
      phase: 'Succeeded',
      startedAt: at(i),
      finishedAt: at(i + 2),
    };
  return out as WorkflowStatus['nodes'];
}

describe('web UI: timeline of a big workflow', () => {
  let weir: Weir;
  let b: Browser;
  let dataDir: string;
  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'weir-ui-timeline-'));
    const store = createSqliteStore({ dataDir });
    await store.create('Workflow', {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Workflow',
      metadata: { name: 'big', namespace: 'default' },
      spec: { entrypoint: 'main', templates: [{ name: 'main' }] },
      status: { phase: 'Succeeded', startedAt: at(0), finishedAt: at(STEPS + 2), nodes: nodes('big') },
    });
    await store.close();
    weir = await startWeir({ dataDir });
    b = await openBrowser();
  });
  after(async () => {
    await b?.close();
    await weir?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('all 2,500 steps are in the timeline; the last one is reached by scrolling and selects its node', async () => {
    const { page } = b;
    await page.goto(`${weir.url}/workflows/default/big?tab=timeline`);
    const timeline = page.getByTestId('timeline');
    await page.getByRole('button', { name: /^step-0: Succeeded/ }).waitFor();
    assert.equal(await page.getByText(/Showing the first/).count(), 0);
    const last = page.getByRole('button', { name: new RegExp(`^step-${STEPS - 1}: Succeeded`) });
    await timeline.evaluate((el: { scrollTop: number; scrollHeight: number }) => {
      el.scrollTop = el.scrollHeight;
    });
    await last.waitFor();
    await eventually(() => last.isVisible(), { timeoutMs: 10_000 });
    assert.deepEqual(await axeViolations(page), []);
    await shot(page, 'workflow-timeline-big');
    await last.click();
    await page.waitForURL(/node=big-2499/);
    await page
      .getByTestId('node-panel')
      .getByText(`step-${STEPS - 1}`)
      .first()
      .waitFor();
  });
});
