import { z } from 'zod';
import { DEFAULT_APP, channelKey } from '../apps/namespace.js';
import { verifyTrigger } from './auth.js';
import type { ChannelPolicy } from '../channels/channel-policy.js';
import type { HistoryStore } from '../history/history-store.js';
import type { RetentionPolicy } from '../history/retention.js';
import type { Logger } from '../logger.js';
import { sendJson } from '../http/respond.js';
import type { Route } from '../http/router.js';
import { channelFromPath, parseQuery } from '../http/params.js';

/** The event name a history request is signed with, like a trigger with an empty body. */
export const HISTORY_SIGNED_EVENT = 'pushy:history';

/** What the history endpoint needs. */
export interface HistoryRouteDeps {
  history: HistoryStore;
  retention: RetentionPolicy;
  logger: Logger;
  secretKey: string;
  timestampTolerance: number;
  /** Most events one request returns; a larger `limit` is capped to it. */
  maxLimit: number;
  /** The channel-name rule, as on the trigger. */
  policy: ChannelPolicy;
  /** Clock in ms (tests pass a fake one). */
  now?: () => number;
}

const integer = (what: string) => z.string().regex(/^\d{1,15}$/, `${what} must be a non-negative integer`);

const querySchema = z.object({
  since: integer('since').optional(),
  limit: integer('limit').optional(),
  timestamp: integer('timestamp'),
  auth_key: z.string().min(1).max(512),
});

/**
 * `GET /pushy/channel/<channel>/history?since=&limit=`: the retained events after `since`, for
 * backends and polling clients. Signed like a trigger of the event `pushy:history` with body `{}`.
 */
export function historyRoute(deps: HistoryRouteDeps): Route {
  const now = deps.now ?? Date.now;
  return {
    methods: ['GET'],
    path: /^\/pushy\/channel\/(?<channel>[^/]*)\/history\/?$/,
    async handle({ res, url, params }) {
      const channel = channelFromPath(params.channel, deps.policy);
      const query = parseQuery(querySchema, url.searchParams);
      verifyTrigger(
        deps.secretKey,
        deps.timestampTolerance,
        { channel, event: HISTORY_SIGNED_EVENT, timestamp: query.timestamp, authKey: query.auth_key, rawBody: '', parsedBody: {} },
        now(),
      );
      const since = Number(query.since ?? 0);
      const limit = Math.min(Number(query.limit ?? deps.maxLimit), deps.maxLimit);
      const read = await deps.history.read(channelKey(DEFAULT_APP, channel), deps.retention.resolve(channel), since, limit);
      deps.logger.debug('history read', { channel, since, events: read.events.length });
      sendJson(res, 200, { channel, offset: read.offset, epoch: read.epoch, complete: read.complete, events: read.events });
    },
  };
}
