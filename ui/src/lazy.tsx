// Pages loaded on first use: each becomes its own chunk (the graph layout library goes with the pages that draw
// graphs), so the first page — the workflow list — starts with the least script to fetch, parse and run. The
// workflow page, the one opened most, is fetched once the browser is idle after the first page is up, so a click on a
// workflow does not wait for it.
import { useEffect, useState } from 'preact/hooks';
import type { JSX } from 'preact';
import type { Loc } from './router';
import { ApiError } from './api';
import { ErrorState, Loading } from './components/ui';

export type Page = (p: { params: Record<string, string>; loc: Loc }) => JSX.Element;

export type LazyPage = Page & {
  /** Fetches the page's script ahead of use (a failure is left for the page's own load to show). */
  preload(): void;
};

export function lazyPage(load: () => Promise<Page>): LazyPage {
  let loaded: Page | undefined;
  let loading: Promise<Page> | undefined;
  const page = function LazyPage(props: Parameters<Page>[0]) {
    const [, setReady] = useState(0);
    const [error, setError] = useState<Error | undefined>();
    useEffect(() => {
      // Loaded between this render and this effect (another mount's fetch finished meanwhile): render it now. Without
      // this a page mounted while its script was arriving stayed on "Loading page…" (CI: a click, back and forward).
      if (loaded) {
        setReady(1);
        return;
      }
      let live = true;
      (loading ??= load()).then(
        (p) => {
          loaded = p;
          if (live) setReady(1);
        },
        () => {
          // The page's script could not be fetched: the server is gone (or was updated: a reload fixes that).
          loading = undefined;
          if (live)
            setError(
              new ApiError(
                0,
                'UNREACHABLE',
                'Cannot load this page from the Weir server. Is `weir server` running? (Reload after an upgrade.)',
              ),
            );
        },
      );
      return () => {
        live = false;
      };
    }, []);
    if (loaded) {
      const P = loaded;
      return <P {...props} />;
    }
    return error ? <ErrorState error={error} /> : <Loading what="page" />;
  };
  return Object.assign(page, {
    preload(): void {
      if (loaded || loading) return;
      loading = load();
      loading.then(
        (p) => {
          loaded = p;
        },
        () => {
          loading = undefined;
        },
      );
    },
  });
}
