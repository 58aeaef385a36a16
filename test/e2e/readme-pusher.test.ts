import { expect } from 'chai';
import PusherServer from 'pusher';
import { BackgroundCommand } from '../helpers/command.js';
import { docCode } from '../helpers/docs.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { SnippetProject } from '../helpers/snippet-project.js';

/** Reads a `.env` text as Laravel's dotenv does: `KEY=value`, quotes dropped, `${OTHER}` expanded. */
function parseDotenv(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (!match) continue;
    const raw = match[2]!.replace(/^"(.*)"$/, '$1');
    env[match[1]!] = raw.replace(/\$\{([A-Z0-9_]+)\}/g, (_, name: string) => env[name] ?? '');
  }
  return env;
}

/**
 * The README's "Pusher compatibility" section, run as written against a server started from its
 * `config.json`: Laravel's broadcaster configured from its `.env` (the `pusher` SDK, set up as
 * Laravel's config/broadcasting.php does) triggers, and its Echo and pusher-js snippets receive.
 * The only changes: `localhost:8123` becomes the test server's address.
 */
describe('e2e: the README\'s Pusher compatibility section runs as written', function () {
  this.timeout(60_000);
  let server: TestServer;
  let port: string;
  let env: Record<string, string>;
  let laravel: PusherServer;
  let project: SnippetProject;
  const commands: BackgroundCommand[] = [];

  /** Triggers from the Laravel side until `command` has printed `pattern` (its subscription is made meanwhile). */
  const triggerUntil = async (command: BackgroundCommand, channel: string, event: string, pattern: RegExp): Promise<void> => {
    const seen = command.waitFor(pattern, 20_000);
    let done = false;
    void seen.then(() => (done = true), () => (done = true));
    // Each body differs: a signed request repeated within the window would be refused as a replay.
    for (let attempt = 0; !done && attempt < 80; attempt += 1) {
      await laravel.trigger(channel, event, { id: 5, attempt });
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    await seen;
  };

  before(async () => {
    const config = JSON.parse(docCode('README.md', 'pusher-config')) as { port: number; apps: unknown[] };
    env = parseDotenv(docCode('README.md', 'pusher-env'));
    // The .env points at the server the config starts.
    expect(env.PUSHER_PORT).to.equal(String(config.port));
    expect(env.PUSHER_HOST).to.equal('localhost');
    server = await startServer({ ...config, port: 0 } as never);
    port = new URL(server.url).port;
    // Laravel's config/broadcasting.php: host, port, scheme and useTLS from these variables.
    laravel = new PusherServer({
      appId: env.PUSHER_APP_ID!,
      key: env.PUSHER_APP_KEY!,
      secret: env.PUSHER_APP_SECRET!,
      cluster: env.PUSHER_APP_CLUSTER,
      host: '127.0.0.1',
      port,
      useTLS: env.PUSHER_SCHEME === 'https',
    });
    project = new SnippetProject();
    for (const name of ['pusher-js', 'laravel-echo']) project.link(name);
  });
  after(async () => {
    for (const command of commands) await command.stop();
    project?.remove();
    await server?.close();
  });

  it('names Laravel\'s variables: PUSHER_HOST, PUSHER_PORT, PUSHER_SCHEME and the app id, key and secret', () => {
    for (const name of ['BROADCAST_CONNECTION', 'PUSHER_APP_ID', 'PUSHER_APP_KEY', 'PUSHER_APP_SECRET', 'PUSHER_HOST', 'PUSHER_PORT', 'PUSHER_SCHEME']) expect(env, name).to.have.property(name);
    expect(env.BROADCAST_CONNECTION).to.equal('pusher');
  });

  it('Laravel Echo from resources/js/echo.js receives a Laravel event triggered with the .env settings', async () => {
    // What Vite does with import.meta.env.VITE_*: the .env's values, as strings.
    const code = docCode('README.md', 'pusher-echo').replace(/import\.meta\.env\.(VITE_[A-Z_]+)/g, (_, name: string) => {
      const value = name === 'VITE_PUSHER_HOST' ? '127.0.0.1' : name === 'VITE_PUSHER_PORT' ? port : env[name];
      expect(value, name).to.be.a('string');
      return JSON.stringify(value);
    });
    const file = project.write('echo.mjs', `globalThis.window = globalThis;\n${code}\nwindow.Echo.channel('orders').listen('OrderShipped', (e) => console.log('echo received', JSON.stringify(e)));\n`);
    const echo = BackgroundCommand.start(`node ${file}`, { cwd: project.dir });
    commands.push(echo);
    await triggerUntil(echo, 'orders', 'App\\Events\\OrderShipped', /echo received \{"id":5,/);
  });

  it('pusher-js on its own receives an event', async () => {
    const code = docCode('README.md', 'pusher-js').replace("wsHost: 'localhost'", "wsHost: '127.0.0.1'").replace('wsPort: 8123', `wsPort: ${port}`);
    expect(code).to.contain(`wsPort: ${port}`);
    const file = project.write('pusher.mjs', code);
    const client = BackgroundCommand.start(`node ${file}`, { cwd: project.dir });
    commands.push(client);
    await triggerUntil(client, 'orders', 'shipped', /\{ id: 5, attempt: \d+ \}/);
  });
});
