/** Log levels in increasing order of severity; `silent` logs nothing. */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Structured fields that go with a log line. Never put a secret in here. */
export type LogFields = Record<string, unknown>;

/** What every module that logs receives. */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

/** Where finished log lines go; a test can pass its own to read them. */
export type LogSink = (line: string) => void;

/**
 * A line-per-event logger: `time LEVEL message {"field":...}`. Errors in fields are reduced to
 * their message and stack so that they survive JSON encoding.
 */
export function createLogger(level: LogLevel, sink: LogSink = (line) => process.stderr.write(line + '\n')): Logger {
  const threshold = LOG_LEVELS.indexOf(level);
  const write = (lineLevel: Exclude<LogLevel, 'silent'>, message: string, fields?: LogFields): void => {
    if (LOG_LEVELS.indexOf(lineLevel) < threshold) return;
    const suffix = fields && Object.keys(fields).length > 0 ? ' ' + safeJson(fields) : '';
    sink(`${new Date().toISOString()} ${lineLevel.toUpperCase()} ${message}${suffix}`);
  };
  const debugOff = LOG_LEVELS.indexOf('debug') < threshold;
  return {
    // Off (the usual case), a debug line costs one empty call.
    debug: debugOff ? () => undefined : (message, fields) => write('debug', message, fields),
    info: (message, fields) => write('info', message, fields),
    warn: (message, fields) => write('warn', message, fields),
    error: (message, fields) => write('error', message, fields),
  };
}

/** A logger that drops everything (the default for embedded servers in tests). */
export const silentLogger: Logger = createLogger('silent');

function safeJson(fields: LogFields): string {
  try {
    return JSON.stringify(fields, (_key, value: unknown) =>
      value instanceof Error ? { message: value.message, stack: value.stack } : value,
    );
  } catch {
    return '{"fields":"unserialisable"}';
  }
}
