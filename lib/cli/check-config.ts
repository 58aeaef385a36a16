import { loadConfig } from '../config.js';
import { silentLogger } from '../logger.js';
import { createServer } from '../server.js';
import { AppDirectory } from '../apps/app-directory.js';
import { ConfigAppStore } from '../apps/config-app-store.js';
import { COMMON_OPTIONS, configFileArg, parseCommandLine } from './args.js';
import type { CliCommand } from './command.js';
import { maskSecrets } from './mask.js';

const HELP = `Usage: pushy-server check-config [config.json] [--config <file>]

Checks the configuration the server would start with (defaults, the file, PUSHY_* environment
variables) without starting it: every option's type and range, the rules between options
(admin credentials, ssl files, commandsDir and its command modules). Prints the effective
configuration as JSON on stdout with every secret masked; problems go to stderr.

Exit code: 0 when the server would start with it, 1 when not, 2 for a bad command line.
Redis is not contacted.

Options:
  -c, --config <file>        the config file (or give it as the argument)
  -h, --help                 show this help
`;

/** `pushy-server check-config [file]`: validate, and print the effective config with secrets masked. */
export const checkConfigCommand: CliCommand = {
  name: 'check-config',
  summary: 'validate a configuration and print it with secrets masked',
  help: HELP,
  async run(args, io) {
    const { values, positionals } = parseCommandLine(args, COMMON_OPTIONS);
    if (values.help) {
      io.out(HELP);
      return 0;
    }
    const file = configFileArg(values.config, positionals);
    const config = loadConfig({ file, env: io.env });
    // What only building the server finds (ssl files, admin pair, command modules): build it on
    // in-memory parts, never listening, and close it at once (no drain delay).
    // The configured apps in memory: a check never connects to (nor migrates) a PostgreSQL store.
    const apps = new AppDirectory({ store: new ConfigAppStore(config.apps.list), secretKey: config.secretKey });
    const server = await createServer({ config: { ...config, health: { drainDelay: 0 } }, logger: silentLogger, apps });
    const failed = server.commandsReport.failed;
    await server.close();
    io.out(JSON.stringify(maskSecrets(config), null, 2) + '\n');
    for (const failure of failed) io.err(`pushy-server: commandsDir: ${failure.file} does not load: ${failure.error}\n`);
    if (failed.length > 0) return 1;
    if (config.secretKey === '') io.err('pushy-server: note: secretKey is empty, so the server makes up a new one on every start\n');
    io.err(`pushy-server: ${file ? `config file ${file}` : 'configuration'} is valid\n`);
    return 0;
  },
};
