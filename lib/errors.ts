/**
 * The error catalogue: every refusal Pushy can send, with its wire code, HTTP status and
 * default message. Handlers throw {@link PushyError}; only the command dispatcher turns one
 * into a `pushy:error` frame and only the HTTP layer into a JSON error body.
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
  INTERNAL: { code: '500', status: 500, message: 'Internal error' },

  BAD_REQUEST: { code: '400', status: 400, message: 'Missing or malformed parameters' },
  TIMESTAMP_OUT_OF_BOUNDS: { code: '501', status: 403, message: 'Timestamp out of bounds' },
  INVALID_CREDENTIALS: { code: '403', status: 403, message: 'Invalid credentials' },
  BODY_TOO_LARGE: { code: '413', status: 413, message: 'Request body too large' },
  BODY_INCOMPLETE: { code: '400', status: 400, message: 'Request body cut short' },
  JSON_TOO_DEEP: { code: '400', status: 400, message: 'JSON nested too deeply' },
  NOT_FOUND: { code: '404', status: 404, message: 'Not found' },
  METHOD_NOT_ALLOWED: { code: '405', status: 405, message: 'Method not allowed' },
  UNSUPPORTED_MEDIA_TYPE: { code: '415', status: 415, message: 'Unsupported content type: send application/json or application/x-www-form-urlencoded' },
  UNAVAILABLE: { code: '503', status: 503, message: 'Service unavailable' },
  UNAUTHORIZED: { code: '401', status: 401, message: 'Admin credentials required' },
  METRICS_UNAUTHORIZED: { code: '401', status: 401, message: 'Metrics token required' },
  ORIGIN_NOT_ALLOWED: { code: '403', status: 403, message: 'Origin not allowed' },
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

/**
 * SockJS close codes the server ends a connection with, beside the transport's own (1000, 3000
 * range). All in the 4000 range so that every transport, raw WebSocket included, can carry them.
 */
export const CLOSES = {
  /** The connection limit of the node is reached. */
  TOO_MANY_CONNECTIONS: { code: 4503, reason: 'Too many connections on this server' },
  /** The client's address already has `limits.maxConnectionsPerIp` connections open here. */
  TOO_MANY_CONNECTIONS_FROM_ADDRESS: { code: 4429, reason: 'Too many connections from this address' },
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
