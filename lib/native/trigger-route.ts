import { z } from 'zod';
import { DEFAULT_APP, channelKey } from '../apps/namespace.js';
import { verifyTrigger } from './auth.js';
import type { ChannelManager } from '../channels/channel-manager.js';
import { eventNameSchema, type ChannelPolicy } from '../channels/channel-policy.js';
import { PushyError } from '../errors.js';
import type { IdempotencyStore } from '../history/idempotency-store.js';
import type { Logger } from '../logger.js';
import { parseEventBody, readBody } from '../http/body.js';
import { channelFromPath, parseQuery } from '../http/params.js';
import { sendOk } from '../http/respond.js';
import type { DrainGate } from '../http/drain-gate.js';
import type { Route, RouteContext } from '../http/router.js';

/** What the trigger endpoint needs. */
export interface TriggerRouteDeps {
  channels: ChannelManager;
  logger: Logger;
  secretKey: string;
  timestampTolerance: number;
  maxBodyBytes: number;
  /** Remembers `idempotency_key`s so that a retried trigger publishes once. */
  idempotency: IdempotencyStore;
  /** The channel-name rule. */
  policy: ChannelPolicy;
  /** Admits triggers until shutdown; refused ones get 503. */
  gate?: DrainGate;
  /** Clock in ms (tests pass a fake one). */
  now?: () => number;
}

const querySchema = z.object({
  event: eventNameSchema,
  timestamp: z.string().regex(/^\d{1,15}$/, 'timestamp must be an integer (unix seconds)'),
  auth_key: z.string().min(1).max(512),
  socket_id: z.string().min(1).max(128).optional(),
  idempotency_key: z.string().min(1).max(200).optional(),
});

/**
 * `POST /pushy/channel/<channel>/trigger`: a backend publishes an event, signed with the
 * secret key. 201 when the channel has subscribers somewhere, 200 when not.
 */
export function triggerRoute(deps: TriggerRouteDeps): Route {
  const now = deps.now ?? Date.now;
  return {
    methods: ['POST'],
    path: /^\/pushy\/channel\/(?<channel>[^/]*)\/trigger\/?$/,
    async handle(ctx) {
      if (deps.gate && !deps.gate.enter()) throw new PushyError('UNAVAILABLE', 'Server shutting down: trigger not accepted');
      try {
        await handleTrigger(ctx);
      } finally {
        deps.gate?.leave();
      }
    },
  };

  async function handleTrigger({ req, res, search, params }: RouteContext): Promise<void> {
    const channel = channelFromPath(params.channel, deps.policy);
    const query = parseQuery(querySchema, new URLSearchParams(search));
    const raw = await readBody(req, deps.maxBodyBytes);
    const data = parseEventBody(raw, req.headers['content-type']);
    verifyTrigger(
      deps.secretKey,
      deps.timestampTolerance,
      { channel, event: query.event, timestamp: query.timestamp, authKey: query.auth_key, rawBody: raw, parsedBody: data },
      now(),
    );
    const key = query.idempotency_key;
    // Keys are remembered per app and channel (this endpoint serves the default app).
    const scope = channelKey(DEFAULT_APP, channel);
    if (key !== undefined) {
      const claim = await deps.idempotency.claim(scope, key);
      if (!claim.first) {
        // A retry of a trigger already taken: the same success, and no second publish.
        const code = claim.status ?? 200;
        deps.logger.debug('trigger repeated', { channel, event: query.event });
        sendOk(res, code, { 'Idempotent-Replayed': 'true' });
        return;
      }
    }
    let nodes: number;
    try {
      nodes = await deps.channels.publish({ type: 'event', channel, event: query.event, data, excludeSocketId: query.socket_id });
    } catch (error) {
      // Not published, so a retry with this key must publish.
      if (key !== undefined) {
        await deps.idempotency.release(scope, key).catch((releaseError: unknown) => {
          deps.logger.error('releasing an idempotency key failed; a retry within 5 minutes will not publish', { channel, error: releaseError });
        });
      }
      throw error;
    }
    const code = nodes > 0 ? 201 : 200;
    if (key !== undefined) {
      await deps.idempotency.complete(scope, key, code).catch((error: unknown) => {
        // Published already: answer it; a repeat then answers 200 instead of this code.
        deps.logger.error('recording an idempotency key failed', { channel, error });
      });
    }
    deps.logger.debug('trigger', { channel, event: query.event, delivered: nodes > 0 });
    sendOk(res, code);
  }
}
