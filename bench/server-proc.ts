// Child-process entry of the server benchmarks: starts Weir's full server composition (startServer: SQLite store,
// host executor, controller, REST API, bus, event source host, sensor host, cron controller) from a JSON config in
// argv[2], prints `READY <url>` on stdout, and drains on SIGTERM, then exits (which writes a --cpu-prof profile).
import { startServer } from '../src/cli/server.js';

interface ProcConfig {
  dataDir: string;
  manifests: string[];
  busUrl?: string;
}

async function main(): Promise<void> {
  const cfg = JSON.parse(process.argv[2] ?? '{}') as ProcConfig;
  let logged = 0;
  const srv = await startServer(
    {
      dataDir: cfg.dataDir,
      authToken: undefined,
      port: 0,
      host: '127.0.0.1',
      manifests: cfg.manifests,
      namespace: 'default',
      ...(cfg.busUrl !== undefined ? { busUrl: cfg.busUrl } : {}),
    },
    {
      stdout: (t) => void process.stdout.write(t),
      // The server logs every event at info level; keep the first lines (start-up problems) and drop the rest.
      stderr: (t) => {
        if (logged++ < 40 || /error|warn/i.test(t.slice(0, 20))) process.stderr.write(t);
      },
      env: {},
      cwd: process.cwd(),
      isTTY: false,
    },
  );
  process.stdout.write(`READY ${srv.url}\n`);
  process.once('SIGTERM', () => {
    void srv.stop().finally(() => process.exit(0));
  });
}

main().catch((e: unknown) => {
  process.stderr.write(`server-proc: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
