import { expect } from 'chai';
import { signChannel } from '../../lib/signing.js';
import { TestClient, type Frame } from '../helpers/client.js';
import { NodeProcess } from '../helpers/node-process.js';
import { countsSeen, pusherClient, COUNT_WITHIN_MS, PUSHER_APP, type Pusher } from '../helpers/pusher.js';
import { REDIS_TOOLS_AVAILABLE } from '../helpers/redis-topologies.js';
import { requireService } from '../helpers/services.js';
import { trigger } from '../helpers/trigger.js';
import { recoversMissedEvents } from './recovery-scenarios.js';

/** The nodes' secret. */
export const SECRET = 'topology-secret';
const HEARTBEAT_INTERVAL = 200;
const NODE_TIMEOUT = 1500;

/** A Redis topology under three Pushy nodes. */
export interface Topology {
  /** The `adapter.redis` options that put a node on it. */
  redis: Record<string, unknown>;
  /** A channel name starting with `prefix` that lives on the `part`-th (0, 1, 2) Redis server, for `app` (default: the default app). */
  channelOn(part: number, prefix: string, app?: string): string;
}

/**
 * Three real `pushy-server` processes on a Redis topology of three servers: events, presence
 * with a SIGKILLed node, recovery with `since`, each on channels of every server. The tests run
 * in order and share the nodes: the third kills one. `more` adds tests on the two survivors.
 */
