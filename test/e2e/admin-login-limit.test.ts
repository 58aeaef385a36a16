import http from 'node:http';
import { expect } from 'chai';
import sinon from 'sinon';
import { basicAuth } from '../helpers/http.js';
import { recordLogs } from '../helpers/redis-node.js';
import { startServer, type TestServer } from '../helpers/server.js';

const ADMIN = { username: 'ops', password: 'the right one' };
const GOOD = basicAuth(ADMIN.username, ADMIN.password);
const GUESSES = ['hunter2', 'letmein', 'password1', 'qwerty', 'admin123', 'trustno1', 'dragon', 'monkey', 'shadow', 'sunshine', 'master'];

/** A GET of the admin stats from a given local address (127.0.0.x: all loopback). */
function get(srv: TestServer, authorization: string | undefined, localAddress = '127.0.0.1'): Promise<{ status: number; retryAfter: string | undefined; body: any }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = authorization ? { authorization } : {};
    const req = http.get(`${srv.url}/pushy/admin/api/stats`, { headers, localAddress, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'], body: JSON.parse(text) }));
    });
    req.on('error', reject);
  });
}

describe('e2e: admin login brute-force limit', () => {
  let srv: TestServer;
  let clock: sinon.SinonFakeTimers;
  const log = recordLogs();
  beforeEach(async () => {
    clock = sinon.useFakeTimers({ now: Date.now(), toFake: ['Date'] });
    srv = await startServer({ admin: ADMIN }, { logger: log.logger });
  });
  afterEach(async () => {
    await srv.close();
    clock.restore();
  });

  it('locks an address out with 429 and Retry-After after 5 failures in a minute, for longer each time, and logs them without the password', async () => {
    const guesses = [...GUESSES];
    const guess = (): Promise<{ status: number }> => get(srv, basicAuth(ADMIN.username, guesses.shift()!));
    for (let i = 0; i < 4; i += 1) expect((await guess()).status).to.equal(401);
    // No credentials at all (a browser before its login prompt) is not a failed login.
    expect((await get(srv, undefined)).status).to.equal(401);
    expect((await guess()).status, 'the fifth failure').to.equal(401);

    const locked = await get(srv, GOOD);
    expect(locked.status, 'even the right password, while locked out').to.equal(429);
    expect(locked.retryAfter).to.equal('60');
    expect(locked.body).to.deep.equal({ error: { code: '429', name: 'TOO_MANY_LOGIN_FAILURES', message: 'Too many failed admin logins from this address; try again later' } });
    // Another address is not locked out.
    expect((await get(srv, GOOD, '127.0.0.2')).status).to.equal(200);

    clock.tick(60_000);
    for (let i = 0; i < 5; i += 1) expect((await guess()).status).to.equal(401);
    const again = await get(srv, GOOD);
    expect(again.status).to.equal(429);
    expect(again.retryAfter, 'the second lockout is twice as long').to.equal('120');
    clock.tick(119_000);
    expect((await get(srv, GOOD)).retryAfter).to.equal('1');
    clock.tick(1_000);
    expect((await get(srv, GOOD)).status).to.equal(200);

    const failures = log.lines.filter((line) => line.includes('WARN admin login failed'));
    expect(failures).to.have.length(10);
    expect(failures.every((line) => line.includes('"address":"127.0.0.1"'))).to.equal(true);
    expect(failures.filter((line) => line.includes('locked out'))).to.have.length(2);
    const secrets = [...GUESSES, ADMIN.password].flatMap((word) => [word, basicAuth(ADMIN.username, word)]);
    for (const line of log.lines) for (const secret of secrets) expect(line).to.not.include(secret);
  });

  it('forgets the failures of an address that logs in', async () => {
    for (let i = 0; i < 4; i += 1) expect((await get(srv, basicAuth(ADMIN.username, GUESSES[i]!))).status).to.equal(401);
    expect((await get(srv, GOOD)).status).to.equal(200);
    for (let i = 0; i < 4; i += 1) expect((await get(srv, basicAuth(ADMIN.username, GUESSES[i]!))).status).to.equal(401);
    expect((await get(srv, GOOD)).status).to.equal(200);
  });

  it('counts failures per minute: four a minute never lock out', async () => {
    for (let minute = 0; minute < 3; minute += 1) {
      for (let i = 0; i < 4; i += 1) expect((await get(srv, basicAuth(ADMIN.username, GUESSES[i]!))).status).to.equal(401);
      clock.tick(60_000);
    }
    expect((await get(srv, GOOD)).status).to.equal(200);
  });
});
