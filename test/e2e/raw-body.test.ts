import { expect } from 'chai';
import { createAdapter, type Adapter } from '../../lib/adapter.js';
import { loadConfig, type DeepPartial, type PushyConfig } from '../../lib/config.js';
import { silentLogger } from '../../lib/logger.js';
import { historyUrlV3, signTrigger, triggerUrlV3 } from '../../lib/signing.js';
import { TestClient, type Frame, type NodeTransport } from '../helpers/client.js';
import { basicAuth, request } from '../helpers/http.js';
import { RawWsClient } from '../helpers/raw-ws.js';
import { RedisServer, REDIS_AVAILABLE } from '../helpers/redis.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { requireService } from '../helpers/services.js';
import { post, trigger, triggerV3 } from '../helpers/trigger.js';

/** A body a re-serialisation changes: a number past 2^53, a trailing zero, spacing, an escape. */
const BODY = '{"id":12345678901234567890, "price" : 1.50,"name":"\\u00e9t\u00e9","list":[ 1e2 ]}';

const now = (): number => Math.floor(Date.now() / 1000);

/** The `"data":…` part of a frame's text. */
function dataText(text: string): string {
  const start = text.indexOf('"data":') + '"data":'.length;
  const end = text.lastIndexOf(',"offset":');
  return text.slice(start, end);
}

describe('e2e: what was signed is delivered byte for byte', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startServer();
  });
  after(async () => {
    await srv.close();
  });

  const transports: NodeTransport[] = ['websocket', 'xhr-streaming', 'xhr-polling'];
  for (const transport of transports) {
    it(`delivers the raw JSON of a v3 and of a v2 trigger as sent to a sockjs-client over ${transport}`, async () => {
      const client = await TestClient.connect(srv.url, transport);
      const channel = `raw-${transport}`;
      await client.subscribe(channel);
      expect((await triggerV3(srv.url, channel, 'v3', undefined, { secret: srv.secret, body: `\n${BODY}\n` })).status).to.equal(201);
      expect((await trigger(srv.url, channel, 'v2', undefined, { secret: srv.secret, body: BODY })).status).to.equal(201);
      for (const event of ['v3', 'v2']) {
        const frame = await client.next(event);
        const text = client.textOf(frame);
        expect(dataText(text), event).to.equal(BODY);
        expect(text).to.equal(`{"event":"${event}","channel":"${channel}","data":${BODY},"offset":${frame.offset}}`);
      }
      await client.close();
    });
  }

  it('delivers the raw JSON to a raw WebSocket client, and in a recovery replay and the history read', async () => {
    const ws = await RawWsClient.connect(srv.url, 'raw');
    const texts: string[] = [];
    ws.ws.on('message', (data) => texts.push(data.toString()));
    ws.send({ command: 'subscribe', data: { channel: 'raw-history' } });
    const success = await ws.next('pushy:subscription-success');
    await triggerV3(srv.url, 'raw-history', 'big', undefined, { secret: srv.secret, body: BODY });
    await ws.next('big');
    expect(dataText(texts.find((text) => text.includes('"event":"big"'))!)).to.equal(BODY);
    await ws.close();

    const back = await TestClient.connect(srv.url, 'websocket');
    await back.subscribe('raw-history', { since: { offset: success.data.offset, epoch: success.data.epoch } });
    expect(dataText(back.textOf(await back.next('big')))).to.equal(BODY);
    await back.close();

    const history = await request(historyUrlV3({ baseUrl: srv.url, channel: 'raw-history', secretKey: srv.secret }));
    expect(history.status).to.equal(200);
    expect(history.text).to.contain(`"event":"big","data":${BODY},"timestamp":`);
  });

  it('delivers what v1 signed (JSON.stringify of the parsed body) when that is what matched, and a form as an object', async () => {
    const client = await TestClient.connect(srv.url, 'websocket');
    await client.subscribe('raw-v1');
    const timestamp = String(now());
    const reserialised = JSON.stringify(JSON.parse(BODY));
    const authKey = signTrigger({ channel: 'raw-v1', event: 'v1', timestamp, body: reserialised, secretKey: srv.secret });
    const answer = await post(`${srv.url}/pushy/channel/raw-v1/trigger?event=v1&timestamp=${timestamp}&auth_key=${authKey}`, BODY);
    expect(answer.status).to.equal(201);
    expect(dataText(client.textOf(await client.next('v1')))).to.equal(reserialised);
    await trigger(srv.url, 'raw-v1', 'form', undefined, { secret: srv.secret, body: 'a=1&b=x+y', contentType: 'application/x-www-form-urlencoded' });
    expect(dataText(client.textOf(await client.next('form')))).to.equal('{"a":"1","b":"x y"}');
    await client.close();
  });
});

