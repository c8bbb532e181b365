// Minimal structured logger interface (pino-compatible call shape: `log.info({ workflow, node }, 'msg')`),
// plus a no-op logger and a recording logger for tests. Library code receives a Logger by injection.

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export type LogFn = (obj: Record<string, unknown>, msg?: string) => void;

export interface Logger {
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
}

const noop: LogFn = () => undefined;

/** Discards everything. */
export const nullLogger: Logger = Object.freeze({ debug: noop, info: noop, warn: noop, error: noop });

export interface LogRecord {
  level: LogLevel;
  msg: string | undefined;
  obj: Record<string, unknown>;
  time: Date;
}

export interface RecordingLogger extends Logger {
  /** Every call so far, oldest first. */
  readonly records: LogRecord[];
  /** Records at the given level (and, when given, whose message contains `text`). */
  at(level: LogLevel, text?: string): LogRecord[];
  clear(): void;
}

/** A logger that keeps every record in memory, for assertions in tests. */
export function createRecordingLogger(): RecordingLogger {
  const records: LogRecord[] = [];
  const make =
    (level: LogLevel): LogFn =>
    (obj, msg) => {
      records.push({ level, msg, obj: { ...obj }, time: new Date() });
    };
  return {
    records,
    debug: make('debug'),
    info: make('info'),
    warn: make('warn'),
    error: make('error'),
    at: (level, text) => records.filter((r) => r.level === level && (text === undefined || (r.msg ?? '').includes(text))),
    clear: () => {
      records.length = 0;
    },
  };
}
