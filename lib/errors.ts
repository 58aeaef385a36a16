/**
 * The error catalogue: every refusal Pushy can send, with its wire code, HTTP status and
 * default message. The key is the error's stable `name`, sent beside the code (several causes
 * share a code, e.g. 429): `{"code": "429", "name": "RATE_LIMITED", "message": ...}`. Handlers
 * throw {@link PushyError}; only the command dispatcher turns one into a `pushy:error` frame and
 * only the HTTP layer into a JSON error body. The README's error table lists every entry (a test
 * keeps the two in step).
 */
export const ERRORS = {
  BOGUS_FRAME: { code: '100', status: 400, message: 'Bogus frame: expected a JSON object with a string "command"' },
  UNKNOWN_COMMAND: { code: '200', status: 400, message: 'Unknown command' },
  INVALID_CHANNEL: { code: '300', status: 400, message: 'No channel or invalid channel name' },
  INVALID_DATA: { code: '400', status: 400, message: 'Invalid command data' },
  NOT_SUBSCRIBED: { code: '403', status: 403, message: 'Not subscribed to this channel' },
  CHANNEL_NOT_FOUND: { code: '404', status: 404, message: 'Channel not found' },
  FRAME_TOO_LARGE: { code: '413', status: 413, message: 'Frame too large' },
  RATE_LIMITED: { code: '429', status: 429, message: 'Too many frames' },
  TOO_MANY_SUBSCRIPTIONS: { code: '429', status: 429, message: 'Too many subscriptions on this connection' },
  TOO_MANY_QUEUED_FRAMES: { code: '429', status: 429, message: 'Too many frames waiting to be handled' },
  PRESENCE_DATA_TOO_LARGE: { code: '413', status: 413, message: 'Presence data too large' },
  PRESENCE_CHANNEL_FULL: { code: '429', status: 429, message: 'Presence channel is full' },
  ALREADY_SUBSCRIBED: { code: '400', status: 400, message: 'Already subscribed to this channel' },
  PRESENCE_DATA_REQUIRED: { code: '400', status: 400, message: 'Presence data required on a presence channel' },
  INVALID_PRESENCE_DATA: { code: '400', status: 400, message: 'Invalid presence data: expected a JSON object' },
  INTERNAL: { code: '500', status: 500, message: 'Internal error' },

  INVALID_PATTERN: { code: '301', status: 400, message: 'Invalid wildcard pattern' },
  CHANNEL_FULL: { code: '423', status: 423, message: 'Channel is full: it takes a limited number of subscribers (an exclusive channel)' },
  TOKEN_INVALID: { code: '440', status: 401, message: 'Invalid channel token: malformed or badly signed' },
  TOKEN_EXPIRED: { code: '441', status: 401, message: 'Channel token has expired' },
  TOKEN_WRONG_CHANNEL: { code: '442', status: 403, message: 'Channel token is for another channel' },
  TOKEN_UNKNOWN_KEY: { code: '443', status: 401, message: 'Channel token names an unknown key (kid)' },
  CLIENT_EVENTS_DISABLED: { code: '446', status: 403, message: 'Client events are turned off on this server (clientEvents.enabled)' },
  CLIENT_EVENTS_RATE_LIMITED: { code: '429', status: 429, message: 'Too many client events: the event was dropped (clientEvents.perSecond)' },
  PUBLISH_NOT_ALLOWED: { code: '445', status: 403, message: 'Publishing on this channel needs a subscription made with a channel token that has "pub": true' },
  TOKEN_ALGORITHM: { code: '444', status: 401, message: 'Channel token algorithm refused: only HS256 is accepted' },

  BAD_REQUEST: { code: '400', status: 400, message: 'Missing or malformed parameters' },
  TIMESTAMP_OUT_OF_BOUNDS: { code: '501', status: 403, message: 'Timestamp out of bounds' },
  INVALID_CREDENTIALS: { code: '403', status: 403, message: 'Invalid credentials' },
  SIGNATURE_REPLAYED: { code: '409', status: 409, message: 'Signature already used: sign every request anew (a new auth_timestamp or auth_nonce)' },
  BODY_TOO_LARGE: { code: '413', status: 413, message: 'Request body too large' },
  BODY_INCOMPLETE: { code: '400', status: 400, message: 'Request body cut short' },
  JSON_TOO_DEEP: { code: '400', status: 400, message: 'JSON nested too deeply' },
  NOT_FOUND: { code: '404', status: 404, message: 'Not found' },
  METHOD_NOT_ALLOWED: { code: '405', status: 405, message: 'Method not allowed' },
  UNSUPPORTED_MEDIA_TYPE: { code: '415', status: 415, message: 'Unsupported content type: send application/json or application/x-www-form-urlencoded' },
  UNAVAILABLE: { code: '503', status: 503, message: 'Service unavailable' },
  UNAUTHORIZED: { code: '401', status: 401, message: 'Admin credentials required' },
  TOO_MANY_LOGIN_FAILURES: { code: '429', status: 429, message: 'Too many failed admin logins from this address; try again later' },
  METRICS_UNAUTHORIZED: { code: '401', status: 401, message: 'Metrics token required' },
  ORIGIN_NOT_ALLOWED: { code: '403', status: 403, message: 'Origin not allowed' },

  APP_NOT_FOUND: { code: '404', status: 404, message: 'App not found' },
  APP_DISABLED: { code: '403', status: 403, message: 'App is disabled' },
  APP_KEY_EXPIRED: { code: '403', status: 403, message: 'App key has expired' },
  INVALID_APP: { code: '400', status: 400, message: 'Invalid app settings' },
  APP_ID_TAKEN: { code: '409', status: 409, message: 'App id is already taken' },
  APP_KEY_TAKEN: { code: '409', status: 409, message: 'App key is already used by another app' },
  APP_TOO_MANY_KEYS: { code: '409', status: 409, message: 'App has too many live keys' },
  APP_TOO_MANY_CONNECTIONS: { code: '429', status: 429, message: 'The app has reached its connection limit (maxConnections) on this server' },
  APP_RATE_LIMITED: { code: '429', status: 429, message: "Too many events from this app's backends (limits.backendEventsPerSecond)" },
  PUSHER_UNAUTHORIZED: { code: '401', status: 401, message: 'Invalid Pusher request signature (auth_key, auth_timestamp within 600 s, auth_signature, body_md5)' },
  APPS_READ_ONLY: { code: '409', status: 409, message: 'Apps come from the config file here (apps.store.type "config"): edit apps.list and restart, or use the postgres store' },
  API_UNAUTHORIZED: { code: '401', status: 401, message: 'Invalid request signature' },
  API_RATE_LIMITED: { code: '429', status: 429, message: 'Too many API requests for this app; slow down' },
  EVENT_DATA_TOO_LARGE: { code: '413', status: 413, message: 'Event data too large' },
} as const satisfies Record<string, { code: string; status: number; message: string }>;

