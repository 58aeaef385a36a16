import { z } from 'zod';
import type { AppDirectory } from '../apps/app-directory.js';
import { channelKey } from '../apps/namespace.js';
import type { ChannelManager } from '../channels/channel-manager.js';
import { eventNameSchema, type ChannelPolicy } from '../channels/channel-policy.js';
import { PushyError, isPushyError } from '../errors.js';
import type { IdempotencyStore } from '../history/idempotency-store.js';
import type { Logger } from '../logger.js';
import { parseEventBody, readBody } from '../http/body.js';
import { channelFromPath, parseQuery } from '../http/params.js';
import { sendOk } from '../http/respond.js';
import type { DrainGate } from '../http/drain-gate.js';
import type { Route, RouteContext } from '../http/router.js';
import { RawJson } from '../raw-json.js';
import { SignaturePolicy, TRUSTED, type RequestCredentials } from '../signing/signature-policy.js';
import type { TrustedTriggers } from '../network/trusted-triggers.js';
import { socketIdSchema } from './protocol.js';
import { BackendRates, appOfRequest } from './app-request.js';
import type { AppCounters } from '../stats/app-counters.js';

/** What the trigger endpoint needs. */
export interface TriggerRouteDeps {
  channels: ChannelManager;
  logger: Logger;
  /** Which signatures are taken (v3; v1/v2 while legacy is on). */
  signatures: SignaturePolicy;
  maxBodyBytes: number;
  /** Remembers `idempotency_key`s so that a retried trigger publishes once. */
  idempotency: IdempotencyStore;
  /** The channel-name rule. */
  policy: ChannelPolicy;
  /** Admits triggers until shutdown; refused ones get 503. */
  gate?: DrainGate;
  /** The apps: `/pushy/app/<id>/channel/<channel>/trigger` publishes in app `<id>`, signed with its secrets. */
  apps: AppDirectory;
  /** Each app's `limits.backendEventsPerSecond` (default: a set of this route's own). */
  rates?: BackendRates;
  /** Per-app counts: events published, refusals of the app's rate. */
  counters?: AppCounters;
  /** Unsigned triggers from trusted networks (`trigger.trustedNetworks`). */
  trusted?: TrustedTriggers;
}

/** What a trigger's query says besides its signature. */
const triggerFields = {
  event: eventNameSchema,
  socket_id: socketIdSchema.optional(),
  idempotency_key: z.string().min(1).max(200).optional(),
};

/** The `timestamp` and `auth_key` of a v1/v2 request (a trigger or a history read). */
const legacyAuthSchema = z.object({
  timestamp: z.string().regex(/^\d{1,15}$/, 'timestamp must be an integer (unix seconds)'),
  auth_key: z.string().min(1).max(512),
});

/**
 * A reader of a signed request's query, built once per route from the route's own `fields`. A
 * query with `auth_signature` is v3: the signature check reads its `auth_*` parameters (and checks
 * every parameter). Any other is v1/v2: `timestamp` and `auth_key` are read here too.
 */
export function signedQuery<F extends z.ZodRawShape>(fields: F): (search: URLSearchParams) => { query: z.output<z.ZodObject<F>>; credentials: RequestCredentials } {
  const schema = z.object(fields);
  // v1/v2: the route's fields and the credentials in one pass (fields first, as before, so the
  // first problem named is the same).
  const legacySchema = z.object({ ...fields, ...legacyAuthSchema.shape });
  return (search) => {
    if (SignaturePolicy.isV3(search)) return { query: parseQuery(schema, search), credentials: { form: 'v3', query: search } };
    const parsed = parseQuery(legacySchema, search) as z.output<z.ZodObject<F>> & z.output<typeof legacyAuthSchema>;
    return { query: parsed, credentials: { form: 'legacy', timestamp: parsed.timestamp, authKey: parsed.auth_key } };
  };
}

