// Web UI basics against a real `weir server` with a token: the UI asks for the token once (kept in localStorage,
// sent as a bearer token on every API call), deep links and back/forward, the dark theme (checked with axe too),
// keyboard focus of the search box, and the "server unreachable" state when the server goes away.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { axeViolations, openBrowser, shot, startWeir } from './kit.js';
import type { Browser, Weir } from './kit.js';

describe('web UI: token, deep links, theme, keyboard, errors', () => {
  let weir: Weir;
  let b: Browser;
  before(async () => {
    weir = await startWeir({ token: 'ui-test-token' });
    await weir.api('/api/v1/workflows/default', {
      method: 'POST',
      body: {
        workflow: {
          metadata: { name: 'tokened' },
          spec: { entrypoint: 'main', templates: [{ name: 'main', container: { image: 'busybox', command: ['echo', 'hi'] } }] },
        },
      },
    });
    b = await openBrowser();
  });
  after(async () => {
    await b?.close();
    await weir?.stop();
  });

  test('asks for the token once, then sends it; deep links, back/forward, theme and keyboard work', async () => {
    const { page } = b;
    const auth: string[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/api/v1/')) auth.push(r.headers().authorization ?? '');
    });
    await page.goto(`${weir.url}/workflows?phase=Succeeded`);
    await page.getByRole('heading', { name: 'Server token' }).waitFor();
    await page.getByText('Unauthorised').first().waitFor();
    assert.deepEqual(await axeViolations(page), []);
    await shot(page, 'token-dialog');
    await page.getByRole('textbox', { name: 'Token' }).fill('ui-test-token');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.locator('tr[data-name="tokened"]').waitFor({ timeout: 30_000 });
    assert.equal(await page.locator('select').first().inputValue(), 'Succeeded', 'the phase filter comes from the deep link');
    assert.ok(auth.includes('Bearer ui-test-token'));
    assert.equal(await page.evaluate("localStorage.getItem('weir.token')"), 'ui-test-token');

    await page.getByRole('link', { name: 'tokened' }).click();
    await page.waitForURL(/\/workflows\/default\/tokened/);
    await page.goBack();
    await page.waitForURL(/\/workflows\?phase=Succeeded/);
    await page.goForward();
    await page.waitForURL(/\/workflows\/default\/tokened/);
    await page.locator('[data-testid="graph"][data-ready="true"]').waitFor();
    await page.getByRole('button', { name: /Switch to dark theme/ }).click();
    assert.deepEqual(await axeViolations(page), [], 'the workflow page in the dark theme');
    await page.getByRole('button', { name: /Switch to light theme/ }).click();
    await page.goBack();

    await page.getByRole('button', { name: /Switch to dark theme/ }).click();
    assert.equal(await page.evaluate('document.documentElement.dataset.theme'), 'dark');
    await page.locator('tr[data-name="tokened"]').waitFor();
    assert.deepEqual(await axeViolations(page), []);
    await shot(page, 'workflows-dark');
    await page.reload();
    assert.equal(await page.evaluate('document.documentElement.dataset.theme'), 'dark', 'the theme is remembered');

    await page.locator('body').click({ position: { x: 5, y: 600 } });
    await page.keyboard.press('/');
    assert.equal(await page.evaluate("document.activeElement?.getAttribute('type')"), 'search');
  });

  test('shows "server unreachable" when the server is gone', async () => {
    const { page } = b;
    await page.goto(`${weir.url}/workflows`);
    await page.locator('tr[data-name="tokened"]').waitFor();
    await weir.stop();
    await page.getByRole('link', { name: 'Templates' }).click();
    await page.getByText('Server unreachable').waitFor();
    assert.deepEqual(await axeViolations(page), []);
    await shot(page, 'server-unreachable');
  });
});
