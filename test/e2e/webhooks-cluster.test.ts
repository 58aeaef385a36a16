import { expect } from 'chai';
import type { DeepPartial, PushyConfig } from '../../lib/config.js';
import { signChannel } from '../../lib/signing.js';
import { TestClient } from '../helpers/client.js';
import { NodeProcess, testRedisAdapter, TEST_HEARTBEAT_INTERVAL as HEARTBEAT_INTERVAL, TEST_NODE_TIMEOUT as NODE_TIMEOUT } from '../helpers/node-process.js';
import { RedisServer, REDIS_AVAILABLE } from '../helpers/redis.js';
import { startRedisNode, type RedisTestNode } from '../helpers/redis-node.js';
import { TEST_SECRET } from '../helpers/server.js';
import { requireService } from '../helpers/services.js';
import { WebhookReceiver } from '../helpers/webhook-receiver.js';
import { pusherAccepts } from '../helpers/webhooks.js';

/** Short heartbeats and expiry, so that a killed node is reaped within seconds. */
/** Long enough for a client to move to another node within it on a loaded machine. */
const REMOVAL_DELAY = 1000;

describe('e2e: webhook events decided across nodes on Redis', function () {
  this.timeout(40_000);
  let redis: RedisServer;
  let receiver: WebhookReceiver;
  let nodes: RedisTestNode[] = [];
  let processes: NodeProcess[] = [];
  let clients: TestClient[] = [];
  let keyPrefix: string;
  let run = 0;

  before(async function () {
    requireService(this, 'redis-server', REDIS_AVAILABLE);
    redis = await RedisServer.create();
  });
  beforeEach(async () => {
    run += 1;
    keyPrefix = `pushy-webhook-sources-${process.pid}-${run}:`;
    receiver = await WebhookReceiver.start();
  });
  afterEach(async () => {
    await Promise.all(clients.map((client) => client.close()));
    clients = [];
    await Promise.all(processes.filter((node) => node.alive).map((node) => node.kill('SIGKILL')));
    processes = [];
    await Promise.all(nodes.map((node) => node.close()));
    nodes = [];
    await receiver.close();
  });
  after(async () => {
    await redis?.destroy();
  });

  const configFor = (webhooks: DeepPartial<PushyConfig['webhooks']> = {}): DeepPartial<PushyConfig> => ({
    secretKey: TEST_SECRET,
    adapter: { keyPrefix, heartbeatInterval: HEARTBEAT_INTERVAL, nodeTimeout: NODE_TIMEOUT },
    webhooks: { batchDelay: 10, removalDelay: REMOVAL_DELAY, defaultApp: [{ url: receiver.url() }], ...webhooks } as DeepPartial<PushyConfig['webhooks']>,
  });
  const startNode = async (webhooks: DeepPartial<PushyConfig['webhooks']> = {}): Promise<RedisTestNode> => {
    const node = await startRedisNode(redis.url, configFor(webhooks));
    nodes.push(node);
    return node;
  };
  const connect = async (url: string): Promise<TestClient> => {
    const client = await TestClient.connect(url, 'websocket');
    clients.push(client);
    return client;
  };
  const subscribe = async (client: TestClient, channel: string, presence?: Record<string, unknown>): Promise<void> => {
    let extra = {};
    if (presence) {
      const data = JSON.stringify(presence);
      extra = { data, auth: signChannel({ socketId: client.socketId, channel, presenceData: data, secretKey: TEST_SECRET }) };
    }
    expect((await client.subscribe(channel, extra)).event).to.equal('pushy:subscription-success');
  };
  const unsubscribe = async (client: TestClient, channel: string): Promise<void> => {
    await client.request('unsubscribe', { channel }, 'pushy:subscription-end');
  };
  const delivered = (): string[] => receiver.delivered().map((event) => [event.name, event.channel, event.user_id].filter((part) => part !== undefined).join(' '));
  const waitForLine = (line: string, timeoutMs = 10_000): Promise<void> => receiver.waitFor(() => delivered().includes(line), timeoutMs, line);
  /** A sentinel channel's vacated, sent after everything before it: whatever those would send was sent. */
  const settle = async (client: TestClient): Promise<void> => {
    await subscribe(client, 'sentinel');
    await unsubscribe(client, 'sentinel');
    await waitForLine('channel_vacated sentinel');
  };
  const count = (line: string): number => delivered().filter((each) => each === line).length;

  it('a channel with subscribers on two nodes is occupied once and vacated once', async () => {
    const [a, b] = [await startNode(), await startNode()];
    const ann = await connect(a.url);
    const bob = await connect(b.url);
    await subscribe(ann, 'room-1');
    await subscribe(bob, 'room-1');
    await unsubscribe(ann, 'room-1');
    await unsubscribe(bob, 'room-1');
    await waitForLine('channel_vacated room-1');
    await settle(ann);
    expect(count('channel_occupied room-1')).to.equal(1);
    expect(count('channel_vacated room-1')).to.equal(1);
    for (const request of receiver.requests) expect(pusherAccepts(request, { id: 'default', key: 'default', secret: TEST_SECRET })).to.equal(true);
  });

  it('a member on two nodes is added once and removed once', async () => {
    const [a, b] = [await startNode(), await startNode()];
    const phone = await connect(a.url);
    const laptop = await connect(b.url);
    await subscribe(phone, 'presence-lobby', { id: 'ann' });
    await subscribe(laptop, 'presence-lobby', { id: 'ann' });
    await unsubscribe(phone, 'presence-lobby');
    await settle(phone);
    expect(count('member_added presence-lobby ann')).to.equal(1);
    expect(count('member_removed presence-lobby ann')).to.equal(0);
    await unsubscribe(laptop, 'presence-lobby');
    await waitForLine('member_removed presence-lobby ann');
    expect(count('member_added presence-lobby ann')).to.equal(1);
  });

  it('a reload that lands on another node within the delay sends nothing', async () => {
    const [a, b] = [await startNode(), await startNode()];
    const before = await connect(a.url);
    await subscribe(before, 'room-1');
    await subscribe(before, 'presence-lobby', { id: 'ann' });
    await waitForLine('member_added presence-lobby ann');
    await before.close();
    const after = await connect(b.url);
    await subscribe(after, 'room-1');
    await subscribe(after, 'presence-lobby', { id: 'ann' });
    await settle(after);
    expect(delivered().filter((line) => !line.endsWith('sentinel'))).to.have.members([
      'channel_occupied room-1',
      'channel_occupied presence-lobby',
      'member_added presence-lobby ann',
    ]);
  });

  it('a node killed while holding a channel\'s last subscriber: one channel_vacated after its expiry', async () => {
    const [a] = [await startNode(), await startNode()];
    const doomedNode = await NodeProcess.start('doomed', {
      port: 0,
      host: '127.0.0.1',
      logLevel: 'info',
      ...configFor(),
      adapter: testRedisAdapter(redis.url, keyPrefix),
    });
    processes.push(doomedNode);
    const doomed = await connect(doomedNode.url);
    const ann = await connect(a.url);
    await subscribe(doomed, 'room-1');
    await subscribe(ann, 'room-1');
    await subscribe(doomed, 'room-2');
    await waitForLine('channel_occupied room-2');
    expect((await doomedNode.kill('SIGKILL')).signal).to.equal('SIGKILL');
    await waitForLine('channel_vacated room-2', NODE_TIMEOUT + 10_000);
    await settle(ann);
    expect(count('channel_vacated room-2')).to.equal(1);
    // room-1 still has ann on node a.
    expect(count('channel_vacated room-1')).to.equal(0);
    await unsubscribe(ann, 'room-1');
    await waitForLine('channel_vacated room-1');
  });

  it('a removal waiting on a node that shuts down is sent', async () => {
    const a = await startNode({ removalDelay: 60_000 });
    await startNode();
    const ann = await connect(a.url);
    await subscribe(ann, 'room-1');
    await waitForLine('channel_occupied room-1');
    await unsubscribe(ann, 'room-1');
    await a.close();
    nodes = nodes.filter((node) => node !== a);
    await waitForLine('channel_vacated room-1', NODE_TIMEOUT + 10_000);
  });
});
