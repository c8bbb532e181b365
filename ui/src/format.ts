// Formatting helpers: ages and durations, times in a given zone, phase → colour class and symbol (the symbol and
// the text carry the phase too, so colour is never the only signal).
export function duration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '-';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ${m % 60}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

export function age(iso: string | undefined, now = Date.now()): string {
  if (!iso) return '-';
  return duration(now - Date.parse(iso));
}

export function span(start: string | undefined, end: string | undefined, now = Date.now()): string {
  if (!start) return '-';
  return duration((end ? Date.parse(end) : now) - Date.parse(start));
}

export function inZone(iso: string, zone: string | undefined): string {
  try {
    return new Intl.DateTimeFormat('sv-SE', {
      timeZone: zone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      timeZoneName: 'short',
    }).format(new Date(iso));
  } catch {
    return iso;
  }
}

export const browserZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone;

const SYMBOL: Record<string, string> = {
  Succeeded: '✔',
  Failed: '✖',
  Error: '⚠',
  Running: '●',
  Pending: '○',
  Skipped: '➜',
  Omitted: '➜',
  Suspended: '⏸',
  Planned: '◇',
  Unknown: '?',
};

export const phaseSymbol = (p: string | undefined): string => SYMBOL[p ?? 'Pending'] ?? '•';
export const phaseClass = (p: string | undefined): string => `ph-${p ?? 'Pending'}`;
export const isDone = (p: string | undefined): boolean => p === 'Succeeded' || p === 'Failed' || p === 'Error';
