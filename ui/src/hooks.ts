// Data hooks: useApi() loads one API path (reload on demand or on an interval), useStream() follows an NDJSON
// stream and reconnects with backoff when it drops (the server restarting, a proxy timing out).
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { api, streamLines } from './api';

export interface Loaded<T> {
  data: T | undefined;
  error: Error | undefined;
  loading: boolean;
  reload: () => void;
}

export function useApi<T>(path: string | undefined, pollMs?: number): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: Error; loading: boolean }>({ loading: path !== undefined });
  const [tick, setTick] = useState(0);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  useEffect(() => {
    if (path === undefined) return;
    const ac = new AbortController();
    setState((s) => ({ ...s, loading: true }));
    api<T>(path, { signal: ac.signal }).then(
      (data) => {
        if (!ac.signal.aborted) setState({ data, loading: false });
      },
      (error: Error) => {
        if (!ac.signal.aborted) setState((s) => ({ data: s.data, error, loading: false }));
      },
    );
    return () => ac.abort();
  }, [path, tick]);
  useEffect(() => {
    if (pollMs === undefined || path === undefined) return;
    const t = setInterval(reload, pollMs);
    return () => clearInterval(t);
  }, [pollMs, path, reload]);
  return { data: state.data, error: state.error, loading: state.loading, reload };
}

/** Follows `path` (undefined: nothing) calling onItem per line; reconnects after errors (1 s doubling to 15 s). */
export function useStream<T>(path: string | undefined, onItem: (item: T) => void, reconnect = true): { connected: boolean } {
  const cb = useRef(onItem);
  cb.current = onItem;
  const [connected, setConnected] = useState(false);
  useEffect(() => {
    if (path === undefined) return;
    const ac = new AbortController();
    let delay = 1000;
    const run = async (): Promise<void> => {
      while (!ac.signal.aborted) {
        try {
          setConnected(true);
          await streamLines<T>(path, (x) => cb.current(x), ac.signal);
          delay = 1000;
          if (!reconnect) return;
        } catch {
          if (ac.signal.aborted) return;
        }
        setConnected(false);
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, 15_000);
      }
    };
    void run();
    return () => ac.abort();
  }, [path, reconnect]);
  return { connected };
}
