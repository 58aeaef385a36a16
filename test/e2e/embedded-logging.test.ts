import { expect } from 'chai';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { PROJECT_ROOT } from '../helpers/process.js';

const run = promisify(execFile);
const API = pathToFileURL(path.join(PROJECT_ROOT, 'dist', 'lib', 'index.js')).href;

/**
 * Embeds Pushy in a fresh Node process (as an app that imports the package does), starts and
 * stops it, and returns what the process wrote. `withLogger` passes a logger of its own that
 * prints `own: <message>` on stdout.
 */
async function embed(logLevel: string, withLogger = false, format = 'text'): Promise<{ stdout: string; stderr: string }> {
  const script = `
    import { createServer, createLogger, loadConfig } from ${JSON.stringify(API)};
    const config = loadConfig({ env: {}, overrides: { port: 0, host: '127.0.0.1', secretKey: 's', logLevel: ${JSON.stringify(logLevel)}, log: { format: ${JSON.stringify(format)} } } });
    const logger = ${withLogger} ? createLogger('info', (line) => process.stdout.write('own: ' + line + '\\n')) : undefined;
    const server = await createServer({ config, logger });
    await server.listen();
    await server.close();
  `;
  return run(process.execPath, ['--input-type=module', '-e', script], { env: { PATH: process.env.PATH ?? '' } });
}

describe('e2e: an embedded server logs at config.logLevel without a logger of its own', function () {
  this.timeout(20_000);

  it('logs to stderr at the configured level when no logger is given', async () => {
    const { stdout, stderr } = await embed('info');
    expect(stderr).to.match(/ INFO Pushy listening \{"url":"http:\/\/127\.0\.0\.1:\d+"/);
    expect(stderr).to.contain(' INFO Pushy stopped');
    expect(stdout).to.equal('');
  });

  it('writes JSON lines when config.log.format is json', async () => {
    const { stderr } = await embed('info', false, 'json');
    const first = JSON.parse(stderr.split('\n')[0]!) as { level: string; msg: string };
    expect(first).to.include({ level: 'info', msg: 'Pushy listening' });
  });

  it('leaves out the lines below the configured level', async () => {
    const { stderr } = await embed('warn');
    expect(stderr).to.equal('');
  });

  it('sends every line to the logger it is given, none to stderr', async () => {
    const { stdout, stderr } = await embed('debug', true);
    expect(stderr).to.equal('');
    expect(stdout).to.match(/^own: \S+ INFO Pushy listening/m);
  });
});
