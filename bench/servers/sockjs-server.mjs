/**
 * Baseline: a plain `sockjs` broadcast server, written the way the sockjs README suggests
 * (conn.write per subscriber per event). Speaks Pushy's subscribe command and frame shape.
 */
import http from 'node:http';
import sockjs from 'sockjs';
import { Channels, frame, listen, triggerHandler } from './common.mjs';

const channels = new Channels();
const server = http.createServer(
  triggerHandler((channel, event, data) => {
    const subs = channels.get(channel);
    if (!subs) return;
    const text = frame(event, channel, data);
    for (const conn of subs) conn.write(text);
  }),
);
const echo = sockjs.createServer({ prefix: '/pushy/socket', log: () => {} });
echo.on('connection', (conn) => {
  if (!conn) return;
  const mine = new Set();
  conn.write(frame('pushy:connect', undefined, { socketId: conn.id, protocol: conn.protocol }));
  conn.on('data', (text) => {
    const msg = JSON.parse(text);
    if (msg.command !== 'subscribe') return;
    const channel = String(msg.data.channel).toLowerCase();
    mine.add(channel);
    channels.add(channel, conn);
    conn.write(frame('pushy:subscription-success', undefined, { channel }));
  });
  conn.on('close', () => channels.removeAll(conn, mine));
});
echo.installHandlers(server, { prefix: '/pushy/socket' });
listen(server);
