import net from 'node:net';
import { expect } from 'chai';
import { MAX_JSON_DEPTH } from '../../lib/util/json-depth.js';
import { createLogger } from '../../lib/logger.js';
import { triggerUrl } from '../../lib/signing.js';
import { writeCommandsFolder } from '../helpers/commands-folder.js';
import { basicAuth, request } from '../helpers/http.js';
import { RawWsClient } from '../helpers/raw-ws.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { post } from '../helpers/trigger.js';
import { waitUntil } from '../helpers/wait.js';
import { XhrSession } from '../helpers/xhr-session.js';

const nested = (levels: number): string => '['.repeat(levels) + ']'.repeat(levels);
const ADMIN = { username: 'ops', password: 'ops-password' };

/**
 * Sends the head of a POST with a Content-Length and part of its body, then drops the
 * connection: an upload the client gave up on.
 */
function abortedUpload(baseUrl: string, path: string): Promise<void> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname, () => {
      socket.write(`POST ${path} HTTP/1.1\r\nHost: ${hostname}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"partial":`);
      // Once the server has it (it answers nothing yet), cut.
      setImmediate(() => socket.destroy());
    });
    socket.on('close', () => resolve());
    socket.on('error', reject);
  });
}

describe('e2e: client faults are answered with a clear code and logged at debug, never as errors', function () {
  this.timeout(30_000);
  let srv: TestServer;
  const lines: string[] = [];
  const errors = (): string[] => lines.filter((line) => / (ERROR|WARN) /.test(line));

  before(async () => {
    srv = await startServer({ admin: ADMIN, commandsDir: writeCommandsFolder() }, { logger: createLogger('debug', (line) => lines.push(line)) });
  });
  after(() => srv.close());
  beforeEach(() => {
    lines.length = 0;
  });
  afterEach(function () {
    // Loading the commands folder logs its broken module once, at start; nothing else may.
    expect(errors(), this.currentTest?.title).to.deep.equal([]);
  });

  it('an aborted trigger upload: a debug line', async () => {
    const url = new URL(triggerUrl({ baseUrl: srv.url, channel: 'faults', event: 'x', body: '{}', secretKey: srv.secret }));
    await abortedUpload(srv.url, url.pathname + url.search);
    await waitUntil(() => lines.some((line) => line.includes('DEBUG HTTP request refused') && line.includes('Request body cut short')), 5000, 'the debug line');
  });

  it('an aborted admin upload and an aborted xhr_send upload: debug lines', async () => {
    await abortedUpload(srv.url, '/pushy/admin/api/trigger');
    const session = await XhrSession.open(srv.url);
    await abortedUpload(srv.url, new URL(`${session.base}/xhr_send`).pathname);
    await waitUntil(() => lines.some((line) => line.includes('DEBUG SockJS request body refused')), 5000, 'the SockJS debug line');
  });

  it(`a trigger body nested more than ${MAX_JSON_DEPTH} levels: 400 with the JSON_TOO_DEEP message`, async () => {
    for (const body of [`{"a":${nested(6000)}}`, `{"a":${nested(MAX_JSON_DEPTH)}}`]) {
      const url = triggerUrl({ baseUrl: srv.url, channel: 'faults', event: 'deep', body, secretKey: srv.secret });
      const answer = await post(url, body);
      expect(answer.status).to.equal(400);
      expect(answer.body).to.deep.equal({ error: { code: '400', name: 'JSON_TOO_DEEP', message: `Body nested too deeply (more than ${MAX_JSON_DEPTH} levels)` } });
    }
    // Exactly at the bound is fine.
    const body = `{"a":${nested(MAX_JSON_DEPTH - 1)}}`;
    const ok = await post(triggerUrl({ baseUrl: srv.url, channel: 'faults', event: 'deep', body, secretKey: srv.secret }), body);
    expect(ok.status).to.equal(200);
  });

  it('an admin API body nested too deeply: 400', async () => {
    const answer = await request(`${srv.url}/pushy/admin/api/trigger`, {
      method: 'POST',
      headers: { authorization: basicAuth(ADMIN.username, ADMIN.password), 'content-type': 'application/json' },
      body: `{"channel":"faults","event":"x","data":${nested(6000)}}`,
    });
    expect(answer.status).to.equal(400);
    expect(answer.body.error.code).to.equal('400');
  });

  it('a frame too deep for a custom command to echo: pushy:error 400, not an internal error', async () => {
    const client = await RawWsClient.connect(srv.url, 'raw');
    client.send(`{"command":"echo","id":1,"data":${nested(7000)}}`);
    const error = await client.next('pushy:error');
    expect(error.data).to.deep.equal({ code: '400', name: 'JSON_TOO_DEEP', message: `Frame nested too deeply (more than ${MAX_JSON_DEPTH} levels)`, id: 1 });
    await client.close();
  });

  it('bodies sockjs refuses itself (a bad content type, a body it trips over): debug lines', async () => {
    const session = await XhrSession.open(srv.url);
    expect((await session.send('["x"]', { contentType: 'image/png' })).status).to.equal(500);
    expect((await session.send('{"__proto__":null}')).status).to.equal(500);
    expect(lines.filter((line) => line.includes('DEBUG sockjs:'))).to.have.length(2);
    // One line each, without the stack.
    expect(lines.some((line) => line.includes('    at '))).to.equal(false);
  });
});
