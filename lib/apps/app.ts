import { z } from 'zod';

/**
 * The app model: one application served by Pushy, with its own keys, switches, limits and
 * webhooks. The zod schemas here are the one definition of what an app may contain; the config
 * file, the environment, the PostgreSQL store and (later) the admin API all parse through them.
 */

/** Most key/secret pairs one app may hold at once (rotation adds one, expiry frees them). */
export const MAX_KEYS_PER_APP = 10;
/** Most webhooks one app may have. */
export const MAX_WEBHOOKS_PER_APP = 10;

/**
 * The id and key of the native protocol's default app, the one the top-level `secretKey` signs
 * for. Reserved: no configured or stored app may use them.
 */
export const DEFAULT_APP_ID = 'default';
export const DEFAULT_APP_KEY = 'default';

/** Kinds of webhook event an app can subscribe a URL to (delivery comes with the server wiring). */
export const WEBHOOK_EVENT_KINDS = [
  'channel_occupied',
  'channel_vacated',
  'member_added',
  'member_removed',
  'client_event',
  'cache_miss',
  'subscription_count',
] as const;
export type WebhookEventKind = (typeof WEBHOOK_EVENT_KINDS)[number];

// Ids and keys travel in URL paths (`/app/<key>`, `/pushy/app/<id>/...`): a small safe alphabet.
// Pusher's numeric app ids and hex keys both fit.
const NAME_ALPHABET = /^[A-Za-z0-9_-]+$/;

/** An app id: 1 to 64 of `A-Z a-z 0-9 _ -` (Pusher's numeric ids included). */
export const appIdSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(64, 'must be at most 64 characters')
  .regex(NAME_ALPHABET, 'must contain only A-Z, a-z, 0-9, "_" and "-"')
  .refine((id) => id !== DEFAULT_APP_ID, `"${DEFAULT_APP_ID}" is reserved for the default app (secretKey)`);

/** An app key (public: clients name their app with it): 1 to 64 of `A-Z a-z 0-9 _ -`. */
export const appKeySchema = z
  .string()
  .min(1, 'must not be empty')
  .max(64, 'must be at most 64 characters')
  .regex(NAME_ALPHABET, 'must contain only A-Z, a-z, 0-9, "_" and "-"')
  .refine((key) => key !== DEFAULT_APP_KEY, `"${DEFAULT_APP_KEY}" is reserved for the default app (secretKey)`);

/**
 * An app secret: the HMAC key backends sign with. Printable ASCII without spaces, so that a
 * stray newline or space from an env file is refused here rather than failing every signature.
 */
export const appSecretSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(256, 'must be at most 256 characters')
  .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces');

/** An instant, as ISO 8601 text with a time zone (`2026-01-31T12:00:00Z`). */
const instantSchema = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time with a time zone' });

/** One key/secret pair; `expiresAt`: refused from that instant on (set by rotation). */
export const appKeyPairSchema = z.strictObject({
  key: appKeySchema,
  secret: appSecretSchema,
  expiresAt: instantSchema.optional(),
});

const count = z.number().int('must be an integer').min(0, 'must not be negative').max(Number.MAX_SAFE_INTEGER);

/**
 * Per-app overrides of the global `limits.*` (absent: the global value applies). The names
 * match `lib/config.ts` where a global limit exists; the two rates are per app only.
 */
export const appLimitsSchema = z.strictObject({
  /** Most channels one connection of this app may be subscribed to (global `limits.maxChannelsPerConnection`). */
  maxChannelsPerConnection: count.optional(),
  /** Most members on one presence channel of this app (global `limits.maxPresenceMembers`). */
  maxPresenceMembers: count.optional(),
  /** Largest client frame, and so client event payload, in bytes (global `limits.maxFrameBytes`). */
  maxFrameBytes: count.optional(),
  /** Largest trigger body, and so backend event payload, in bytes (global `limits.maxTriggerBodyBytes`). */
  maxTriggerBodyBytes: count.optional(),
  /** Events per second this app's backends may trigger, on each node. */
  backendEventsPerSecond: count.optional(),
  /** Client events per second one connection of this app may send. */
  clientEventsPerSecond: count.optional(),
  /** Pusher HTTP API: largest event `data`, in bytes (default 10240, Pusher's). */
  maxEventDataBytes: count.optional(),
  /** Pusher HTTP API: most channels one event goes to (default 100). */
  maxEventChannels: count.optional(),
  /** Pusher HTTP API: most events in one `batch_events` request (default 10). */
  maxBatchEvents: count.optional(),
  /** Pusher HTTP API: longest event name, in characters (default 200). */
  maxEventNameLength: count.optional(),
  /** Pusher HTTP API: requests per second this app's backends may make, on each node (default 10000). */
  apiRequestsPerSecond: count.optional(),
});
export type AppLimits = z.infer<typeof appLimitsSchema>;

