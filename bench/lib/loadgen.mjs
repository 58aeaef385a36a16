/**
 * Load generator, run as a child process (IPC). Opens many raw clients against one server and
 * counts deliveries. Clients never JSON-parse events: every benchmark event carries a marker
 * `@T<microseconds>@` in its data, which reads the same inside SockJS `a[...]` framing, socket.io
 * `42[...]` packets and bare JSON, so counting and latency cost the same for every server.
 *
 * Kinds: `sockjs` (SockJS WebSocket framing: o, h, a[...], c[...]), `ws` (bare JSON text
 * frames), `socketio` (engine.io v4 + socket.io packets), `xhr` (SockJS xhr-streaming).
 *
 * A client remembers the channels it subscribed to. With reconnection on (`reconnect`), a
 * WebSocket client whose connection ends opens a new one after the Pushy browser client's
 * backoff (the same policy for every server) and subscribes to its channels again.
 */
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { backoffDelay, DEFAULT_BACKOFF } from '../../dist/client/backoff.js';
import { connectRaw } from './raw-ws.mjs';
import { deliveriesOf, subscriptionsOf } from './plans.mjs';

const clients = [];
let deliveries = 0;
let lastDeliveryUs = 0;
let acks = 0;
let recordLatency = false;
let latencies = [];
let waiter;
/** Socket and request errors after a client was up (reported with every wait). */
let clientErrors = 0;
const countError = () => {
  clientErrors += 1;
};

/** Reconnection: off until `reconnect` turns it on; then the state of the storm. */
const storm = { enabled: false, round: 0, maxAttempts: 12, reopened: 0, attempts: 0, gaveUp: 0, waiters: [] };

/** Monotonic clock in microseconds, comparable across processes on one machine. */
const nowUs = () => Number(process.hrtime.bigint() / 1000n);

const MARK = Buffer.from('@T');
const ACK = Buffer.from('subscription-success');
/** The Pusher protocol's acknowledgement of a subscribe. */
const PUSHER_ACK = Buffer.from('subscription_succeeded');

/** Counts the event markers of one message (a Buffer or string) and records their latency. */
function scan(message, client) {
  const buf = typeof message === 'string' ? Buffer.from(message) : message;
  let at = buf.indexOf(MARK);
  if (at === -1) {
    const mark = client.kind === 'pusher' ? PUSHER_ACK : ACK;
    for (let ack = buf.indexOf(mark); ack !== -1; ack = buf.indexOf(mark, ack + mark.length)) {
      acks += 1;
      if (client.awaiting > 0 && --client.awaiting === 0) checkStorm();
    }
    return;
  }
  const now = nowUs();
  while (at !== -1) {
    deliveries += 1;
    if (recordLatency) {
      let sent = 0;
      for (let i = at + 2; buf[i] >= 0x30 && buf[i] <= 0x39; i++) sent = sent * 10 + (buf[i] - 0x30);
      latencies.push(now - sent);
    }
    at = buf.indexOf(MARK, at + 2);
  }
  lastDeliveryUs = now;
  checkWaiter();
}

function checkWaiter() {
  if (waiter && deliveries >= waiter.target) {
    const done = waiter;
    waiter = undefined;
    clearTimeout(done.timer);
    done.resolve();
  }
}

const sockjsFrame = (text) => JSON.stringify([text]);
const subscribeCommand = (channel) => JSON.stringify({ command: 'subscribe', data: { channel } });
const sessionPath = () => `${String(Math.floor(Math.random() * 1000)).padStart(3, '0')}/${randomBytes(8).toString('hex')}`;

/** One simulated user: survives reconnections (its connection, `raw`, does not). */
class Client {
  constructor(index, kind, base, localAddress) {
    this.index = index;
    this.kind = kind;
    this.base = base;
    this.localAddress = localAddress;
    /** Channels subscribed to, for resubscribing after a reconnection. */
    this.channels = [];
    /** Acknowledgements still expected after a resubscription. */
    this.awaiting = 0;
    this.up = false;
    this.attempt = 0;
    /** The storm round in which this client last came back and resubscribed. */
    this.back = 0;
    this.closing = false;
    this.raw = undefined;
  }

  /** Sends one Pushy command (the subscribe JSON) in this kind's framing. */
  send(text) {
    if (this.kind === 'sockjs') this.raw.send(sockjsFrame(text));
    else if (this.kind === 'socketio') this.raw.send(`42${JSON.stringify(['subscribe', JSON.parse(text).data.channel])}`);
    else if (this.kind === 'pusher') this.raw.send(JSON.stringify({ event: 'pusher:subscribe', data: { channel: JSON.parse(text).data.channel } }));
    else this.raw.send(text);
  }

  subscribe(channel) {
    this.channels.push(channel);
    this.send(subscribeCommand(channel));
  }

  close() {
    this.closing = true;
    this.raw?.close();
  }

