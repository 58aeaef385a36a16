import { z } from 'zod';
import { loadConfig } from '../config.js';
import { UsageError } from '../errors.js';
import { configFileArg, parseCommandLine } from './args.js';
import type { CliCommand } from './command.js';
import { TRIGGER_OPTIONS, TRIGGER_OPTIONS_HELP, buildTriggerRequest } from './trigger-request.js';

const HELP = `Usage: pushy-server trigger <channel> <event> [data] [options]

Publishes an event: signs it with the configured secretKey (config file or PUSHY_SECRET_KEY),
POSTs it to the server and prints the HTTP status and the answer. [data] is the event data as
JSON text (default: {}).

Exit code: 0 when the server took the event (200: nobody subscribed, 201: delivered), 1 when it
refused it or could not be reached, 2 for a bad command line.

Options:
${TRIGGER_OPTIONS_HELP}
      --idempotency-key <k>  a retry with the same key <k> within 5 minutes publishes once
      --timeout <ms>         give up after this long (default: 10000)
  -h, --help                 show this help
`;

const OPTIONS = {
  ...TRIGGER_OPTIONS,
  'idempotency-key': { type: 'string' },
  timeout: { type: 'string' },
} as const;

const idempotencyKeySchema = z.string().min(1).max(200);

/** `pushy-server trigger <channel> <event> [data]`: sign, send, print the answer. */
export const triggerCommand: CliCommand = {
  name: 'trigger',
  summary: 'publish an event to a channel through a running server',
  help: HELP,
  async run(args, io) {
    const { values, positionals } = parseCommandLine(args, OPTIONS);
    if (values.help) {
      io.out(HELP);
      return 0;
    }
    const timeoutMs = parseTimeout(values.timeout);
    const extra = values['idempotency-key'];
    if (extra !== undefined && !idempotencyKeySchema.safeParse(extra).success) throw new UsageError('--idempotency-key: must be 1 to 200 characters');
    const config = loadConfig({ file: configFileArg(values.config, []), env: io.env });
    const request = buildTriggerRequest(config, { positionals, url: values.url, socketId: values['socket-id'] });
    const url = new URL(request.url);
    if (extra !== undefined) url.searchParams.set('idempotency_key', extra);
    let response: Response;
    let text: string;
    try {
      response = await fetch(url, {
        method: 'POST',
        body: request.body,
        headers: { 'Content-Type': 'application/json' },
        signal: AbortSignal.timeout(timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      // The origin only: the full URL carries the signature.
      io.err(`pushy-server: trigger: cannot reach ${url.origin}: ${describeFetchError(error)}\n`);
      return 1;
    }
    io.out(`${response.status} ${text}\n`);
    return response.ok ? 0 : 1;
  },
};

/** `--timeout`: milliseconds, 1 to 10 minutes' worth. */
function parseTimeout(text: string | undefined): number {
  if (text === undefined) return 10_000;
  const ms = /^\d{1,6}$/.test(text) ? Number(text) : 0;
  if (ms < 1) throw new UsageError(`--timeout: must be milliseconds from 1 to 999999, was ${JSON.stringify(text)}`);
  return ms;
}

/** fetch words network failures as "fetch failed" with the reason in `cause`. */
function describeFetchError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.name === 'TimeoutError') return 'no answer in time (--timeout)';
  const cause = error.cause as NodeJS.ErrnoException | undefined;
  return cause?.code ? `${cause.code} ${cause.message}`.trim() : (cause?.message ?? error.message);
}
