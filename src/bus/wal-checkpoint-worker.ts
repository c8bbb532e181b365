// Worker thread of wal-checkpointer.ts: its own connection to the bus file, one PASSIVE checkpoint per request (it
// never blocks the writer; SQLite syncs the WAL before and the database after it, here, off the main thread).
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

const port = parentPort;
if (port === null) throw new Error('wal-checkpoint-worker runs as a worker thread');
const db = new Database((workerData as { path: string }).path, { fileMustExist: true });
db.pragma('busy_timeout = 5000');
port.on('message', (m: unknown) => {
  if (m === 'close') {
    db.close();
    port.close();
    return;
  }
  try {
    const [r] = db.pragma('wal_checkpoint(PASSIVE)') as { busy: number; log: number; checkpointed: number }[];
    port.postMessage({ ok: true, log: r.log, checkpointed: r.checkpointed });
  } catch (e) {
    port.postMessage({ ok: false, error: e instanceof Error ? e.message : String(e) });
  }
});
