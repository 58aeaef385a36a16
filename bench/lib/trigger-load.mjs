/**
 * Trigger throughput client, run as its own process: argv = baseUrl secret(or "-") count
 * concurrency [native|pusher]. Signs every request before the clock starts, then sends them over
 * keep-alive HTTP with `concurrency` requests in flight; prints JSON {count, elapsedUs, errors,
 * statuses}. `pusher`: the Pusher HTTP API's events endpoint of the default app, signed as the
 * Pusher SDKs sign (each body differs, so no two requests share a signature).
 */
import http from 'node:http';
import { triggerUrl } from '../../dist/lib/signing.js';
import { signRequest } from '../../dist/lib/signing/http-request-signature.js';

const [base, secret, countText, concurrencyText, mode = 'native'] = process.argv.slice(2);
const count = Number(countText);
const concurrency = Number(concurrencyText);
const nativeBody = JSON.stringify({ message: 'hello', n: 1 });
const timestamp = Math.floor(Date.now() / 1000);
const requests = Array.from({ length: count }, (_, i) => {
  const channel = `nobody-${i % 100}`;
  if (mode === 'pusher') {
    const body = JSON.stringify({ name: 'tick', channels: [channel], data: JSON.stringify({ message: 'hello', n: `${process.pid}-${i}` }) });
    const path = '/apps/default/events';
    const query = signRequest({ method: 'POST', path, query: { auth_key: 'default', auth_timestamp: String(timestamp), auth_version: '1.0' }, body, secret, bodyDigest: 'md5' });
    return { url: `${base}${path}?${new URLSearchParams(query).toString()}`, body };
  }
  const url =
    secret === '-'
      ? `${base}/pushy/channel/${channel}/trigger?event=tick&timestamp=${timestamp}&auth_key=x`
      : triggerUrl({ baseUrl: base, channel, event: 'tick', body: nativeBody, secretKey: secret, timestamp });
  return { url, body: nativeBody };
});
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
const statuses = {};
let errors = 0;
let next = 0;

function send({ url, body }) {
  return new Promise((resolve) => {
    const req = http.request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } });
    req.on('response', (res) => {
      statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
      res.resume();
      res.on('end', resolve);
    });
    req.on('error', () => {
      errors += 1;
      resolve();
    });
    req.end(body);
  });
}

const started = process.hrtime.bigint();
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (next < count) await send(requests[next++]);
  }),
);
const elapsedUs = Number((process.hrtime.bigint() - started) / 1000n);
agent.destroy();
process.stdout.write(JSON.stringify({ count, elapsedUs, errors, statuses }) + '\n');
