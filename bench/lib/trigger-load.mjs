/**
 * Trigger throughput client, run as its own process: argv = baseUrl secret(or "-") count
 * concurrency. Signs every request before the clock starts, then sends them over keep-alive
 * HTTP with `concurrency` requests in flight; prints JSON {count, elapsedUs, errors, statuses}.
 */
import http from 'node:http';
import { triggerUrl } from '../../dist/lib/signing.js';

const [base, secret, countText, concurrencyText] = process.argv.slice(2);
const count = Number(countText);
const concurrency = Number(concurrencyText);
const body = JSON.stringify({ message: 'hello', n: 1 });
const timestamp = Math.floor(Date.now() / 1000);
const urls = Array.from({ length: count }, (_, i) => {
  const channel = `nobody-${i % 100}`;
  return secret === '-'
    ? `${base}/pushy/channel/${channel}/trigger?event=tick&timestamp=${timestamp}&auth_key=x`
    : triggerUrl({ baseUrl: base, channel, event: 'tick', body, secretKey: secret, timestamp });
});
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
const statuses = {};
let errors = 0;
let next = 0;

function send(url) {
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
    while (next < count) await send(urls[next++]);
  }),
);
const elapsedUs = Number((process.hrtime.bigint() - started) / 1000n);
agent.destroy();
process.stdout.write(JSON.stringify({ count, elapsedUs, errors, statuses }) + '\n');