describe('e2e: a body must be valid UTF-8', () => {
  let srv: TestServer;
  const ADMIN = { username: 'ops', password: 'pw' };
  before(async () => {
    srv = await startServer({ admin: ADMIN });
  });
  after(async () => {
    await srv.close();
  });

  /** `{"text":"<invalid bytes>"}`: a lone continuation byte, an overlong "/", a UTF-16 surrogate. */
  const bodies = [Buffer.from([0x7b, 0x22, 0x74, 0x22, 0x3a, 0x22, 0x80, 0x22, 0x7d]), Buffer.from('{"t":"\xc0\xaf"}', 'latin1'), Buffer.from('{"t":"\xed\xa0\x80"}', 'latin1')];

  it('refuses a trigger whose body is not valid UTF-8 with 400 "400", signed v2 over what a lax decoder reads, or v3', async () => {
    const client = await TestClient.connect(srv.url, 'websocket');
    await client.subscribe('utf8');
    for (const body of bodies) {
      // What the server used to read (U+FFFD for each bad sequence), signed: it was accepted and delivered.
      const lax = body.toString('utf8');
      const timestamp = String(now());
      const authKey = signTrigger({ channel: 'utf8', event: 'bad', timestamp, body: lax, secretKey: srv.secret });
      const v2 = await post(`${srv.url}/pushy/channel/utf8/trigger?event=bad&timestamp=${timestamp}&auth_key=${authKey}`, body);
      expect(v2.status, body.toString('hex')).to.equal(400);
      expect(v2.body).to.deep.equal({ error: { code: '400', name: 'BAD_REQUEST', message: 'Body is not valid UTF-8' } });
      const v3 = await post(triggerUrlV3({ baseUrl: srv.url, channel: 'utf8', event: 'bad', body: lax, secretKey: srv.secret }), body);
      expect(v3.status).to.equal(400);
    }
    // Still serving: a valid body with the same characters spelled right goes through.
    expect((await trigger(srv.url, 'utf8', 'good', { t: 'é€😀' }, { secret: srv.secret })).status).to.equal(201);
    const good: Frame = await client.next('good');
    expect(good.data).to.deep.equal({ t: 'é€😀' });
    expect(client.events('bad')).to.deep.equal([]);
    await client.close();
  });

  it('refuses a body that is not valid UTF-8 on the admin API with 400', async () => {
    const answer = await request(`${srv.url}/pushy/admin/api/trigger`, {
      method: 'POST',
      headers: { authorization: basicAuth(ADMIN.username, ADMIN.password), 'content-type': 'application/json' },
      body: Buffer.concat([Buffer.from('{"channel":"utf8","event":"e","data":"'), Buffer.from([0xff]), Buffer.from('"}')]),
    });
    expect(answer.status).to.equal(400);
    expect(answer.body.error.message).to.equal('Body is not valid UTF-8');
  });
});

describe('e2e: raw JSON across a Redis cluster of two nodes', () => {
  let redis: RedisServer;
  let nodes: Array<TestServer & { adapter: Adapter }> = [];

  async function startNode(url: string): Promise<TestServer & { adapter: Adapter }> {
    const overrides: DeepPartial<PushyConfig> = { adapter: { type: 'redis', url, keyPrefix: `pushy-raw-${process.pid}:` } };
    const config = loadConfig({ env: {}, overrides });
    const adapter = await createAdapter(config, silentLogger);
    const { broker, presence, history, idempotency, replays } = adapter;
    const server = await startServer(overrides, { broker, presence, history, idempotency, replays });
    return {
      ...server,
      adapter,
      close: async () => {
        await server.close();
        await adapter.close();
      },
    };
  }

  before(async function () {
    requireService(this, 'redis-server', REDIS_AVAILABLE);
    redis = await RedisServer.create();
    nodes = [await startNode(redis.url), await startNode(redis.url)];
  });
  after(async () => {
    for (const node of nodes) await node.close();
    await redis?.destroy();
  });

  it('a trigger on one node reaches a client of the other byte for byte, live, replayed and in the history read', async () => {
    const [a, b] = [nodes[0]!, nodes[1]!];
    const client = await TestClient.connect(b.url, 'websocket');
    const success = await client.subscribe('raw-cluster');
    expect((await triggerV3(a.url, 'raw-cluster', 'big', undefined, { secret: a.secret, body: BODY })).status).to.equal(201);
    expect(dataText(client.textOf(await client.next('big')))).to.equal(BODY);
    await client.close();
    const back = await TestClient.connect(a.url, 'xhr-streaming');
    await back.subscribe('raw-cluster', { since: { offset: success.data.offset, epoch: success.data.epoch } });
    expect(dataText(back.textOf(await back.next('big')))).to.equal(BODY);
    await back.close();
    const history = await request(historyUrlV3({ baseUrl: b.url, channel: 'raw-cluster', secretKey: b.secret }));
    expect(history.text).to.contain(`"data":${BODY}`);
  });
});
