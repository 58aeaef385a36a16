import { loadConfig, type DeepPartial, type PushyConfig } from '../../lib/config.js';
import { createServer, type PushyServer, type PushyServerOptions } from '../../lib/server.js';

/** Secret used by test servers. */
export const TEST_SECRET = 'test-secret';

/** A server listening on a free loopback port. */
export interface TestServer {
  server: PushyServer;
  /** e.g. `http://127.0.0.1:40123` */
  url: string;
  secret: string;
  close(): Promise<void>;
}

/** Starts a real server on port 0 with test defaults; `overrides` change any option. */
export async function startServer(
  overrides: DeepPartial<PushyConfig> = {},
  options: Omit<PushyServerOptions, 'config'> = {},
): Promise<TestServer> {
  const config = loadConfig({
    env: {},
    overrides: { port: 0, host: '127.0.0.1', secretKey: TEST_SECRET, logLevel: 'silent', ...overrides },
  });
  const server = await createServer({ config, ...options });
  await server.listen();
  return { server, url: server.url(), secret: server.secretKey, close: () => server.close() };
}