// Header names are RFC 9110 tokens; values may not carry CR, LF or NUL (no header injection).
const headerName = z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/, 'must be an HTTP header name');
const headerValue = z.string().max(1000, 'must be at most 1000 characters').regex(/^[^\r\n\0]*$/, 'must not contain line breaks');

const webhookUrl = z
  .string()
  .max(2048, 'must be at most 2048 characters')
  .refine((text) => URL.canParse(text) && /^https?:$/.test(new URL(text).protocol), 'must be an http:// or https:// URL');

/** One webhook: where to POST, which kinds of event, extra headers, which channels. */
export const appWebhookSchema = z.strictObject({
  url: webhookUrl,
  /** Kinds sent to this URL; absent: all of them. */
  events: z.array(z.enum(WEBHOOK_EVENT_KINDS)).min(1, 'must name at least one kind (or be left out for all)').max(WEBHOOK_EVENT_KINDS.length).optional(),
  headers: z
    .record(headerName, headerValue)
    .refine((headers) => Object.keys(headers).length <= 20, 'must have at most 20 headers')
    .optional(),
  /** Only channels whose name starts and/or ends so. */
  filter: z
    .strictObject({
      channelPrefix: z.string().min(1).max(200).optional(),
      channelSuffix: z.string().min(1).max(200).optional(),
    })
    .optional(),
});
export type AppWebhook = z.infer<typeof appWebhookSchema>;

/** The settings of an app besides its id and keys, all with defaults. */
const settingsShape = {
  name: z.string().min(1, 'must not be empty').max(200, 'must be at most 200 characters').optional(),
  enabled: z.boolean().optional(),
  enableClientEvents: z.boolean().optional(),
  enableUserAuthentication: z.boolean().optional(),
  /** Pusher clients get `pusher_internal:subscription_count` on their non-presence channels (the cluster's count). */
  enableSubscriptionCount: z.boolean().optional(),
  /** Signed-in Pusher sockets are tracked online, and get `pusher_internal:watchlist_events` for their sign-in's `watchlist`. */
  enableWatchlistEvents: z.boolean().optional(),
  /** Most open connections of this app on one node; absent: only the node's `limits.maxConnections`. */
  maxConnections: count.optional(),
  limits: appLimitsSchema.optional(),
  webhooks: z.array(appWebhookSchema).max(MAX_WEBHOOKS_PER_APP, `must have at most ${MAX_WEBHOOKS_PER_APP} webhooks`).optional(),
};

/**
 * An app as written in the config file or the environment: `key` and `secret` for one pair, or
 * `keys` for several (one of the two forms).
 */
export const appInputSchema = z
  .strictObject({
    id: appIdSchema,
    key: appKeySchema.optional(),
    secret: appSecretSchema.optional(),
    keys: z.array(appKeyPairSchema).min(1, 'must have at least one pair').max(MAX_KEYS_PER_APP, `must have at most ${MAX_KEYS_PER_APP} pairs`).optional(),
    ...settingsShape,
  })
  .superRefine((input, ctx) => {
    const shorthand = input.key !== undefined || input.secret !== undefined;
    if (shorthand && input.keys !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['keys'], message: 'give either "key" and "secret", or "keys", not both' });
    } else if (!shorthand && input.keys === undefined) {
      ctx.addIssue({ code: 'custom', path: ['key'], message: 'an app needs "key" and "secret" (or "keys")' });
    } else if (shorthand && (input.key === undefined || input.secret === undefined)) {
      ctx.addIssue({ code: 'custom', path: [input.key === undefined ? 'key' : 'secret'], message: '"key" and "secret" go together' });
    }
    const keys = input.keys?.map((pair) => pair.key) ?? [];
    const repeated = keys.find((key, index) => keys.indexOf(key) !== index);
    if (repeated !== undefined) ctx.addIssue({ code: 'custom', path: ['keys'], message: `key "${repeated}" appears twice` });
  })
  .transform((input): App => toApp(input));
export type AppInput = z.input<typeof appInputSchema>;

/** What creating an app may give; anything left out is generated (id, key, secret) or defaulted. */
export const appCreateSchema = z.strictObject({
  id: appIdSchema.optional(),
  key: appKeySchema.optional(),
  secret: appSecretSchema.optional(),
  ...settingsShape,
});
export type AppCreateInput = z.input<typeof appCreateSchema>;

