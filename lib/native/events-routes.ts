import { DEFAULT_APP, channelKey } from '../apps/namespace.js';
import type { ChannelManager } from '../channels/channel-manager.js';
import { PushyError, isPushyError } from '../errors.js';
import type { IdempotencyStore } from '../history/idempotency-store.js';
import { parseEventBody, readBody } from '../http/body.js';
import type { DrainGate } from '../http/drain-gate.js';
import { sendOk } from '../http/respond.js';
import type { Route, RouteContext } from '../http/router.js';
import type { Logger } from '../logger.js';
import type { TrustedTriggers } from '../network/trusted-triggers.js';
import { BATCH_EVENTS_PATH, EVENTS_PATH } from '../signing/events-v3.js';
import { TRUSTED, type SignaturePolicy, type SignedRequest } from '../signing/signature-policy.js';
import { parseBatchBody, parseEventsBody, type EventToPublish, type TriggerBodyLimits } from '../triggers/event-bodies.js';

/** What the multi-channel and batch trigger routes need. */
export interface EventsRoutesDeps {
  channels: ChannelManager;
  logger: Logger;
  signatures: SignaturePolicy;
  maxBodyBytes: number;
  /** `limits.maxTriggerChannels`, `limits.maxBatchEvents`, `limits.maxChannelNameLength`. */
  limits: TriggerBodyLimits;
  /** The same keys as the single trigger's: a key is remembered per channel. */
  idempotency: IdempotencyStore;
  /** Unsigned triggers from trusted networks (`trigger.trustedNetworks`). */
  trusted?: TrustedTriggers;
  gate?: DrainGate;
}

/** One publish of a request: an event to one channel. */
interface Delivery {
  item: EventToPublish;
  channel: string;
  /** The idempotency scope when the event has a key. */
  scope?: string;
}

/**
 * `POST /pushy/events` (one event to up to `limits.maxTriggerChannels` channels) and
 * `POST /pushy/batch_events` (up to `limits.maxBatchEvents` events), v3-signed. Each publish is
 * that of a single trigger: an `idempotency_key` is claimed per channel (a retry publishes only
 * to the channels not taken yet), `socket_id` is left out. 201 when any channel had subscribers
 * somewhere, 200 when none.
 */
export function eventsRoutes(deps: EventsRoutesDeps): Route[] {
  return [route(EVENTS_PATH, (body) => [parseEventsBody(body, deps.limits)]), route(BATCH_EVENTS_PATH, (body) => parseBatchBody(body, deps.limits))];

  function route(path: string, parse: (body: unknown) => EventToPublish[]): Route {
    return {
      methods: ['POST'],
      path: new RegExp(`^${path.replace(/[/]/g, '\\/')}\\/?$`),
      async handle(ctx) {
        if (deps.gate && !deps.gate.enter()) throw new PushyError('UNAVAILABLE', 'Server shutting down: trigger not accepted');
        try {
          await handle(ctx, path, parse);
        } catch (error) {
          if (isPushyError(error)) {
            // As for the single trigger: at debug, with the reason, never the query (it carries the signature).
            deps.logger.debug('trigger refused', { path, status: error.status, code: error.code, reason: error.message, remoteAddress: ctx.req.socket.remoteAddress });
          }
          throw error;
        } finally {
          deps.gate?.leave();
        }
      },
    };
  }

  async function handle({ req, res, search }: RouteContext, path: string, parse: (body: unknown) => EventToPublish[]): Promise<void> {
    const query = new URLSearchParams(search);
    const trusted = deps.trusted?.admits(req, query) ?? false;
    const raw = await readBody(req, deps.maxBodyBytes);
    const signed: SignedRequest = trusted ? TRUSTED : deps.signatures.verifyV3Only('POST', path, query, raw);
    // Parsed only once the signature holds: nobody unsigned gets the body's errors.
    const items = parse(parseEventBody(raw, req.headers['content-type']).value);
    const deliveries: Delivery[] = items.flatMap((item) =>
      item.channels.map((channel) => (item.idempotencyKey === undefined ? { item, channel } : { item, channel, scope: channelKey(DEFAULT_APP, channel) })),
    );
    let delivered = false;
    const claimed: Delivery[] = [];
    try {
      await deps.signatures.once(signed, async () => {
        for (const delivery of deliveries) {
          const { item, channel, scope } = delivery;
          if (scope !== undefined) {
            const claim = await deps.idempotency.claim(scope, item.idempotencyKey!);
            if (!claim.first) {
              // Taken by an earlier try of this request: not published again.
              if (claim.status === 201) delivered = true;
              continue;
            }
            claimed.push(delivery);
          }
          const nodes = await deps.channels.publish({ type: 'event', app: DEFAULT_APP, channel, event: item.event, data: item.data, excludeSocketId: item.socketId });
          if (nodes > 0) delivered = true;
          if (scope !== undefined) {
            claimed.pop();
            await deps.idempotency.complete(scope, item.idempotencyKey!, nodes > 0 ? 201 : 200).catch((error: unknown) => {
              deps.logger.error('recording an idempotency key failed', { channel, error });
            });
          }
        }
      });
    } catch (error) {
      // The key claimed for the publish that failed is given back, so that a retry publishes it.
      for (const { scope, item, channel } of claimed) {
        await deps.idempotency.release(scope!, item.idempotencyKey!).catch((releaseError: unknown) => {
          deps.logger.error('releasing an idempotency key failed; a retry within 5 minutes will not publish', { channel, error: releaseError });
        });
      }
      throw error;
    }
    deps.logger.debug('trigger', { path, events: items.length, publishes: deliveries.length, delivered });
    sendOk(res, delivered ? 201 : 200);
  }
}
