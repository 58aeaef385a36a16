/**
 * Baseline for trigger throughput: a bare Node http server that reads the body and answers 200
 * with a Pushy-shaped JSON body on any path.
 */
import http from 'node:http';
import { listen, readBody } from './common.mjs';

const answer = JSON.stringify({ status: { code: 200, message: 'Ok' } });
const server = http.createServer(async (req, res) => {
  await readBody(req);
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(answer) });
  res.end(answer);
});
listen(server);
