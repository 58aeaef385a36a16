import type { ChannelManager } from '../../channels/channel-manager.js';
import { PushyError } from '../../errors.js';
import { readBody } from '../../http/body.js';
import type { DrainGate } from '../../http/drain-gate.js';
import { sendJson, sendJsonText } from '../../http/respond.js';
import type { Route, RouteContext } from '../../http/router.js';
import type { Logger } from '../../logger.js';
import type { SignatureReplayStore } from '../../signing/replay-store.js';
import type { App } from '../../apps/app.js';
import type { VerifiedRequest } from '../../signing/http-request-signature.js';
import { checkJsonDepth } from '../../util/json-depth.js';
import { readCachedEvent, type CacheSource } from '../cache.js';
import { pusherEventData } from '../encoder.js';
import { pusherChannelKind, isPusherChannelName } from '../protocol.js';
import { findApiApp, onceApi, verifyApiRequest, type ApiApps } from './authenticate.js';
import type { ChannelCounts } from './channel-counts.js';
import { parseBatchBody, parseEventBody, parseInfo, type ApiEvent } from './event-body.js';
import { ApiRateLimiter, apiLimitsOf, type ApiLimits } from './limits.js';

/** What the Pusher HTTP API needs. */
export interface PusherApiDeps {
  /** The apps (the directory, or any lookup by id). */
  apps: ApiApps;
  channels: ChannelManager;
  counts: ChannelCounts;
  /** Where a `cache-` channel's last event is read from (`info=cache`), as its subscribers get it. */
  cache: CacheSource;
  /** Signatures already used, refused when sent again (the server's `replays`). */
  replays: SignatureReplayStore;
  logger: Logger;
  /** Admits publishes until shutdown; refused ones get 503. */
  gate?: DrainGate;
  /** Server clock, ms (tests: sinon fake timers replace `Date.now`). */
  now?: () => number;
}

/** Most bytes of a request body beside the event data: names, channels, ids, JSON punctuation. */
const BODY_OVERHEAD_BYTES = 32 * 1024;
/** A GET carries no body; a few bytes are read so that a stray one is refused by its md5. */
const GET_BODY_BYTES = 1024;

const APP = '(?<app>[A-Za-z0-9_.-]{1,64})';

/** The `{}` every success without attributes answers (the PHP SDK wants a 200 and JSON). */
const EMPTY = '{}';

/**
 * The Pusher HTTP API (../shared/PUSHER.md B) but the user routes: publish (`events`,
 * `batch_events`) and the channel queries, each signed as the Pusher SDKs sign.
 */