/** A change of settings; `maxConnections: null` removes the app's own connection limit. */
export const appUpdateSchema = z
  .strictObject({ ...settingsShape, maxConnections: count.nullable().optional() })
  .refine((patch) => Object.keys(patch).length > 0, 'nothing to update');
export type AppUpdate = z.input<typeof appUpdateSchema>;

/** One key/secret pair of an app. */
export interface AppKey {
  readonly key: string;
  readonly secret: string;
  /** ISO 8601; the pair is refused from this instant on. Absent: it never expires. */
  readonly expiresAt?: string;
}

/** An app, normalised: every default applied, keys always as a list. Frozen when it comes from a store. */
export interface App {
  readonly id: string;
  readonly name: string;
  readonly enabled: boolean;
  readonly enableClientEvents: boolean;
  readonly enableUserAuthentication: boolean;
  /** Pusher subscription counts are sent (absent: not). */
  readonly enableSubscriptionCount?: boolean;
  /** Pusher watchlist events are sent (absent: not; signed-in sockets are then not tracked online). */
  readonly enableWatchlistEvents?: boolean;
  /** Most open connections of this app on one node; absent: only the node's limit. */
  readonly maxConnections?: number;
  readonly limits: Readonly<AppLimits>;
  readonly webhooks: readonly AppWebhook[];
  /** At least one; the newest last. */
  readonly keys: readonly AppKey[];
}

/** The settings part of {@link App} (what {@link appUpdateSchema} may change). */
export type AppSettings = Omit<App, 'id' | 'keys'>;

/** Builds a normalised app from parsed input, applying every default in one place. */
export function toApp(input: {
  id: string;
  key?: string;
  secret?: string;
  keys?: readonly AppKey[];
  name?: string;
  enabled?: boolean;
  enableClientEvents?: boolean;
  enableUserAuthentication?: boolean;
  enableSubscriptionCount?: boolean;
  enableWatchlistEvents?: boolean;
  maxConnections?: number | null;
  limits?: Readonly<AppLimits>;
  webhooks?: readonly AppWebhook[];
}): App {
  const keys = input.keys ?? [{ key: input.key ?? '', secret: input.secret ?? '' }];
  const app: { -readonly [K in keyof App]: App[K] } = {
    id: input.id,
    name: input.name ?? input.id,
    enabled: input.enabled ?? true,
    enableClientEvents: input.enableClientEvents ?? false,
    enableUserAuthentication: input.enableUserAuthentication ?? false,
    limits: input.limits ?? {},
    webhooks: input.webhooks ?? [],
    keys: keys.map((pair) => (pair.expiresAt === undefined ? { key: pair.key, secret: pair.secret } : { key: pair.key, secret: pair.secret, expiresAt: pair.expiresAt })),
  };
  if (input.maxConnections !== undefined && input.maxConnections !== null) app.maxConnections = input.maxConnections;
  // Only when on, so that apps without it look as they did.
  if (input.enableSubscriptionCount === true) app.enableSubscriptionCount = true;
  if (input.enableWatchlistEvents === true) app.enableWatchlistEvents = true;
  return app;
}

/** Freezes an app and everything in it, so a cached app cannot be changed by whoever reads it. */
export function freezeApp(app: App): App {
  const freeze = (value: unknown): void => {
    if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return;
    Object.freeze(value);
    for (const inner of Object.values(value)) freeze(inner);
  };
  freeze(app);
  return app;
}

/** An app without its secrets, for listings and logs. */
export type RedactedApp = Omit<App, 'keys'> & { readonly keys: ReadonlyArray<Omit<AppKey, 'secret'>> };

/** Drops every secret of an app (for listings, the CLI and logs). */
export function redactApp(app: App): RedactedApp {
  return { ...app, keys: app.keys.map(({ secret: _secret, ...pair }) => pair) };
}

/** `keys.1.secret: must not be empty`: the first issue of a failed parse, with where it is. */
export function describeIssue(error: z.ZodError, prefix = ''): string {
  const issue = error.issues[0];
  if (!issue) return `${prefix || 'value'}: invalid`;
  const path = issue.path.map((part) => (typeof part === 'number' ? `[${part}]` : `.${String(part)}`)).join('');
  const where = `${prefix}${path}`.replace(/^\./, '');
  // A refused record key carries the reason inside ("Invalid key in record" says nothing).
  const inner = 'issues' in issue && Array.isArray(issue.issues) ? (issue.issues[0] as { message?: unknown } | undefined)?.message : undefined;
  const message = typeof inner === 'string' ? inner : issue.message;
  return where ? `${where}: ${message}` : message;
}
