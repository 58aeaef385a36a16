/**
 * Shared by the baseline servers: the trigger route they all answer (same path and body as
 * Pushy's, no signature check: baselines only have to fan out) and the channel bookkeeping.
 */

const TRIGGER_PATH = /^\/pushy\/channel\/([^/]+)\/trigger/;

/** Reads a request body as text. */
export function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/**
 * An http request listener for `POST /pushy/channel/<ch>/trigger?event=<e>`: calls
 * `broadcast(channel, event, data)` and answers 201 like Pushy. Anything else: `fallback`.
 */
export function triggerHandler(broadcast, fallback) {
  return async (req, res) => {
    const match = req.method === 'POST' ? TRIGGER_PATH.exec(req.url) : null;
    if (!match) {
      if (fallback) return fallback(req, res);
      res.writeHead(404).end();
      return;
    }
    const url = new URL(req.url, 'http://x');
    const body = await readBody(req);
    const channel = decodeURIComponent(match[1]).toLowerCase();
    broadcast(channel, url.searchParams.get('event'), body === '' ? {} : JSON.parse(body));
    const answer = JSON.stringify({ status: { code: 201, message: 'Ok' } });
    res.writeHead(201, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(answer) });
    res.end(answer);
  };
}

/** channel -> set of subscribers, with removal on close. */
export class Channels {
  constructor() {
    this.map = new Map();
  }
  add(channel, sub) {
    let set = this.map.get(channel);
    if (!set) this.map.set(channel, (set = new Set()));
    set.add(sub);
  }
  removeAll(sub, channels) {
    for (const channel of channels) {
      const set = this.map.get(channel);
      if (!set) continue;
      set.delete(sub);
      if (set.size === 0) this.map.delete(channel);
    }
  }
  get(channel) {
    return this.map.get(channel);
  }
}

/** Pushy-style frame a baseline sends for an event. */
export function frame(event, channel, data) {
  return JSON.stringify({ event, channel, data });
}

/** Port from argv[2]; prints `listening <port>` once bound (the harness waits for it). */
export function listen(server) {
  const port = Number(process.argv[2] ?? 0);
  server.listen(port, '0.0.0.0', () => {
    process.stdout.write(`listening ${server.address().port}\n`);
  });
  process.on('SIGTERM', () => process.exit(0));
}
