import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { channelAuthHandler, createServer, loadConfig, triggerUrlV3, type PushyServer } from '../../lib/index.js';

/**
 * The chat example's backend: a plain node:http app that serves the page, answers the
 * browser client's auth requests with the auth helper, and posts messages to Pushy as signed
 * triggers. For the demo it also runs the Pushy server itself, in the same process.
 */

/** The one chat room: a presence channel, so everyone sees who is there. */
export const CHAT_CHANNEL = 'presence-chat';

const PAGE = new URL('../../../examples/chat/index.html', import.meta.url);
const NAME = /^[\p{L}\p{N} _.-]{1,32}$/u;

/** Where the example listens. */
export interface ChatExampleOptions {
  appPort: number;
  pushyPort: number;
  host: string;
  secretKey: string;
}

/** A running example. */
export interface ChatExample {
  appUrl: string;
  pushyUrl: string;
  close(): Promise<void>;
}

/** Starts Pushy and the chat backend. */
export async function startChatExample(options: ChatExampleOptions): Promise<ChatExample> {
  const pushy: PushyServer = await createServer({
    config: loadConfig({ env: {}, overrides: { port: options.pushyPort, host: options.host, secretKey: options.secretKey, logLevel: 'warn' } }),
  });
  const pushyAddress = await listenOrExplain('Pushy', 'EXAMPLE_PUSHY_PORT', options.pushyPort, options.host, () => pushy.listen());

  const auth = channelAuthHandler({
    secretKey: options.secretKey,
    // A real app would read its session here; the demo trusts the name the page sends.
    authorize: ({ channel, req }) => {
      const name = String(req.headers['x-chat-name'] ?? '');
      if (channel !== CHAT_CHANNEL || !NAME.test(name)) return false;
      return { presence: { id: name, name } };
    },
  });

  const app = http.createServer((req, res) => {
    void route(req, res).catch((error: unknown) => {
      console.error('chat example: request failed', error);
      if (!res.headersSent) res.writeHead(500).end();
    });
  });

  async function route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://example.invalid').pathname;
    if (req.method === 'GET' && path === '/') {
      // Pushy is on the same host as this page, on its own port.
      const host = /^[\w.-]+$/.test(req.headers.host?.split(':')[0] ?? '') ? req.headers.host!.split(':')[0] : 'localhost';
      const html = (await readFile(PAGE, 'utf8')).replaceAll('{{PUSHY_URL}}', `http://${host}:${pushyAddress.port}`);
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(html);
    } else if (req.method === 'POST' && path === '/auth') {
      await auth(req, res);
    } else if (req.method === 'POST' && path === '/message') {
      await postMessage(req, res);
    } else {
      res.writeHead(404).end();
    }
  }

  async function postMessage(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    let message: { name?: unknown; text?: unknown };
    try {
      message = JSON.parse(await readSmallBody(req)) as typeof message;
    } catch {
      res.writeHead(400).end('expected JSON');
      return;
    }
    const { name, text } = message;
    if (typeof name !== 'string' || !NAME.test(name) || typeof text !== 'string' || text.trim() === '' || text.length > 500) {
      res.writeHead(400).end('expected {name, text}');
      return;
    }
    // Trigger through Pushy's signed HTTP endpoint, as any backend would (v3: every parameter signed).
    const body = JSON.stringify({ name, text: text.trim(), at: Date.now() });
    const url = triggerUrlV3({ baseUrl: pushy.url(), channel: CHAT_CHANNEL, event: 'message', body, secretKey: options.secretKey });
    const answer = await fetch(url, { method: 'POST', body, headers: { 'Content-Type': 'application/json' } });
    res.writeHead(answer.ok ? 204 : 502).end();
  }

  try {
    await listenOrExplain('the chat app', 'EXAMPLE_PORT', options.appPort, options.host, () => listen(app, options.appPort, options.host));
  } catch (error) {
    await pushy.close();
    throw error;
  }
  const appPort = (app.address() as AddressInfo).port;
  const shownHost = options.host === '0.0.0.0' ? 'localhost' : options.host;
  return {
    appUrl: `http://${shownHost}:${appPort}/`,
    pushyUrl: pushy.url(),
    close: async () => {
      app.closeAllConnections();
      await new Promise((resolve) => app.close(resolve));
      await pushy.close();
    },
  };
}

async function readSmallBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > 4096) throw new Error('body too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function listen(server: http.Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

/** Runs `start`; a failure to listen becomes one line saying which server, where, and what to change. */
async function listenOrExplain<T>(what: string, variable: string, port: number, host: string, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'EADDRINUSE' ? 'the port is in use' : code === 'EACCES' ? 'permission denied' : error instanceof Error ? error.message : String(error);
    throw new Error(`${what} cannot listen on ${host}:${port}: ${why} (set ${variable} to another port)`, { cause: error });
  }
}