  /** The connection ended: reconnect (storm on) or stay closed. */
  lost() {
    this.up = false;
    this.raw = undefined;
    if (this.closing || !storm.enabled) return;
    if (this.attempt >= storm.maxAttempts) {
      storm.gaveUp += 1;
      checkStorm();
      return;
    }
    const delay = backoffDelay(this.attempt, DEFAULT_BACKOFF);
    this.attempt += 1;
    setTimeout(() => this.retry(), delay);
  }

  async retry() {
    if (this.closing) return;
    storm.attempts += 1;
    try {
      await openWebSocket(this);
    } catch {
      this.lost();
      return;
    }
    storm.reopened += 1;
    this.attempt = 0;
    this.back = storm.round;
    this.awaiting = this.channels.length;
    for (const channel of this.channels) this.send(subscribeCommand(channel));
    if (this.awaiting === 0) checkStorm();
  }
}

/**
 * Opens a WebSocket connection for `client`; resolves once it can subscribe (SockJS `o`,
 * socket.io `40`, at once for bare ws).
 */
function openWebSocket(client) {
  return new Promise((resolve, reject) => {
    const { kind } = client;
    const { hostname: host, port } = new URL(client.base);
    // `pusher`: the Pusher protocol's endpoint of the default app (key `default`), same channels.
    const path =
      kind === 'sockjs' ? `/pushy/socket/${sessionPath()}/websocket` : kind === 'socketio' ? '/socket.io/?EIO=4&transport=websocket' : kind === 'pusher' ? '/app/default?protocol=7&client=bench&version=1' : '/ws';
    let settled = false;
    let opened = false;
    const ready = () => {
      if (settled) return;
      settled = opened = true;
      client.up = true;
      resolve(client);
    };
    // First byte of each message tells the framing apart: SockJS o/h/a/c, engine.io 0/2/4.
    const handlers = {
      sockjs: (buf) => (buf[0] === 0x61 ? scan(buf, client) : buf[0] === 0x6f ? ready() : undefined),
      ws: (buf) => scan(buf, client),
      pusher: (buf) => (opened ? scan(buf, client) : buf.includes('connection_established') ? ready() : undefined),
      socketio: (buf, raw) => {
        if (buf[0] === 0x34 && buf[1] === 0x32) scan(buf, client);
        else if (buf[0] === 0x30) raw.send('40');
        else if (buf[0] === 0x34 && buf[1] === 0x30) ready();
        else if (buf[0] === 0x32 && buf.length === 1) raw.send('3');
      },
    };
    const handle = handlers[kind];
    const onText = (buf, raw) => {
      client.raw ??= raw;
      handle(buf, raw);
    };
    const onClose = () => {
      if (opened) client.lost();
      else if (!settled) {
        settled = true;
        reject(new Error('closed before it opened'));
      }
    };
    connectRaw({ host, port: Number(port), path, localAddress: client.localAddress, onText, onError: countError, onClose }).then((raw) => {
      client.raw = raw;
      if (kind === 'ws') ready();
    }, (error) => {
      if (settled) return;
      settled = true;
      reject(error);
    });
  });
}

const xhrAgent = new http.Agent({ keepAlive: true, maxSockets: Infinity });

/** An xhr-streaming client (no reconnection). */
function openXhr(client) {
  return new Promise((resolve, reject) => {
    const path = `/pushy/socket/${sessionPath()}`;
    const { base, localAddress } = client;
    const req = http.request(`${base}${path}/xhr_streaming`, { method: 'POST', agent: false, localAddress });
    client.raw = {
      send: (body) => {
        const send = http.request(`${base}${path}/xhr_send`, { method: 'POST', agent: xhrAgent, localAddress, headers: { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) } });
        send.on('response', (res) => res.resume());
        send.on('error', countError);
        send.end(body);
      },
      close: () => req.destroy(),
    };
    client.kind = 'sockjs'; // Its messages are SockJS-framed like a WebSocket client's.
    let ready = false;
    let rest = '';
    req.on('error', (error) => (ready ? countError() : reject(error)));
    req.on('response', (res) => {
      res.setEncoding('utf8');
      res.on('error', countError);
      res.on('data', (chunk) => {
        const lines = (rest + chunk).split('\n');
        rest = lines.pop();
        for (const line of lines) {
          if (line === 'o') {
            ready = true;
            resolve(client);
          } else if (line[0] === 'a') scan(line, client);
        }
      });
    });
    req.end();
  });
}

let offset = 0;

/** Opens `count` clients; their global indexes start at `first` (several loadgens share a run). */
async function connect({ kind, base, count, first = 0, localAddresses, concurrency = 200, allowFailures = false }) {
  if (clients.length === 0) offset = first;
  let next = 0;
  let failed = 0;
  let lastError;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const client = new Client(offset + clients.length, kind, base, localAddresses[i % localAddresses.length]);
      try {
        await (kind === 'xhr' ? openXhr(client) : openWebSocket(client));
      } catch (error) {
        if (!allowFailures) throw error;
        // A server at its limit refuses: counted, and the caller says whether that is a failure.
        failed += 1;
        lastError = String(error?.message ?? error);
        continue;
      }
      client.index = offset + clients.length;
      clients.push(client);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return { connected: clients.length, failed, lastError };
}

