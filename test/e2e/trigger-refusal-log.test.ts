import { expect } from 'chai';
import { createLogger } from '../../lib/logger.js';
import { signTrigger } from '../../lib/signing.js';
import { TEST_SECRET, startServer, type TestServer } from '../helpers/server.js';
import { post, trigger } from '../helpers/trigger.js';

describe('e2e: refused triggers are logged at debug with the reason', () => {
  const now = (): number => Math.floor(Date.now() / 1000);
  const badKey = 'b'.repeat(64);

  async function withServer(level: 'debug' | 'info', run: (srv: TestServer) => Promise<void>): Promise<string[]> {
    const lines: string[] = [];
    const srv = await startServer({}, { logger: createLogger(level, (line) => lines.push(line)) });
    try {
      await run(srv);
    } finally {
      await srv.close();
    }
    return lines;
  }

  /** One of each refusal: bad signature, old timestamp, wrong content type, missing parameter. */
  async function refuseFour(srv: TestServer): Promise<void> {
    const ts = String(now());
    const base = `${srv.url}/pushy/channel/room/trigger`;
    expect((await post(`${base}?event=ev&timestamp=${ts}&auth_key=${badKey}`, '{}')).status).to.equal(403);
    expect((await trigger(srv.url, 'room', 'ev', {}, { secret: srv.secret, timestamp: now() - 3600 })).body.error.code).to.equal('501');
    const signed = signTrigger({ channel: 'room', event: 'ev', timestamp: ts, body: '<x/>', secretKey: srv.secret });
    expect((await post(`${base}?event=ev&timestamp=${ts}&auth_key=${signed}`, '<x/>', 'application/xml')).status).to.equal(415);
    expect((await post(`${base}?event=ev&auth_key=${badKey}`, '{}')).status).to.equal(400);
  }

  it('logs each refusal with status, code and reason, never the key, the signature or the secret', async () => {
    const lines = await withServer('debug', refuseFour);
    // Text lines: `time LEVEL message {fields}`.
    const refusals = lines
      .map((line) => /^\S+ (?<level>[A-Z]+) trigger refused (?<fields>\{.*\})$/.exec(line)?.groups)
      .filter((groups) => groups !== undefined)
      .map((groups) => ({ level: groups.level, ...(JSON.parse(groups.fields!) as Record<string, unknown>) }) as Record<string, unknown>);
    expect(refusals.map(({ status, code, reason, channel, level }) => ({ status, code, reason, channel, level }))).to.deep.equal([
      { status: 403, code: '403', reason: 'Invalid credentials', channel: 'room', level: 'DEBUG' },
      { status: 403, code: '501', reason: 'Timestamp out of bounds', channel: 'room', level: 'DEBUG' },
      { status: 415, code: '415', reason: 'Unsupported content type: send application/json or application/x-www-form-urlencoded', channel: 'room', level: 'DEBUG' },
      { status: 400, code: '400', reason: 'Missing parameter: timestamp', channel: 'room', level: 'DEBUG' },
    ]);
    for (const refusal of refusals) expect(refusal.remoteAddress).to.be.a('string');
    const all = lines.join('\n');
    expect(all).not.to.contain(badKey);
    expect(all).not.to.contain('auth_key=');
    expect(all).not.to.contain(TEST_SECRET);
    // No signature at all, whether refused or computed by the server.
    expect(all).not.to.match(/[0-9a-f]{64}/);
  });

  it('says nothing about them above debug (a flood must not fill the log)', async () => {
    const lines = await withServer('info', refuseFour);
    expect(lines.filter((line) => line.includes('trigger refused'))).to.deep.equal([]);
  });
});
