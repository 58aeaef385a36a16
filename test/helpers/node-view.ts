import type { NodeView } from '../../lib/nodes/node-registry.js';

/** A node's view for registry tests: `total` connections, nothing else going on. */
export function testNodeView(nodeId: string, total = 0, startedAt = Date.now()): NodeView {
  return {
    nodeId,
    self: true,
    host: 'test-host',
    pid: 1234,
    startedAt,
    updatedAt: Date.now(),
    uptime: 0,
    broker: { ready: true, state: 'ready' },
    connections: { total, byTransport: { websocket: total }, opened: total },
    channels: { total: 0, byKind: {} },
    subscriptions: 0,
    presenceMembers: 0,
    events: { triggered: 0, delivered: 0 },
    frames: { in: 0, out: 0 },
    errors: { socket: {}, http: {} },
  };
}