export function describeThreeNodes(
  name: string,
  topology: { start(): Promise<Topology>; stop(): Promise<void> },
  more: (context: { nodes: () => NodeProcess[]; topology: () => Topology; connect: (node: NodeProcess) => Promise<TestClient> }) => void = () => {},
): void {
  describe(`e2e: three nodes on ${name}`, function () {
    this.timeout(30000);
    let layout: Topology;
    let nodes: NodeProcess[] = [];
    const clients: TestClient[] = [];
    const pushers: Pusher[] = [];
    let survivors: TestClient[] = [];
    /** node-0's counts on the channels node-2's Pusher client stays on when node-2 is killed. */
    let countsAtNode0: Array<ReturnType<typeof countsSeen>> = [];

    const channelOn = (part: number, prefix: string, app?: string): string => layout.channelOn(part, prefix, app);
    const connect = async (node: NodeProcess): Promise<TestClient> => {
      const client = await TestClient.connect(node.url);
      clients.push(client);
      return client;
    };
    const joinPresence = async (client: TestClient, channel: string, user: string): Promise<Frame> => {
      const data = JSON.stringify({ id: user });
      const auth = signChannel({ socketId: client.socketId, channel, presenceData: data, secretKey: SECRET });
      const frame = await client.subscribe(channel, { auth, data });
      expect(frame.event, JSON.stringify(frame)).to.equal('pushy:subscription-success');
      return frame;
    };
    const userIds = (members: Array<{ id: string }>): string[] => members.map((m) => m.id).sort();

    before(async function () {
      this.timeout(60000);
      requireService(this, 'redis-server and redis-cli', REDIS_TOOLS_AVAILABLE);
      layout = await topology.start();
      const config = {
        port: 0,
        host: '127.0.0.1',
        secretKey: SECRET,
        logLevel: 'info',
        apps: [{ ...PUSHER_APP, enableSubscriptionCount: true }],
        adapter: {
          type: 'redis',
          redis: layout.redis,
          keyPrefix: `topology-${process.pid}:`,
          commandTimeout: 1000,
          maxReconnectDelay: 200,
          heartbeatInterval: HEARTBEAT_INTERVAL,
          nodeTimeout: NODE_TIMEOUT,
        },
        history: { size: 100, ttl: 300 },
        sockjs: { disconnectDelay: 1000 },
      };
      nodes = await Promise.all(['node-0', 'node-1', 'node-2'].map((node) => NodeProcess.start(node, config)));
    });

    afterEach(function () {
      if (this.currentTest?.state !== 'failed') return;
      for (const node of nodes) process.stderr.write(`--- ${node.name} log (last lines)\n${node.stderr.slice(-25).join('\n')}\n`);
    });

    after(async () => {
      await Promise.all(clients.map((client) => client.close()));
      for (const client of pushers) client.disconnect();
      await Promise.all(nodes.map((node) => node.kill('SIGTERM')));
      await topology.stop();
    });

    it('a trigger to any node reaches every subscriber on every node exactly once, on channels of every Redis server', async () => {
      const channels = [0, 1, 2].map((shard) => channelOn(shard, 'news'));
      const subscribers = [await connect(nodes[0]!), await connect(nodes[1]!), await connect(nodes[2]!)];
      for (const client of subscribers) for (const channel of channels) await client.subscribe(channel);
      for (const [i, node] of nodes.entries()) {
        for (const channel of channels) expect((await trigger(node.url, channel, `from-${i}`, { i, channel }, { secret: SECRET })).status).to.equal(201);
      }
      for (const client of subscribers) {
        for (const channel of channels) await client.next('from-2', (f) => f.channel === channel);
        for (const channel of channels) {
          for (const i of [0, 1, 2]) expect(client.events(`from-${i}`, channel).map((f) => f.data)).to.deep.equal([{ i, channel }]);
        }
      }
    });

    it('presence lists agree on every node for channels on different Redis servers', async () => {
      const rooms = [channelOn(0, 'presence-room'), channelOn(2, 'presence-room')];
      const [u0, u1, u2] = [await connect(nodes[0]!), await connect(nodes[1]!), await connect(nodes[2]!)];
      survivors = [u0, u1];
      for (const room of rooms) {
        await joinPresence(u0, room, 'u0');
        await joinPresence(u1, room, 'u1');
        expect(userIds((await joinPresence(u2, room, 'u2')).data.presence)).to.deep.equal(['u0', 'u1', 'u2']);
        await u0.next('pushy:presence-add', (f) => f.channel === room && f.data.member.id === 'u2');
      }
    });

    it("Pusher subscription counts are the cluster's on channels of every Redis server", async () => {
      const channels = [0, 1, 2].map((shard) => channelOn(shard, 'counted', PUSHER_APP.id));
      const [p0, p1, p2] = nodes.map((node) => pusherClient(node)) as [Pusher, Pusher, Pusher];
      pushers.push(p0, p1, p2);
      const seen = [p0, p1, p2].map((client) => channels.map((channel) => countsSeen(client, channel)));
      await Promise.all(seen.flat().map((counts) => counts.until(3, 5000)));
      // node-2's client leaves the first channel: the others hear 2 there (and stays on the rest until node-2 is killed).
      p2.unsubscribe(channels[0]!);
      await Promise.all([seen[0]![0]!.until(2), seen[1]![0]!.until(2)]);
      countsAtNode0 = seen[0]!.slice(1);
    });

    it('SIGKILL one node: its members leave the lists on every Redis server, with quit events', async () => {
      const rooms = [channelOn(0, 'presence-room'), channelOn(2, 'presence-room')];
      const [u0, u1] = survivors as [TestClient, TestClient];
      expect((await nodes[2]!.kill('SIGKILL')).signal).to.equal('SIGKILL');
      nodes = nodes.slice(0, 2);
      for (const client of [u0, u1]) {
        for (const room of rooms) await client.next('pushy:presence-quit', (f) => f.channel === room && f.data.member.id === 'u2', 10000);
      }
      for (const room of rooms) {
        const fresh = await connect(nodes[1]!);
        expect(userIds((await joinPresence(fresh, room, 'late')).data.presence)).to.deep.equal(['late', 'u0', 'u1']);
      }
    });

    it("the SIGKILLed node's Pusher subscribers stop counting on every Redis server", async () => {
      // Killed in the test before: its deadline passes nodeTimeout after its last heartbeat, then a living node drops its counts.
      await Promise.all(countsAtNode0.map((counts) => counts.until(2, NODE_TIMEOUT + 4 * HEARTBEAT_INTERVAL + COUNT_WITHIN_MS)));
    });

    it('a client that reconnects to another node recovers the missed events with `since`, on every Redis server', async () => {
      const [a, b] = nodes.map((node) => ({ url: node.url, secret: SECRET })) as [{ url: string; secret: string }, { url: string; secret: string }];
      for (const shard of [0, 1, 2]) await recoversMissedEvents(a, b, channelOn(shard, 'recover'));
    });

    more({ nodes: () => nodes, topology: () => layout, connect });
  });
}
