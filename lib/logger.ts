/** Log levels in increasing order of severity; `silent` logs nothing. */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** How a log line is written: `text` for people, `json` (one object per line) for collectors. */
export const LOG_FORMATS = ['text', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

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
 * A line-per-event logger, by default on stderr. `text`: `time LEVEL message {"field":...}`;
 * `json`: `{"time":...,"level":"info","msg":...,...fields}`. Errors in fields are reduced to
 * their message and stack so that they survive JSON encoding.
 */
export function createLogger(level: LogLevel, sink: LogSink = (line) => process.stderr.write(line + '\n'), format: LogFormat = 'text'): Logger {
  const threshold = LOG_LEVELS.indexOf(level);
  const render = format === 'json' ? jsonLine : textLine;
  const write = (lineLevel: Exclude<LogLevel, 'silent'>, message: string, fields?: LogFields): void => {
    if (LOG_LEVELS.indexOf(lineLevel) < threshold) return;
    sink(render(new Date().toISOString(), lineLevel, message, fields));
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

type LineLevel = Exclude<LogLevel, 'silent'>;

function textLine(time: string, level: LineLevel, message: string, fields: LogFields | undefined): string {
  const suffix = fields && Object.keys(fields).length > 0 ? ' ' + safeJson(fields) : '';
  return `${time} ${level.toUpperCase()} ${message}${suffix}`;
}

/** The names every JSON line starts with; a field of the same name is kept as `field.<name>`. */
const JSON_CORE = new Set(['time', 'level', 'msg']);

function jsonLine(time: string, level: LineLevel, message: string, fields: LogFields | undefined): string {
  const line: Record<string, unknown> = { time, level, msg: message };
  for (const [key, value] of Object.entries(fields ?? {})) line[JSON_CORE.has(key) ? `field.${key}` : key] = value;
  const text = safeJson(line);
  // A field that cannot be encoded (a cycle) must not cost the line itself.
  return text === UNSERIALISABLE ? JSON.stringify({ time, level, msg: message, fields: 'unserialisable' }) : text;
}

const UNSERIALISABLE = '{"fields":"unserialisable"}';

function safeJson(value: Record<string, unknown>): string {
  try {
    // JSON.stringify escapes line breaks inside strings, so one event stays one line.
    return JSON.stringify(value, (_key, item: unknown) => (item instanceof Error ? { message: item.message, stack: item.stack } : item));
  } catch {
    return UNSERIALISABLE;
  }
}
