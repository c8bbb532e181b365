// The app shell: top navigation, theme toggle, the token dialog (shown on a 401 or on demand) and the route table
// (path patterns → pages). Every page reads its state from the URL, so each view has a deep link.
import { useEffect, useState } from 'preact/hooks';
import type { JSX } from 'preact';
import { UNAUTHORIZED_EVENT, getToken, setToken } from './api';
import { Link } from './components/ui';
import { match, useLocation } from './router';
import type { Loc } from './router';
import { WorkflowsPage } from './pages/workflows';
import { WorkflowPage } from './pages/workflow';
import { TemplatesPage, TemplatePage } from './pages/templates';
import { CronsPage, CronPage } from './pages/crons';
import { EventsPage, SensorPage, EventSourcePage } from './pages/events';
import { LineagePage } from './pages/lineage';

type Page = (p: { params: Record<string, string>; loc: Loc }) => JSX.Element;

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
        <div class="row" style={{ marginTop: 12 }}>
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
