import { z } from 'zod';
import type { AppDirectory } from '../apps/app-directory.js';
import { channelKey } from '../apps/namespace.js';
import { appOfRequest } from './app-request.js';
import type { ChannelPolicy } from '../channels/channel-policy.js';
import type { HistoryRead, HistoryStore } from '../history/history-store.js';
import type { RetentionPolicy } from '../history/retention.js';
import type { Logger } from '../logger.js';
import type { SignaturePolicy } from '../signing/signature-policy.js';
import { jsonText } from '../raw-json.js';
import { sendJsonText } from '../http/respond.js';
import type { Route } from '../http/router.js';
import { channelFromPath } from '../http/params.js';
import { signedQuery } from './trigger-route.js';

/** What the history endpoint needs. */
export interface HistoryRouteDeps {
  history: HistoryStore;
  retention: RetentionPolicy;
  logger: Logger;
  /** Which signatures are taken (v3; v1/v2 while legacy is on). */
  signatures: SignaturePolicy;
  /** Most events one request returns; a larger `limit` is capped to it. */
  maxLimit: number;
  /** The channel-name rule, as on the trigger. */
  policy: ChannelPolicy;
  /** The apps: `/pushy/app/<id>/channel/<channel>/history` reads app `<id>`'s history, signed with its secrets. */
  apps: AppDirectory;
}

const integer = (what: string) => z.string().regex(/^\d{1,15}$/, `${what} must be a non-negative integer`);

const readHistoryQuery = signedQuery({
  since: integer('since').optional(),
  limit: integer('limit').optional(),
});

/**
 * `GET /pushy/channel/<channel>/history?since=&limit=`: the retained events after `since`, for
 * backends and polling clients. Signed with v3 (method GET and this path: never a trigger's
 * signature), or while legacy is on like a trigger of the event `pushy:history` with body `{}`.
 */
export function historyRoute(deps: HistoryRouteDeps): Route {
  return {
    methods: ['GET'],
    path: /^\/pushy(?:\/app\/(?<app>[^/]+))?\/channel\/(?<channel>[^/]*)\/history\/?$/,
    async handle({ res, url, params }) {
      const { app, scope } = appOfRequest(deps.apps, params.app);
      const channel = channelFromPath(params.channel, deps.policy);
      const { query, credentials } = readHistoryQuery(url.searchParams);
      const signed = deps.signatures.verifyHistory(channel, credentials, scope);
      const since = Number(query.since ?? 0);
      const limit = Math.min(Number(query.limit ?? deps.maxLimit), deps.maxLimit);
      const read = await deps.signatures.once(signed, () => deps.history.read(channelKey(app.id, channel), deps.retention.resolve(channel), { since, limit }));
      deps.logger.debug('history read', { channel, since, events: read.events.length });
      sendJsonText(res, 200, encodeHistory(channel, read));
    },
  };
}

/**
 * `{"channel","offset","epoch","complete","events":[{"offset","event","data","timestamp"}]}`, as
 * JSON.stringify would write it, each event's data spliced in as its stored JSON text.
 */
function encodeHistory(channel: string, read: HistoryRead): string {
  let events = '';
  for (const event of read.events) {
    const data = jsonText(event.data);
    events += `${events === '' ? '' : ','}{"offset":${event.offset},"event":${JSON.stringify(event.event)}`;
    events += `${data === undefined ? '' : `,"data":${data}`},"timestamp":${event.timestamp}}`;
  }
  const { offset, epoch, complete } = read;
  return `{"channel":${JSON.stringify(channel)},"offset":${offset},"epoch":${JSON.stringify(epoch)},"complete":${complete},"events":[${events}]}`;
}
