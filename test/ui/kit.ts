// Test kit for the web UI: spawns a real `weir server` (free port, temp data dir, optional manifests and token),
// launches Debian's Chromium headless through playwright-core with a fresh user data dir (no browser download),
// injects axe-core to check accessibility, and saves screenshots under test-output/ui/ (gitignored).
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { BrowserContext, Page } from 'playwright-core';
import { repoPath, repoRoot } from '../helpers/paths.js';
import { eventually } from '../server/kit.js';

export { eventually };

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export interface Weir {
  url: string;
  dataDir: string;
  out(): string;
  /** A JSON API call with the token (when the server has one). */
  api<T>(path: string, init?: { method?: string; body?: unknown }): Promise<T>;
  stop(): Promise<void>;
}

/** Starts `weir server` with the manifests (paths relative to the repo) on a free port. */
export async function startWeir(opts: { manifests?: string[]; token?: string; dataDir?: string } = {}): Promise<Weir> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'weir-ui-'));
  const args = [repoPath('bin/weir.js'), 'server', ...(opts.manifests ?? []).map((m) => repoPath(m)), '--port', '0', '--data-dir', dataDir];
  if (opts.token) args.push('--auth-token', opts.token);
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, args, {
    cwd: repoRoot,
    env: { ...process.env, WEIR_AUTH_TOKEN: '' },
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((r) => child.on('close', () => r()));
  let url: string;
  try {
    url = await eventually(() => /listening on (http:\/\/\S+)/.exec(out)?.[1], { timeoutMs: 90_000 });
  } catch {
    child.kill('SIGKILL');
    throw new Error(`weir server did not start:\n${out}`);
  }
  const headers = (json: boolean): Record<string, string> => ({
    ...(json ? { 'content-type': 'application/json' } : {}),
    ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
  });
  return {
    url,
    dataDir,
    out: () => out,
    async api<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
      const json = init.body !== undefined;
      const res = await fetch(url + path, {
        method: init.method ?? 'GET',
        headers: headers(json),
        ...(json ? { body: JSON.stringify(init.body) } : {}),
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${path}: ${res.status} ${text}`);
      return JSON.parse(text) as T;
    },
    async stop() {
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 8000);
      await exited;
      clearTimeout(t);
      if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface Browser {
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

/** Chromium with a new empty profile; CSP is bypassed only so the test can inject axe-core. */
export async function openBrowser(): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'weir-ui-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
    headless: true,
    bypassCSP: true,
    viewport: { width: 1440, height: 900 },
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(15_000);
  return {
    context,
    page,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

interface AxeResult {
  violations: { id: string; impact: string | null; help: string; nodes: { target: unknown[] }[] }[];
}

/** Runs axe-core on the page; returns the serious and critical violations as readable lines. */
export async function axeViolations(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in globalThis))) await page.addScriptTag({ content: axeSource });
  const r = (await page.evaluate(async () => (globalThis as unknown as { axe: { run(): Promise<unknown> } }).axe.run())) as AxeResult;
  return r.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) =>
        `${v.impact}: ${v.id} (${v.help}) at ${v.nodes
          .slice(0, 3)
          .map((n) => JSON.stringify(n.target))
          .join(', ')}`,
    );
}

/** Saves a screenshot as test-output/ui/NAME.png. */
export async function shot(page: Page, name: string, fullPage = false): Promise<void> {
  const dir = repoPath('test-output', 'ui');
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `${name}.png`), fullPage });
}
