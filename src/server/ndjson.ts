// Newline-delimited JSON responses as grpc-gateway streams them: one `{"result": ...}` object per line, with
// backpressure (a write waits for 'drain' when the socket buffer is full).
import type { ServerResponse } from 'node:http';
import { once } from 'node:events';

/** Starts a 200 NDJSON response. */
export function startStream(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
  res.flushHeaders();
}

/** Writes one `{"result": ...}` line, waiting for the socket when its buffer is full. */
export function writeResult(res: ServerResponse, result: unknown, signal: AbortSignal): Promise<void> {
  return writeLine(res, { result }, signal);
}

/** Writes one JSON value as a line (already wrapped), waiting for the socket when its buffer is full. */
export async function writeLine(res: ServerResponse, value: unknown, signal: AbortSignal): Promise<void> {
  if (signal.aborted || res.writableEnded || res.destroyed) return;
  if (!res.write(JSON.stringify(value) + '\n')) {
    await once(res, 'drain', { signal }).catch(() => undefined);
  }
}
