import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import type { ChannelManager } from '../channels/channel-manager.js';
import { PushyError } from '../errors.js';
import { readBody } from '../http/body.js';
import { checkJsonDepth } from '../json-depth.js';
import { sendJson } from '../http/respond.js';
import type { Route } from '../http/router.js';
import { channelFromPath, parseQuery } from '../http/trigger-route.js';
import type { Logger } from '../logger.js';
import { channelKind, channelNameSchema } from '../protocol.js';
import { signChannel } from '../signing.js';
import type { TrafficHistory } from './history.js';
import type { NodeList, NodeRegistry } from './node-registry.js';
import { connectionCounts, nodeView, type NodeViewDeps } from './snapshot.js';

/** What the admin API needs. */
export interface AdminApiDeps extends NodeViewDeps {
  channels: ChannelManager;
  history: TrafficHistory;
  /** This node's peers (just itself with the memory adapter). */
  nodes: NodeRegistry;
  logger: Logger;
  secretKey: string;
  sockjsPrefix: string;
  maxBodyBytes: number;
}

const statsQuery = z.object({ since: z.coerce.number().int().nonnegative().optional() });

const channelsQuery = z.object({
  prefix: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(5000).default(500),
});

const eventName = z
  .string()
  .min(1)
  .max(200)
  .refine((name) => !name.startsWith('pushy:'), 'event names starting with "pushy:" are reserved');

const triggerBody = z.object({
  channel: channelNameSchema,
  event: eventName,
  data: z.unknown().optional(),
  socketId: z.string().min(1).max(128).optional(),
});

const authBody = z.object({
  socketId: z.string().min(1).max(128),
  channel: channelNameSchema,
  /** Presence data, exactly the JSON text the console will send on subscribe. */
  data: z.string().max(4096).optional(),
});

/**
 * The admin JSON API under `/pushy/admin/api/`. Callers must already have passed the admin
 * credential check (see admin-routes.ts); these handlers only read and validate.
 */
export function adminApiRoutes(deps: AdminApiDeps): Route[] {
  const { channels } = deps;
  return [
    {
      methods: ['GET'],
      path: /^\/pushy\/admin\/api\/stats\/?$/,
      async handle({ res, url }) {
        const { since } = parseQuery(statsQuery, url.searchParams);
        const node = nodeView(deps);
        sendJson(res, 200, {
          node,
          cluster: clusterTotals(await deps.nodes.list(node)),
          sockjsPrefix: deps.sockjsPrefix,
          sampleIntervalMs: deps.history.intervalMs,
          history: deps.history.since(since),
        });
      },
    },
    {
      methods: ['GET'],
      path: /^\/pushy\/admin\/api\/connections\/?$/,
      handle({ res }) {
        sendJson(res, 200, connectionCounts(deps));
      },
    },
    {
      methods: ['GET'],
      path: /^\/pushy\/admin\/api\/nodes\/?$/,
      async handle({ res }) {
        sendJson(res, 200, await deps.nodes.list(nodeView(deps)));
      },
    },
    {
      methods: ['GET'],
      path: /^\/pushy\/admin\/api\/channels\/?$/,
      async handle({ res, url }) {
        const { prefix, limit } = parseQuery(channelsQuery, url.searchParams);
        const lowerPrefix = prefix?.toLowerCase() ?? '';
        const rows = channels
          .channelNames()
          .filter((name) => name.startsWith(lowerPrefix))
          .map((name) => ({ name, kind: channelKind(name), subscribers: channels.localSubscriberCount(name) }))
          .sort((a, b) => b.subscribers - a.subscribers || a.name.localeCompare(b.name));
        const shown = await Promise.all(
          rows.slice(0, limit).map(async (row) => (row.kind === 'public' ? row : { ...row, members: (await channels.members(row.name)).length })),
        );
        sendJson(res, 200, { total: rows.length, channels: shown });
      },
    },
    {
      methods: ['GET'],
      path: /^\/pushy\/admin\/api\/channels\/(?<channel>[^/]+)\/?$/,
      async handle({ res, params }) {
        const name = channelFromPath(params.channel);
        const subscribers = channels.localSubscriberCount(name);
        const kind = channelKind(name);
        const members = kind === 'public' ? [] : await channels.members(name);
        if (subscribers === 0 && members.length === 0) throw new PushyError('CHANNEL_NOT_FOUND');
        sendJson(res, 200, { name, kind, subscribers, members });
      },
    },
    {
      methods: ['POST'],
      path: /^\/pushy\/admin\/api\/trigger\/?$/,
      async handle({ req, res }) {
        const body = triggerBody.safeParse(await readJson(req, deps.maxBodyBytes));
        if (!body.success) throw invalid(body.error);
        const { channel, event, data, socketId } = body.data;
        const nodes = await channels.publish({ type: 'event', channel, event, data: data ?? {}, excludeSocketId: socketId });
        const code = nodes > 0 ? 201 : 200;
        deps.logger.info('admin trigger', { channel, event, delivered: nodes > 0 });
        sendJson(res, code, { status: { code, message: 'Ok' }, nodes });
      },
    },
    {
      methods: ['POST'],
      path: /^\/pushy\/admin\/api\/auth\/?$/,
      async handle({ req, res }) {
        const body = authBody.safeParse(await readJson(req, deps.maxBodyBytes));
        if (!body.success) throw invalid(body.error);
        const { socketId, channel, data } = body.data;
        sendJson(res, 200, { channel, auth: signChannel({ socketId, channel, presenceData: data, secretKey: deps.secretKey }) });
      },
    },
  ];
}

/** What the stats endpoint says about the whole cluster: sums over the live nodes. */
function clusterTotals(list: NodeList): Record<string, unknown> {
  const sum = (read: (node: NodeList['nodes'][number]) => number): number => list.nodes.reduce((total, node) => total + read(node), 0);
  return {
    adapter: list.adapter,
    ...(list.redis ? { redis: list.redis } : {}),
    nodes: list.nodes.length,
    connections: sum((node) => node.connections.total),
    subscriptions: sum((node) => node.subscriptions),
    events: { triggered: sum((node) => node.events.triggered), delivered: sum((node) => node.events.delivered) },
  };
}

/**
 * Reads a JSON body. Only `application/json` is taken: a cross-site page cannot send that
 * without a CORS preflight (which Pushy never grants), so a browser holding the admin
 * credential cannot be made to trigger events by another site.
 */
async function readJson(req: IncomingMessage, limit: number): Promise<unknown> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') throw new PushyError('UNSUPPORTED_MEDIA_TYPE', 'Send application/json');
  const raw = await readBody(req, limit);
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new PushyError('BAD_REQUEST', 'Body is not valid JSON');
  }
  checkJsonDepth(raw, 'Body');
  return value;
}

function invalid(error: z.ZodError): PushyError {
  const issue = error.issues[0];
  const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
  return new PushyError('BAD_REQUEST', `Invalid body: ${where}${issue?.message ?? 'invalid'}`);
}
