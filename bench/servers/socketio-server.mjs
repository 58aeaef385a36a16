/**
 * Baseline: socket.io 4 (WebSocket transport only), rooms as channels, io.to(room).emit for a
 * trigger: the idiomatic socket.io broadcast.
 */
import http from 'node:http';
import { Server } from 'socket.io';
import { listen, triggerHandler } from './common.mjs';

let io;
const server = http.createServer(
  triggerHandler((channel, event, data) => {
    io.to(channel).emit(event, { channel, data });
  }),
);
io = new Server(server, { transports: ['websocket'], serveClient: false, perMessageDeflate: false });
io.on('connection', (socket) => {
  socket.on('subscribe', (channel) => {
    const name = String(channel).toLowerCase();
    socket.join(name);
    socket.emit('pushy:subscription-success', { channel: name });
  });
});
listen(server);
