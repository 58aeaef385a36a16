/**
 * Load generator, run as a child process (IPC). Opens many raw clients against one server and
 * counts deliveries. Clients never JSON-parse events: every benchmark event carries a marker
 * `@T<microseconds>@` in its data, which reads the same inside SockJS `a[...]` framing, socket.io
 * `42[...]` packets and bare JSON, so counting and latency cost the same for every server.
 *
 * Kinds: `sockjs` (SockJS WebSocket framing: o, h, a[...], c[...]), `ws` (bare JSON text
 * frames), `socketio` (engine.io v4 + socket.io packets), `xhr` (SockJS xhr-streaming).
 */
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { connectRaw } from './raw-ws.mjs';

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

/** Monotonic clock in microseconds, comparable across processes on one machine. */
const nowUs = () => Number(process.hrtime.bigint() / 1000n);

const MARK = Buffer.from('@T');
const ACK = Buffer.from('subscription-success');

/** Counts the event markers of one message (a Buffer or string) and records their latency. */
function scan(message) {
  const buf = typeof message === 'string' ? Buffer.from(message) : message;
  let at = buf.indexOf(MARK);
  if (at === -1) {
    for (let ack = buf.indexOf(ACK); ack !== -1; ack = buf.indexOf(ACK, ack + ACK.length)) acks += 1;
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

/** Opens one client; resolves once it can subscribe. */
function open(kind, base, localAddress) {
  return new Promise((resolve, reject) => {
    if (kind === 'xhr') return openXhr(base, localAddress, resolve, reject);
    const { hostname: host, port } = new URL(base);
    const path = kind === 'sockjs' ? `/pushy/socket/${sessionPath()}/websocket` : kind === 'socketio' ? '/socket.io/?EIO=4&transport=websocket' : '/ws';
    let client;
    let ready = false;
    const wrap = (raw) => {
      client ??= {
        kind,
        close: raw.close,
        raw: raw.send,
        send:
          kind === 'sockjs'
            ? (text) => raw.send(sockjsFrame(text))
            : kind === 'socketio'
              ? (text) => raw.send(`42${JSON.stringify(['subscribe', JSON.parse(text).data.channel])}`)
              : raw.send,
      };
      return client;
    };
    const markReady = () => {
      if (ready) return;
      ready = true;
      resolve(client);
    };
    // First byte of each message tells the framing apart: SockJS o/h/a/c, engine.io 0/2/4.
    const handlers = {
      sockjs: (buf) => (buf[0] === 0x61 ? scan(buf) : buf[0] === 0x6f ? markReady() : undefined),
      ws: (buf) => scan(buf),
      socketio: (buf) => {
        if (buf[0] === 0x34 && buf[1] === 0x32) scan(buf);
        else if (buf[0] === 0x30) client.raw('40');
        else if (buf[0] === 0x34 && buf[1] === 0x30) markReady();
        else if (buf[0] === 0x32 && buf.length === 1) client.raw('3');
      },
    };
    const handle = handlers[kind];
    const onText = (buf, raw) => {
      wrap(raw);
      handle(buf);
    };
    connectRaw({ host, port: Number(port), path, localAddress, onText, onError: countError }).then((raw) => {
      wrap(raw);
      if (kind === 'ws') markReady();
    }, reject);
  });
}

const xhrAgent = new http.Agent({ keepAlive: true, maxSockets: Infinity });

function openXhr(base, localAddress, resolve, reject) {
  const path = `/pushy/socket/${sessionPath()}`;
  const req = http.request(`${base}${path}/xhr_streaming`, { method: 'POST', agent: false, localAddress });
  const client = {
    kind: 'xhr',
    send: (text) => {
      const body = sockjsFrame(text);
      const send = http.request(`${base}${path}/xhr_send`, { method: 'POST', agent: xhrAgent, localAddress, headers: { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) } });
      send.on('response', (res) => res.resume());
      send.on('error', countError);
      send.end(body);
    },
    close: () => req.destroy(),
  };
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
        } else if (line[0] === 'a') scan(line);
      }
    });
  });
  req.end();
}

let offset = 0;

/** Opens `count` clients; their global indexes start at `first` (several loadgens share a run). */
async function connect({ kind, base, count, first = 0, localAddresses, concurrency = 200 }) {
  offset = first;
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const client = await open(kind, base, localAddresses[i % localAddresses.length]);
      client.index = offset + clients.length;
      clients.push(client);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return { connected: clients.length };
}

/** plan: [{ channel, from, to }] or { ownPrefix }: subscribes clients and waits for every ack. */
async function subscribe({ groups, ownPrefix, timeoutMs = 60000 }) {
  const before = acks;
  let expected = 0;
  for (const client of clients) {
    if (ownPrefix) {
      client.send(subscribeCommand(`${ownPrefix}${client.index}`));
      expected += 1;
    }
    for (const group of groups ?? []) {
      if (client.index >= group.from && client.index < group.to) {
        client.send(subscribeCommand(group.channel));
        expected += 1;
      }
    }
  }
  const started = Date.now();
  while (acks - before < expected) {
    if (Date.now() - started > timeoutMs) throw new Error(`only ${acks - before} of ${expected} subscriptions acknowledged`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return { subscribed: expected };
}

/** Waits until this loadgen's clients got what `expect` ([{ from, to, per }] by global index) says. */
function waitFor({ expect, timeoutMs }) {
  const first = offset;
  const last = offset + clients.length;
  let target = 0;
  for (const { from, to, per } of expect) target += Math.max(0, Math.min(to, last) - Math.max(from, first)) * per;
  return new Promise((resolve) => {
    const finish = () => resolve({ deliveries, target, lastDeliveryUs, timedOut: deliveries < target, errors: clientErrors });
    if (deliveries >= target) return finish();
    waiter = { target, resolve: finish, timer: setTimeout(() => ((waiter = undefined), finish()), timeoutMs) };
  });
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
