/**
 * Baseline: a naive `ws` broadcast server (ws.send(string) per subscriber per event), speaking
 * Pushy's subscribe command and frame shape without SockJS framing.
 */
import http from 'node:http';
import { WebSocketServer } from 'ws';
import { Channels, frame, listen, triggerHandler } from './common.mjs';

const channels = new Channels();
const server = http.createServer(
  triggerHandler((channel, event, data) => {
    const subs = channels.get(channel);
    if (!subs) return;
    const text = frame(event, channel, data);
    for (const ws of subs) ws.send(text);
  }),
);
const wss = new WebSocketServer({ server, path: '/ws', perMessageDeflate: false });
wss.on('connection', (ws) => {
  const mine = new Set();
  ws.send(frame('pushy:connect', undefined, { protocol: 'ws' }));
  ws.on('message', (raw) => {
    const msg = JSON.parse(raw.toString());
    if (msg.command !== 'subscribe') return;
    const channel = String(msg.data.channel).toLowerCase();
    mine.add(channel);
    channels.add(channel, ws);
    ws.send(frame('pushy:subscription-success', undefined, { channel }));
  });
  ws.on('close', () => channels.removeAll(ws, mine));
});
listen(server);
