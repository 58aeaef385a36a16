/** Sends benchmark events: signed through Pushy's real endpoint, plain to the baselines. */
import http from 'node:http';
import { signTrigger } from '../../dist/lib/signing.js';
import { nowUs } from './proc.mjs';

const PAD = 'x'.repeat(72);

/** Event data of ~100 bytes carrying the send time marker the loadgen reads. */
export function eventBody() {
  return JSON.stringify({ m: `@T${nowUs()}@`, pad: PAD });
}

/** A trigger function for one server: (channel, event) => Promise<status>. */
export function triggerer(base, secret, maxSockets = 8) {
  const agent = new http.Agent({ keepAlive: true, maxSockets });
  const send = (channel, event) => {
    const body = eventBody();
    // Signed with lib/signing.ts; the URL is put together by hand because URL/URLSearchParams
    // would cost the load generator more than the signature itself.
    const timestamp = Math.floor(Date.now() / 1000);
    const auth = secret ? signTrigger({ channel, event, timestamp, body, secretKey: secret }) : 'x';
    const url = `${base}/pushy/channel/${channel}/trigger?event=${event}&timestamp=${timestamp}&auth_key=${auth}`;
    return post(url, body);
  };
  const post = (url, body, retried = false) =>
    new Promise((resolve, reject) => {
      const req = http.request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } });
      req.on('response', (res) => {
        res.resume();
        res.on('end', () => (res.statusCode < 300 ? resolve(res.statusCode) : reject(new Error(`trigger answered ${res.statusCode}`))));
      });
      req.on('error', (error) => {
        // A kept-alive socket the server closed as idle (its keepAliveTimeout) just as it was
        // reused: send again once, as the Node docs advise.
        if (!retried && req.reusedSocket && error.code === 'ECONNRESET') resolve(post(url, body, true));
        else reject(error);
      });
      req.end(body);
    });
  send.close = () => agent.destroy();
  return send;
}

/** Runs `count` calls of `fn(i)` with at most `concurrency` in flight. */
export async function pool(count, concurrency, fn) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(count, concurrency) }, async () => {
      while (next < count) await fn(next++);
    }),
  );
}
