import { z } from 'zod';
import { loadConfig } from '../config.js';
import { UsageError } from '../errors.js';
import { channelNameSchema } from '../native/protocol.js';
import { signChannel } from '../signing.js';
import { configFileArg, jsonTextSchema, parseCommandLine, parsePositionals } from './args.js';
import type { CliCommand, CliIo } from './command.js';
import { TRIGGER_OPTIONS, TRIGGER_OPTIONS_HELP, buildTriggerRequest, configuredSecret } from './trigger-request.js';

const HELP = `Usage: pushy-server sign trigger <channel> <event> [data] [options]
       pushy-server sign channel <socket-id> <channel> [presence-data] [options]

Signs with the configured secretKey (config file or PUSHY_SECRET_KEY) and prints the result,
for backends in languages without a Pushy library, and for debugging a refused signature.

sign trigger prints the trigger's auth_key, timestamp, body and the complete signed URL to POST
the body to (with Content-Type: application/json). [data] is the event data as JSON text; the
body is exactly that text.

sign channel prints the auth a client sends to subscribe to a private or presence channel.
[presence-data] is the JSON text of the member, exactly as the client will send it.

Options:
${TRIGGER_OPTIONS_HELP}
  -t, --timestamp <s>        sign trigger: unix seconds to sign with (default: now)
  -h, --help                 show this help
`;

const OPTIONS = { ...TRIGGER_OPTIONS, timestamp: { type: 'string', short: 't' } } as const;

const channelPositionals = z.object({ 'socket-id': z.string().min(1).max(128), channel: channelNameSchema, 'presence-data': jsonTextSchema.optional() });

/** `pushy-server sign trigger|channel ...`: signatures from the signing module, printed. */
export const signCommand: CliCommand = {
  name: 'sign',
  summary: 'print the signed URL of a trigger, or the auth of a channel subscription',
  help: HELP,
  async run(args, io) {
    const { values, positionals } = parseCommandLine(args, OPTIONS);
    if (values.help) {
      io.out(HELP);
      return 0;
    }
    const [what, ...rest] = positionals;
    const config = () => loadConfig({ file: configFileArg(values.config, []), env: io.env });
    if (what === 'trigger') {
      const request = buildTriggerRequest(config(), { positionals: rest, url: values.url, socketId: values['socket-id'], timestamp: parseTimestamp(values.timestamp) });
      print(io, [
        ['auth_key', request.authKey],
        ['timestamp', String(request.timestamp)],
        ['body', request.body],
        ['url', request.url],
      ]);
      return 0;
    }
    if (what === 'channel') {
      if (values.url !== undefined || values.timestamp !== undefined || values['socket-id'] !== undefined) {
        throw new UsageError('sign channel takes the socket id as an argument, and no --url, --socket-id or --timestamp');
      }
      const input = parsePositionals(channelPositionals, ['socket-id', 'channel', 'presence-data'], rest);
      const auth = signChannel({ socketId: input['socket-id'], channel: input.channel, presenceData: input['presence-data'], secretKey: configuredSecret(config()) });
      print(io, [['auth', auth]]);
      return 0;
    }
    throw new UsageError(what === undefined ? 'sign what? "sign trigger ..." or "sign channel ..."' : `cannot sign ${JSON.stringify(what)}: "trigger" or "channel"`);
  },
};

/** `--timestamp`: unix seconds, as the trigger endpoint takes them. */
function parseTimestamp(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d{1,15}$/.test(text)) throw new UsageError(`--timestamp: must be unix seconds, was ${JSON.stringify(text)}`);
  return Number(text);
}

/** `name: value` lines, one per value, for people and for `grep '^url:'`. */
function print(io: CliIo, rows: Array<[string, string]>): void {
  io.out(rows.map(([name, value]) => `${name}: ${value}\n`).join(''));
}