/** A key of the catalogue, e.g. `'INVALID_CHANNEL'`. */
export type ErrorName = keyof typeof ERRORS;

/** A refusal with a stable wire code. `message` may be more specific than the catalogue's. */
export class PushyError extends Error {
  override readonly name = 'PushyError';
  readonly errorName: ErrorName;
  readonly code: string;
  readonly status: number;

  constructor(errorName: ErrorName, message?: string) {
    const entry = ERRORS[errorName];
    super(message ?? entry.message);
    this.errorName = errorName;
    this.code = entry.code;
    this.status = entry.status;
  }
}

/** How an error is spelled on the wire: in `pushy:error` data and in HTTP JSON error bodies. */
export interface ErrorBody {
  code: string;
  /** The catalogue name; absent only for an error built by another version's copy of this module. */
  name?: ErrorName;
  message: string;
}

/** The wire fields of an error. */
export function errorBody(error: Pick<PushyError, 'code' | 'message'> & { errorName?: ErrorName }): ErrorBody {
  return error.errorName === undefined ? { code: error.code, message: error.message } : { code: error.code, name: error.errorName, message: error.message };
}

/**
 * SockJS close codes the server ends a connection with, beside the transport's own (1000, 3000
 * range). All in the 4000 range so that every transport, raw WebSocket included, can carry them.
 */
export const CLOSES = {
  /** The connection limit of the node is reached. */
  TOO_MANY_CONNECTIONS: { code: 4503, reason: 'Too many connections on this server' },
  /** The client's address already has `limits.maxConnectionsPerIp` connections open here. */
  TOO_MANY_CONNECTIONS_FROM_ADDRESS: { code: 4429, reason: 'Too many connections from this address' },
  /** The socket's URL names an app key no app has (`/pushy/app/<key>/socket`). */
  APP_NOT_FOUND: { code: 4404, reason: 'Unknown app key' },
  /** The socket's app is disabled (at connect, or later: its open sockets are closed). */
  APP_DISABLED: { code: 4403, reason: 'App is disabled' },
  /** The socket's app key has expired after a rotation: use the app's current key. */
  APP_KEY_EXPIRED: { code: 4401, reason: 'App key has expired' },
  /** The socket's app has its `maxConnections` open on this node. */
  APP_TOO_MANY_CONNECTIONS: { code: 4431, reason: 'Too many connections for this app' },
  /** The client kept sending over the frame rate. */
  FLOODING: { code: 4029, reason: 'Too many frames: rate limit exceeded repeatedly' },
  /** The client does not read what it is sent fast enough. */
  SLOW_CONSUMER: { code: 4009, reason: 'Slow consumer: outbound buffer full' },
} as const satisfies Record<string, { code: number; reason: string }>;

/** A close code and reason from {@link CLOSES}. */
export type CloseInfo = (typeof CLOSES)[keyof typeof CLOSES];

/**
 * True when `value` is a {@link PushyError}, also one thrown by a custom command that imported
 * another copy of this module (so `instanceof` alone would miss it).
 */
export function isPushyError(value: unknown): value is PushyError {
  if (value instanceof PushyError) return true;
  if (!(value instanceof Error) || value.name !== 'PushyError') return false;
  const candidate = value as Partial<PushyError>;
  return typeof candidate.code === 'string' && typeof candidate.status === 'number';
}

/** Why a listen failed, in words an operator can act on, by the system error code. */
const LISTEN_HINTS: Readonly<Record<string, string>> = {
  EADDRINUSE: 'address already in use: another process has this port; stop it, or choose another port (--port, PUSHY_PORT)',
  EACCES: 'permission denied: ports below 1024 need root or CAP_NET_BIND_SERVICE; choose a higher port (--port, PUSHY_PORT)',
  EADDRNOTAVAIL: 'address not available: the host is not an address of this machine (host, PUSHY_HOST)',
  ENOTFOUND: 'host name not found (host, PUSHY_HOST)',
};

/**
 * The server could not listen on its address (port taken, not permitted, host not here). One
 * line, with the address and the system code, for the operator; the original is the `cause`.
 */
export class ListenError extends Error {
  override readonly name = 'ListenError';
  /** The system error code, e.g. `EADDRINUSE`. */
  readonly code: string;

  constructor(address: string, cause: NodeJS.ErrnoException) {
    const code = cause.code ?? 'EUNKNOWN';
    super(`cannot listen on ${address}: ${LISTEN_HINTS[code] ?? cause.message} (${code})`, { cause });
    this.code = code;
  }
}

/** A command line the CLI cannot run (unknown option, missing or malformed argument). */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