/** Sends subscribe commands per `wanted(client)` and waits for every acknowledgement. */
async function subscribeAll(wanted, timeoutMs) {
  const before = acks;
  let expected = 0;
  for (const client of clients) {
    for (const channel of wanted(client)) {
      client.subscribe(channel);
      expected += 1;
    }
  }
  const started = Date.now();
  while (acks - before < expected) {
    if (Date.now() - started > timeoutMs) throw new Error(`only ${acks - before} of ${expected} subscriptions acknowledged`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return { subscribed: expected };
}

/**
 * groups: [{ channel, from, to }] by global index; ownPrefix: each client its own channel
 * `<prefix><index>`; plan: a named subscription plan (bench/lib/plans.mjs).
 */
function subscribe({ groups, ownPrefix, plan, timeoutMs = 120000 }) {
  const byClient = plan ? subscriptionsOf(plan, offset, offset + clients.length) : undefined;
  return subscribeAll((client) => {
    const channels = [];
    if (ownPrefix) channels.push(`${ownPrefix}${client.index}`);
    for (const group of groups ?? []) if (client.index >= group.from && client.index < group.to) channels.push(group.channel);
    if (byClient) channels.push(...(byClient.get(client.index) ?? []));
    return channels;
  }, timeoutMs);
}

/**
 * Waits until this loadgen's clients got what `expect` ([{ from, to, per }] by global index)
 * and `plan` (a subscription plan with `triggers` sent) say.
 */
function waitFor({ expect, plan, timeoutMs }) {
  const first = offset;
  const last = offset + clients.length;
  let target = plan ? deliveriesOf(plan, first, last) : 0;
  for (const { from, to, per } of expect ?? []) target += Math.max(0, Math.min(to, last) - Math.max(from, first)) * per;
  return new Promise((resolve) => {
    const finish = () => resolve({ deliveries, target, lastDeliveryUs, timedOut: deliveries < target, errors: clientErrors });
    if (deliveries >= target) return finish();
    waiter = { target, resolve: finish, timer: setTimeout(() => ((waiter = undefined), finish()), timeoutMs) };
  });
}

/** Every client is up and resubscribed, or has given up. */
function stormSettled() {
  let settled = 0;
  for (const client of clients) if ((client.up && client.back === storm.round && client.awaiting === 0) || client.attempt >= storm.maxAttempts) settled += 1;
  return settled === clients.length;
}

function checkStorm() {
  if (storm.settledUs !== undefined || !stormSettled()) return;
  storm.settledUs = nowUs();
  for (const resolve of storm.waiters.splice(0)) resolve(storm.settledUs);
}

const handlers = {
  connect,
  subscribe,
  waitFor,
  reset: ({ latency }) => {
    deliveries = 0;
    lastDeliveryUs = 0;
    latencies = [];
    recordLatency = Boolean(latency);
    return {};
  },
  latencies: () => ({ latencies }),
  /** Keeps this loadgen's first `count` clients, numbered from `first` again, and closes the others. */
  trim: ({ first, count }) => {
    for (const client of clients.slice(count)) client.close();
    clients.length = Math.min(count, clients.length);
    offset = first;
    clients.forEach((client, i) => (client.index = first + i));
    return { kept: clients.length };
  },
  /** Turns reconnection on: every client whose connection ends comes back and resubscribes. */
  reconnect: ({ maxAttempts }) => {
    Object.assign(storm, { enabled: true, round: storm.round + 1, settledUs: undefined, maxAttempts, reopened: 0, attempts: 0, gaveUp: 0 });
    return {};
  },
  /** Resolves once every client is back and resubscribed (or gave up); reconnection stays on until `stopReconnecting`. */
  waitReconnected: ({ timeoutMs }) =>
    new Promise((resolve) => {
      const report = (settledUs) =>
        resolve({
          settledUs,
          timedOut: settledUs === undefined,
          clients: clients.length,
          back: clients.filter((client) => client.up && client.back === storm.round && client.awaiting === 0).length,
          reopened: storm.reopened,
          attempts: storm.attempts,
          gaveUp: storm.gaveUp,
          errors: clientErrors,
        });
      if (storm.settledUs !== undefined) return report(storm.settledUs);
      const timer = setTimeout(() => {
        storm.waiters = storm.waiters.filter((w) => w !== done);
        report(undefined);
      }, timeoutMs);
      const done = (at) => {
        clearTimeout(timer);
        report(at);
      };
      storm.waiters.push(done);
    }),
  /** How many clients are connected right now. */
  status: () => ({ clients: clients.length, up: clients.filter((client) => client.up).length }),
  stopReconnecting: () => {
    storm.enabled = false;
    return {};
  },
  closeAll: () => {
    for (const client of clients) client.close();
    clients.length = 0;
    return {};
  },
};

process.on('message', async ({ id, cmd, args }) => {
  try {
    const result = await handlers[cmd](args ?? {});
    process.send({ id, ok: true, result });
  } catch (error) {
    process.send({ id, ok: false, error: String(error?.stack ?? error) });
  }
});
process.on('disconnect', () => process.exit(0));
