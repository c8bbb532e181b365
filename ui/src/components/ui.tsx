// Small shared components: the phase badge (symbol + text, never colour alone), loading/empty/error states (with
// the server-unreachable and unauthorised cases spelt out), tabs and a key-value list.
import type { ComponentChildren } from 'preact';
import { ApiError } from '../api';
import { phaseClass, phaseSymbol } from '../format';

export function Phase({ phase }: { phase: string | undefined }) {
  const p = phase ?? 'Pending';
  return (
    <span class={`badge ${phaseClass(p)}`} data-phase={p}>
      <span aria-hidden="true">{phaseSymbol(p)}</span>
      {p}
    </span>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <div class="state" role="status">
      Loading {what}…
    </div>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return (
    <div class="state" role="status">
      {children}
    </div>
  );
}

export function ErrorState({ error, retry }: { error: Error; retry?: () => void }) {
  const e = error instanceof ApiError ? error : undefined;
  const title = e?.status === 0 ? 'Server unreachable' : e?.status === 401 ? 'Unauthorised' : e?.status === 404 ? 'Not found' : 'Error';
  return (
    <div class="state error" role="alert">
      <strong>{title}</strong>
      <p>{e?.status === 401 ? 'This server needs a token. Enter it when asked (or use "Token" in the top bar).' : error.message}</p>
      {retry && <button onClick={retry}>Retry</button>}
    </div>
  );
}

export function Tabs<T extends string>({ tabs, value, onChange }: { tabs: readonly [T, string][]; value: T; onChange: (t: T) => void }) {
  return (
    <div class="tabs" role="tablist">
      {tabs.map(([id, label]) => (
        <button key={id} role="tab" aria-selected={value === id} onClick={() => onChange(id)}>
          {label}
        </button>
      ))}
    </div>
  );
}

export function KV({ rows }: { rows: [string, ComponentChildren][] }) {
  return (
    <dl class="kv">
      {rows
        .filter(([, v]) => v !== undefined && v !== '' && v !== null)
        .map(([k, v]) => [<dt key={`k${k}`}>{k}</dt>, <dd key={`v${k}`}>{v}</dd>])}
    </dl>
  );
}

/** An in-app link: pushes history instead of reloading. */
export function Link({ href, children, ...rest }: { href: string; children: ComponentChildren; class?: string; 'aria-current'?: 'page' }) {
  return (
    <a
      href={href}
      {...rest}
      onClick={(e) => {
        if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey) return;
        e.preventDefault();
        history.pushState(null, '', href);
        window.dispatchEvent(new Event('weir:navigate'));
      }}
    >
      {children}
    </a>
  );
}