const readTriggerQuery = signedQuery(triggerFields);
const readUnsignedQuery = z.object(triggerFields);

/**
 * `POST /pushy/channel/<channel>/trigger` (the default app, signed with the secret key) and
 * `POST /pushy/app/<id>/channel/<channel>/trigger` (app `<id>`, signed with one of its live
 * secrets): a backend publishes an event. 201 when the channel has subscribers somewhere, 200
 * when not.
 */
export function triggerRoute(deps: TriggerRouteDeps): Route {
  const rates = deps.rates ?? new BackendRates();
  return {
    methods: ['POST'],
    path: /^\/pushy(?:\/app\/(?<app>[^/]+))?\/channel\/(?<channel>[^/]*)\/trigger\/?$/,
    async handle(ctx) {
      if (deps.gate && !deps.gate.enter()) throw new PushyError('UNAVAILABLE', 'Server shutting down: trigger not accepted');
      try {
        await handleTrigger(ctx);
      } catch (error) {
        if (isPushyError(error)) logRefusal(ctx, error);
        throw error;
      } finally {
        deps.gate?.leave();
      }
    },
  };

  /**
   * A refused trigger (bad signature, old timestamp, wrong content type...) is the backend's
   * problem to fix, so it is logged with the reason, at debug: a flood of them must not fill
   * the log by default. Never the query: it carries the signature.
   */
  function logRefusal({ req, params }: RouteContext, error: PushyError): void {
    deps.logger.debug('trigger refused', {
      app: (params.app ?? '').slice(0, 100) || undefined,
      channel: (params.channel ?? '').slice(0, 200),
      status: error.status,
      code: error.code,
      reason: error.message,
      remoteAddress: req.socket.remoteAddress,
    });
  }

  async function handleTrigger({ req, res, search, params }: RouteContext): Promise<void> {
    const { app, scope: signingScope } = appOfRequest(deps.apps, params.app);
    const channel = channelFromPath(params.channel, deps.policy);
    const searchParams = new URLSearchParams(search);
    const trusted = deps.trusted?.admits(req, searchParams) ?? false;
    const { query, credentials } = trusted ? { query: parseQuery(readUnsignedQuery, searchParams), credentials: undefined } : readTriggerQuery(searchParams);
    const raw = await readBody(req, app.limits.maxTriggerBodyBytes ?? deps.maxBodyBytes);
    const body = parseEventBody(raw, req.headers['content-type']);
    const signed =
      credentials === undefined ? TRUSTED : deps.signatures.verifyTrigger({ channel, event: query.event, credentials, rawBody: raw, parsedBody: body.value, scope: signingScope });
    // After the signature: only the app's own backends use up its allowance.
    try {
      rates.take(app);
    } catch (error) {
      deps.counters?.refusal(app.id, 'APP_RATE_LIMITED');
      throw error;
    }
    // What was signed is delivered: the JSON text as sent when that was signed, else (v1 signed
    // JSON.stringify of the parsed body, a form is no JSON) the parsed value.
    const data = signed.rawBody && body.json !== undefined ? new RawJson(body.json) : body.value;
    const key = query.idempotency_key;
    // Keys are remembered per app and channel.
    const scope = channelKey(app.id, channel);
    if (key !== undefined) {
      // Before the replay check: a v3 request sent again with its key is a retry, answered below.
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
      nodes = await deps.signatures.once(signed, () =>
        deps.channels.publish({ type: 'event', app: app.id, channel, event: query.event, data, excludeSocketId: query.socket_id }),
      );
    } catch (error) {
      // Not published (a replay refused, or the publish failed), so a retry with this key must publish.
      if (key !== undefined) {
        await deps.idempotency.release(scope, key).catch((releaseError: unknown) => {
          deps.logger.error('releasing an idempotency key failed; a retry within 5 minutes will not publish', { channel, error: releaseError });
        });
      }
      throw error;
    }
    deps.counters?.message(app.id);
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
