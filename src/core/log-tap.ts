// Logger combinators: a child logger that adds fixed fields to every record, and a tap that hands every record to an
// observer before passing it on unchanged (the server's per-event-source and per-sensor log rings listen this way).
import type { LogFn, Logger, LogLevel } from './logger.js';

/** Every record gets `fields` (fields the caller passes win over them). */
export function childLogger(log: Logger, fields: Readonly<Record<string, unknown>>): Logger {
  return {
    debug: (obj, msg) => log.debug({ ...fields, ...obj }, msg),
    info: (obj, msg) => log.info({ ...fields, ...obj }, msg),
    warn: (obj, msg) => log.warn({ ...fields, ...obj }, msg),
    error: (obj, msg) => log.error({ ...fields, ...obj }, msg),
  };
}

export type LogTap = (level: LogLevel, obj: Readonly<Record<string, unknown>>, msg: string | undefined) => void;

/**
 * Passes every record to `log` as it is and shows it to `tap` first; a throwing tap never breaks logging. Debug
 * records reach the tap only with `debug: true` (per-event debug records are the hot path: a webhook logs one per
 * request).
 */
export function tapLogger(log: Logger, tap: LogTap, opts: { debug?: boolean } = {}): Logger {
  const make =
    (level: LogLevel): LogFn =>
    (obj, msg) => {
      try {
        if (level !== 'debug' || opts.debug === true) tap(level, obj, msg);
      } catch {
        // An observer must not change what the logger does.
      }
      log[level](obj, msg);
    };
  return { debug: make('debug'), info: make('info'), warn: make('warn'), error: make('error') };
}