export function pusherApiRoutes(deps: PusherApiDeps): Route[] {
  const now = deps.now ?? (() => Date.now());
  const rates = new ApiRateLimiter(now);

  /** The app, its limits, the body and the verified parameters of a request; refusals thrown. */
  async function accept(ctx: RouteContext, maxBody: (limits: ApiLimits) => number): Promise<{ app: App; limits: ApiLimits; body: string; verified: VerifiedRequest }> {
    const app = findApiApp(deps.apps, ctx.params.app ?? '');
    const limits = apiLimitsOf(app);
    const body = await readBody(ctx.req, maxBody(limits));
    const method = ctx.req.method ?? 'GET';
    // The path as sent, not as URL parsing would rewrite it: that is what the SDKs sign.
    const target = ctx.req.url ?? '';
    const mark = target.indexOf('?');
    const path = mark === -1 ? target : target.slice(0, mark);
    const verified = verifyApiRequest(app, { method, path, query: new URLSearchParams(ctx.search), body }, now());
    // Counted once signed: requests nobody signed cannot use up the app's budget and lock its backend out.
    rates.take(app, limits.apiRequestsPerSecond);
    return { app, limits, body, verified };
  }

  /** Publishes each event to each of its channels; resolves with the attributes asked for. */
  async function publish(app: App, events: readonly ApiEvent[]): Promise<Array<Record<string, Record<string, number>> | undefined>> {
    if (deps.gate && !deps.gate.enter()) throw new PushyError('UNAVAILABLE', 'Server shutting down: event not accepted');
    try {
      await Promise.all(
        events.flatMap((event) =>
          event.channels.map((channel) =>
            // `data` stays the string the backend sent: the Pusher encoder sends it as is, the native one as a JSON string.
            deps.channels.publish({ type: 'event', app: app.id, channel, event: event.name, data: event.data, excludeSocketId: event.socketId }),
          ),
        ),
      );
    } finally {
      deps.gate?.leave();
    }
    return Promise.all(events.map((event) => (event.info.length === 0 ? undefined : eventInfo(app.id, event))));
  }

  /** `{channel: {user_count?, subscription_count?}}` of an event's channels, as asked. */
  async function eventInfo(appId: string, event: ApiEvent): Promise<Record<string, Record<string, number>>> {
    const presence = event.channels.filter((channel) => pusherChannelKind(channel).access === 'presence');
    const wantsUsers = event.info.includes('user_count');
    const [subscriptions, users] = await Promise.all([
      event.info.includes('subscription_count') ? deps.counts.subscriptions(appId) : undefined,
      wantsUsers ? deps.counts.userCounts(appId, presence) : undefined,
    ]);
    const answer: Record<string, Record<string, number>> = {};
    for (const channel of event.channels) {
      const attributes: Record<string, number> = {};
      const userIndex = presence.indexOf(channel);
      if (users && userIndex >= 0) attributes.user_count = users[userIndex]!;
      if (subscriptions) attributes.subscription_count = subscriptions.get(channel) ?? 0;
      answer[channel] = attributes;
    }
    return answer;
  }

  const eventsRoute: Route = {
    methods: ['POST'],
    path: new RegExp(`^/apps/${APP}/events$`),
    async handle(ctx) {
      const { app, limits, body, verified } = await accept(ctx, (l) => l.maxEventDataBytes + BODY_OVERHEAD_BYTES);
      const event = parseEventBody(parseJson(body), limits);
      const [info] = await onceApi(deps.replays, verified, deps.logger, () => publish(app, [event]));
      if (info) sendJson(ctx.res, 200, { channels: info });
      else sendJsonText(ctx.res, 200, EMPTY);
    },
  };

  const batchRoute: Route = {
    methods: ['POST'],
    path: new RegExp(`^/apps/${APP}/batch_events$`),
    async handle(ctx) {
      const { app, limits, body, verified } = await accept(ctx, (l) => (l.maxEventDataBytes + BODY_OVERHEAD_BYTES) * Math.max(1, l.maxBatchEvents));
      const events = parseBatchBody(parseJson(body), limits);
      const infos = await onceApi(deps.replays, verified, deps.logger, () => publish(app, events));
      if (infos.every((info) => info === undefined)) {
        sendJsonText(ctx.res, 200, EMPTY);
        return;
      }
      // Index-aligned; each entry the attributes of its event's one channel.
      sendJson(ctx.res, 200, { batch: infos.map((info, index) => info?.[events[index]!.channels[0]!] ?? {}) });
    },
  };

  const channelsRoute: Route = {
    methods: ['GET'],
    path: new RegExp(`^/apps/${APP}/channels$`),
    async handle(ctx) {
      const { app, verified } = await accept(ctx, () => GET_BODY_BYTES);
      const prefix = verified.params.filter_by_prefix ?? '';
      const info = parseInfo(verified.params.info, ['user_count', 'subscription_count']);
      if (info.includes('user_count') && !prefix.startsWith('presence-')) {
        throw new PushyError('BAD_REQUEST', 'info=user_count is only for presence channels: add filter_by_prefix=presence-');
      }
      const subscriptions = await deps.counts.subscriptions(app.id);
      const names = [...subscriptions.keys()].filter((name) => name.startsWith(prefix)).sort();
      const users = info.includes('user_count') ? await deps.counts.userCounts(app.id, names) : undefined;
      const channels: Record<string, Record<string, number>> = {};
      names.forEach((name, index) => {
        const attributes: Record<string, number> = {};
        if (users) attributes.user_count = users[index]!;
        if (info.includes('subscription_count')) attributes.subscription_count = subscriptions.get(name)!;
        channels[name] = attributes;
      });
      sendJson(ctx.res, 200, { channels });
    },
  };

  const channelRoute: Route = {
    methods: ['GET'],
    path: new RegExp(`^/apps/${APP}/channels/(?<channel>[^/]+)$`),
    async handle(ctx) {
      const { app, verified } = await accept(ctx, () => GET_BODY_BYTES);
      const channel = channelOfPath(ctx.params.channel);
      const kind = pusherChannelKind(channel);
      const info = parseInfo(verified.params.info, ['user_count', 'subscription_count', 'cache']);
      if (info.includes('user_count') && kind.access !== 'presence') throw new PushyError('BAD_REQUEST', 'info=user_count is only for presence channels');
      if (info.includes('cache') && !kind.cache) throw new PushyError('BAD_REQUEST', 'info=cache is only for cache channels');
      const [subscriptions, users, cached] = await Promise.all([
        deps.counts.subscriptions(app.id),
        kind.access === 'presence' ? deps.counts.userCounts(app.id, [channel]) : undefined,
        info.includes('cache') ? readCachedEvent(deps.cache, app.id, channel, now()) : undefined,
      ]);
      const subscriptionCount = subscriptions.get(channel) ?? 0;
      const userCount = users?.[0] ?? 0;
      const answer: Record<string, unknown> = { occupied: subscriptionCount > 0 || userCount > 0 };
      if (info.includes('user_count')) answer.user_count = userCount;
      if (info.includes('subscription_count')) answer.subscription_count = subscriptionCount;
      // As Pusher answers: the cached event's data string and its seconds left; no `cache` while nothing is cached.
      if (cached) answer.cache = { data: pusherEventData(cached.data) ?? '', ttl: cached.ttl };
      sendJson(ctx.res, 200, answer);
    },
  };

  const usersRoute: Route = {
    methods: ['GET'],
    path: new RegExp(`^/apps/${APP}/channels/(?<channel>[^/]+)/users$`),
    async handle(ctx) {
      const { app } = await accept(ctx, () => GET_BODY_BYTES);
      const channel = channelOfPath(ctx.params.channel);
      if (pusherChannelKind(channel).access !== 'presence') throw new PushyError('BAD_REQUEST', 'Users are listed for presence channels only');
      const ids = await deps.counts.users(app.id, channel);
      sendJson(ctx.res, 200, { users: ids.map((id) => ({ id })) });
    },
  };

  return [eventsRoute, batchRoute, channelsRoute, channelRoute, usersRoute];
}

/** A JSON body (400 when it is not JSON or nests too deeply). */
function parseJson(body: string): unknown {
  try {
    checkJsonDepth(body, 'Body');
    return JSON.parse(body);
  } catch (error) {
    if (error instanceof PushyError) throw error;
    throw new PushyError('BAD_REQUEST', 'Body is not valid JSON');
  }
}

/** The channel name of a path segment (400 when it is not one). */
function channelOfPath(encoded: string | undefined): string {
  let channel: string;
  try {
    channel = decodeURIComponent(encoded ?? '');
  } catch {
    throw new PushyError('BAD_REQUEST', 'Invalid channel name');
  }
  if (!isPusherChannelName(channel)) throw new PushyError('BAD_REQUEST', `Invalid channel name "${channel.slice(0, 200)}"`);
  return channel;
}
