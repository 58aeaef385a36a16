import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import type { ChannelManager } from '../channels/channel-manager.js';
import { channelKind, eventNameSchema, type ChannelPolicy } from '../channels/channel-policy.js';
import { PushyError } from '../errors.js';
import { readBody } from '../http/body.js';
import { checkJsonDepth } from '../util/json-depth.js';
import { sendJson } from '../http/respond.js';
import type { Route } from '../http/router.js';
import { channelFromPath, parseQuery } from '../http/params.js';
import type { Logger } from '../logger.js';
import { socketIdSchema } from '../util/socket-id.js';
import { signChannelV3 } from '../signing.js';
import { describeIssue } from '../util/zod-issue.js';
import { clusterTotals, memberCountsIfUp } from './cluster-view.js';
import type { TrafficHistory } from './traffic-samples.js';
import type { NodeRegistry } from '../nodes/node-registry.js';
import { connectionCounts, nodeView, type NodeViewDeps } from './snapshot.js';

/** What the admin API needs. */
export interface AdminApiDeps extends NodeViewDeps {
  channels: ChannelManager;
  /** The channel-name rule, as on the trigger. */
  policy: ChannelPolicy;
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

const triggerBody = (policy: ChannelPolicy) =>
  z.object({
    channel: policy.channelName,
    event: eventNameSchema,
    data: z.unknown().optional(),
    socketId: socketIdSchema.optional(),
  });

const authBody = (policy: ChannelPolicy) =>
  z.object({
    // Strictly the server's own id form: anything else could shift into the signed channel name.
    socketId: socketIdSchema,
    channel: policy.channelName,
    /** Presence data, exactly the JSON text the console will send on subscribe. */
    data: z.string().max(4096).optional(),
  });

/**
 * The admin JSON API under `/pushy/admin/api/`. Callers must already have passed the admin
 * credential check (see admin-routes.ts); these handlers only read and validate. Stats, channels
 * and channel details count the whole cluster (peers as of their last heartbeat); the node list
 * gives each node's own counts.
 */
export function adminApiRoutes(deps: AdminApiDeps): Route[] {
  const { channels, policy } = deps;
  const countMembers = (channelNames: readonly string[]): Promise<number[]> => channels.memberCounts(channelNames);
  const trigger = triggerBody(policy);
  const auth = authBody(policy);
  return [
    {
      methods: ['GET'],
      path: /^\/pushy\/admin\/api\/stats\/?$/,
      async handle({ res, url }) {
        const { since } = parseQuery(statsQuery, url.searchParams);
        const node = nodeView(deps);
        const [list, clusterChannels] = await Promise.all([deps.nodes.list(node), deps.nodes.channels(channels.localSubscriberCounts())]);
        sendJson(res, 200, {
          node,
          cluster: await clusterTotals(list, clusterChannels, countMembers),
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
        const { subscribers } = await deps.nodes.channels(channels.localSubscriberCounts());
        const rows = [...subscribers]
          .filter(([name]) => name.startsWith(lowerPrefix))
          .map(([name, count]) => ({ name, kind: channelKind(name), subscribers: count }))
          .sort((a, b) => b.subscribers - a.subscribers || a.name.localeCompare(b.name));
        const shown: Array<(typeof rows)[number] & { members?: number }> = rows.slice(0, limit);
        const withMembers = shown.filter((row) => row.kind === 'presence');
        // While Redis is away the member counts are unknown: the rows go without them.
        const counts = await memberCountsIfUp(countMembers, withMembers.map((row) => row.name));
        if (counts) withMembers.forEach((row, i) => (row.members = counts[i]!));
        sendJson(res, 200, { total: rows.length, channels: shown });
      },
    },
    {
      methods: ['GET'],
      path: /^\/pushy\/admin\/api\/channels\/(?<channel>[^/]+)\/?$/,
      async handle({ res, params }) {
        const name = channelFromPath(params.channel, policy);
        const subscribers = (await deps.nodes.channels(channels.localSubscriberCounts())).subscribers.get(name) ?? 0;
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
        const body = trigger.safeParse(await readJson(req, deps.maxBodyBytes));
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
        const body = auth.safeParse(await readJson(req, deps.maxBodyBytes));
        if (!body.success) throw invalid(body.error);
        const { socketId, channel, data } = body.data;
        // v3: this server takes it whether or not signing.legacy is on.
        sendJson(res, 200, { channel, auth: signChannelV3({ socketId, channel, presenceData: data, secretKey: deps.secretKey }) });
      },
    },
  ];
}

/**
 * Reads a JSON body. Only `application/json` is taken: a cross-site page cannot send that
 * without a CORS preflight (which Pushy never grants), so a browser holding the admin
 * credential cannot be made to trigger events by another site.
 */
export async function readJson(req: IncomingMessage, limit: number): Promise<unknown> {
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
  return new PushyError('BAD_REQUEST', `Invalid body: ${describeIssue(error)}`);
}
