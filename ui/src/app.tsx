// The app shell: top navigation, theme toggle, the token dialog (shown on a 401 or on demand) and the route table
// (path patterns → pages). Every page reads its state from the URL, so each view has a deep link.
import { useEffect, useState } from 'preact/hooks';
import type { JSX } from 'preact';
import { UNAUTHORIZED_EVENT, getToken, setToken } from './api';
import { Link } from './components/ui';
import { match, useLocation } from './router';
import { lazyPage } from './lazy';
import type { Page } from './lazy';
import { WorkflowsPage } from './pages/workflows';

const WorkflowPage = lazyPage(() => import('./pages/workflow').then((m) => m.WorkflowPage));
const TemplatesPage = lazyPage(() => import('./pages/templates').then((m) => m.TemplatesPage));
const TemplatePage = lazyPage(() => import('./pages/templates').then((m) => m.TemplatePage));
const CronsPage = lazyPage(() => import('./pages/crons').then((m) => m.CronsPage));
const CronPage = lazyPage(() => import('./pages/crons').then((m) => m.CronPage));
const EventsPage = lazyPage(() => import('./pages/events').then((m) => m.EventsPage));
const SensorPage = lazyPage(() => import('./pages/events').then((m) => m.SensorPage));
const EventSourcePage = lazyPage(() => import('./pages/events').then((m) => m.EventSourcePage));
const LineagePage = lazyPage(() => import('./pages/lineage').then((m) => m.LineagePage));

const ROUTES: [string, Page, boolean][] = [
  ['/', WorkflowsPage, false],
  ['/workflows', WorkflowsPage, false],
  ['/workflows/:namespace/:name', WorkflowPage, true],
  ['/templates', TemplatesPage, false],
  ['/templates/:namespace/:name', TemplatePage, false],
  ['/cluster-templates/:name', TemplatePage, false],
  ['/cron', CronsPage, false],
  ['/cron/:namespace/:name', CronPage, false],
  ['/events', EventsPage, false],
  ['/sensors/:namespace/:name', SensorPage, false],
  ['/event-sources/:namespace/:name', EventSourcePage, false],
  ['/lineage', LineagePage, false],
];

const NAV: [string, string][] = [
  ['/workflows', 'Workflows'],
  ['/templates', 'Templates'],
  ['/cron', 'Cron'],
  ['/events', 'Events'],
  ['/lineage', 'Lineage'],
];

function TokenDialog({ onClose }: { onClose: () => void }) {
  const [value, setValue] = useState(getToken());
  return (
    <div class="modal-back" role="dialog" aria-modal="true" aria-labelledby="tok-title">
      <form
        class="modal"
        onSubmit={(e) => {
          e.preventDefault();
          setToken(value.trim());
          onClose();
          location.reload();
        }}
      >
        <h2 id="tok-title">Server token</h2>
        <p class="help">
          This Weir server requires a bearer token (its --auth-token / WEIR_AUTH_TOKEN). It is kept in this browser only and sent as
          "Authorization: Bearer".
        </p>
        <label>
          Token
          <input type="password" autoFocus value={value} onInput={(e) => setValue(e.currentTarget.value)} />
        </label>
        <div class="row" style={{ marginTop: '12px' }}>
          <button class="primary" type="submit">
            Save
          </button>
          <button type="button" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </div>
  );
}

export function App() {
  const loc = useLocation();
  const [asking, setAsking] = useState(false);
  const [theme, setTheme] = useState(document.documentElement.dataset.theme ?? 'light');
  useEffect(() => {
    // The workflow page's script once the first page is up and the browser idle (see lazy.tsx).
    if (typeof window.requestIdleCallback === 'function') window.requestIdleCallback(() => WorkflowPage.preload());
    else window.setTimeout(() => WorkflowPage.preload(), 300);
  }, []);
  useEffect(() => {
    const on = (): void => setAsking(true);
    window.addEventListener(UNAUTHORIZED_EVENT, on);
    return () => window.removeEventListener(UNAUTHORIZED_EVENT, on);
  }, []);
  const toggleTheme = (): void => {
    const next = theme === 'dark' ? 'light' : 'dark';
    document.documentElement.dataset.theme = next;
    localStorage.setItem('weir.theme', next);
    setTheme(next);
  };
  let page: JSX.Element = (
    <div class="state">
      No page here. <Link href="/workflows">Go to workflows</Link>
    </div>
  );
  let full = false;
  for (const [pattern, P, isFull] of ROUTES) {
    const params = match(pattern, loc.path);
    if (params) {
      page = <P params={params} loc={loc} />;
      full = isFull;
      break;
    }
  }
  const section = '/' + (loc.path.split('/')[1] ?? '');
  const current = (href: string): boolean =>
    section === href ||
    (href === '/workflows' && section === '/') ||
    (href === '/templates' && section === '/cluster-templates') ||
    (href === '/events' && (section === '/sensors' || section === '/event-sources'));
  return (
    <>
      <header class="top">
        <Link href="/" class="brand">
          Weir
        </Link>
        <nav aria-label="Main">
          {NAV.map(([href, label]) => (
            <Link key={href} href={href} {...(current(href) ? { 'aria-current': 'page' as const } : {})}>
              {label}
            </Link>
          ))}
        </nav>
        <button onClick={() => setAsking(true)}>Token</button>
        <button onClick={toggleTheme} aria-label={`Switch to ${theme === 'dark' ? 'light' : 'dark'} theme`}>
          {theme === 'dark' ? '☀ Light' : '☾ Dark'}
        </button>
      </header>
      <main class={full ? 'full' : ''}>{page}</main>
      {asking && <TokenDialog onClose={() => setAsking(false)} />}
    </>
  );
}
