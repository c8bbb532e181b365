// Small pure helpers for the event source adapters: Go-compatible time and header formatting (Argo's payloads carry
// Go's renderings) and spec field readers.

/** A string field (YAML numbers/booleans mean their text, as Argo's AnyString); undefined when absent or empty. */
export function text(v: unknown): string | undefined {
  if (typeof v === 'string') return v.trim() === '' ? undefined : v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

/** A string map such as `metadata` (values as text); undefined when absent or empty (Go's omitempty). */
export function stringMap(v: unknown): Record<string, string> | undefined {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k] = text(x) ?? '';
  return Object.keys(out).length > 0 ? out : undefined;
}

/** Go's textproto.CanonicalMIMEHeaderKey: "content-type" -> "Content-Type". */
export function canonicalHeaderKey(k: string): string {
  if (!/^[A-Za-z0-9-]+$/.test(k)) return k;
  return k.toLowerCase().replace(/(^|-)([a-z])/g, (_m, sep: string, c: string) => sep + c.toUpperCase());
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/**
 * Go's `time.Time.String()` without the monotonic part: "2006-01-02 15:04:05.999999999 -0700 MST" (fraction only when
 * non-zero). In a time zone the abbreviation comes from the runtime's locale data; where it has only a GMT offset
 * we print Go's numeric form ("+03"). UTC prints "+0000 UTC".
 */
export function goTimeString(d: Date, timeZone?: string): string {
  const zone = timeZone === undefined || timeZone === '' || timeZone === 'Local' ? 'UTC' : timeZone;
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    timeZoneName: 'short',
  }).formatToParts(d);
  const get = (t: string): string => parts.find((p) => p.type === t)?.value ?? '';
  const local = Date.UTC(
    Number(get('year')),
    Number(get('month')) - 1,
    Number(get('day')),
    Number(get('hour')) % 24,
    Number(get('minute')),
    Number(get('second')),
  );
  const offsetMin = Math.round((local - Math.floor(d.getTime() / 1000) * 1000) / 60_000);
  const sign = offsetMin < 0 ? '-' : '+';
  const abs = Math.abs(offsetMin);
  const offset = `${sign}${pad(Math.floor(abs / 60))}${pad(abs % 60)}`;
  let abbr = get('timeZoneName');
  if (zone === 'UTC' || zone === 'Etc/UTC') abbr = 'UTC';
  else if (/^(GMT|UTC)([+-]|$)/.test(abbr))
    abbr = offsetMin === 0 ? 'GMT' : `${sign}${pad(Math.floor(abs / 60))}${abs % 60 === 0 ? '' : pad(abs % 60)}`;
  const ms = d.getTime() % 1000;
  const frac = ms === 0 ? '' : `.${pad((ms + 1000) % 1000, 3)}`.replace(/0+$/, '');
  return `${get('year')}-${get('month')}-${get('day')} ${pad(Number(get('hour')) % 24)}:${get('minute')}:${get('second')}${frac} ${offset} ${abbr}`;
}

/** The calendar date (YYYY-MM-DD) of an instant in a time zone (UTC when none). */
export function localDate(d: Date, timeZone?: string): string {
  const zone = timeZone === undefined || timeZone === '' || timeZone === 'Local' ? 'UTC' : timeZone;
  return new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(d);
}
