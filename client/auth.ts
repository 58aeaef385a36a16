/** How the client sends its auth request body. */
export type AuthTransport = 'form' | 'json';

/** What the auth endpoint answers: the signature and, for presence, the signed member data. */
export interface ChannelAuth {
  auth: string;
  /** Presence data exactly as signed (a JSON text). */
  data?: string;
}

/** What an auth request needs. */
export interface AuthRequest {
  endpoint: string;
  headers: Record<string, string>;
  transport: AuthTransport;
  channel: string;
  socketId: string;
  fetch: typeof fetch;
}

/**
 * The form of the socket ids the server gives out (a lowercase UUID), as `SOCKET_ID_PATTERN` in
 * the server's `lib/protocol.ts`. Signatures join the id with the channel name, so an id with a
 * `:` could make the app sign another channel: the client never asks with anything else.
 */
const SOCKET_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The auth endpoint refused or answered something unusable. */
export class AuthError extends Error {
  override readonly name = 'AuthError';
  /** HTTP status, when the endpoint answered. */
  readonly status: number | undefined;

  constructor(message: string, status?: number) {
    super(message);
    this.status = status;
  }
}

/**
 * POSTs `{channel, connection_id}` to the app's auth endpoint (as a form or JSON) and returns
 * the `{auth, data?}` it answers (a v3 `auth` or an older one: the client passes it on as is).
 * A socket id not of the server's form, or anything but a 2xx with a string `auth`, is an
 * {@link AuthError}.
 */
export async function requestChannelAuth(request: AuthRequest): Promise<ChannelAuth> {
  if (!SOCKET_ID.test(request.socketId)) throw new AuthError('Not a Pushy socket id: refusing to ask for a signature');
  const fields = { channel: request.channel, connection_id: request.socketId };
  const body = request.transport === 'json' ? JSON.stringify(fields) : new URLSearchParams(fields).toString();
  const contentType = request.transport === 'json' ? 'application/json' : 'application/x-www-form-urlencoded';
  let response: Response;
  try {
    response = await request.fetch(request.endpoint, {
      method: 'POST',
      headers: { 'Content-Type': contentType, Accept: 'application/json', ...request.headers },
      body,
      credentials: 'same-origin',
    });
  } catch (error) {
    throw new AuthError(`Auth request failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!response.ok) throw new AuthError(`Auth endpoint answered ${response.status}`, response.status);
  let answer: unknown;
  try {
    answer = await response.json();
  } catch {
    throw new AuthError('Auth endpoint did not answer JSON', response.status);
  }
  return channelAuthFrom(answer, 'Auth endpoint', response.status);
}

/** Signs a channel in the page instead of asking an auth endpoint (see `PushyOptions.authorizer`). */
export type Authorizer = (channel: string, socketId: string) => Promise<ChannelAuth> | ChannelAuth;

/** Runs the app's own authorizer; a throw, or an answer without `auth`, is an {@link AuthError}. */
export async function runAuthorizer(authorizer: Authorizer, channel: string, socketId: string): Promise<ChannelAuth> {
  let answer: unknown;
  try {
    answer = await authorizer(channel, socketId);
  } catch (error) {
    throw new AuthError(`Authorizer failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  return channelAuthFrom(answer, 'Authorizer');
}

/** `{auth, data?}` from what an endpoint or authorizer answered. */
function channelAuthFrom(answer: unknown, source: string, status?: number): ChannelAuth {
  const { auth, data } = (answer ?? {}) as { auth?: unknown; data?: unknown };
  if (typeof auth !== 'string' || auth === '') throw new AuthError(`${source} answered no "auth"`, status);
  if (data === undefined || data === null) return { auth };
  // The signature covers the exact text; an object is sent as its JSON, as the server signs it.
  return { auth, data: typeof data === 'string' ? data : JSON.stringify(data) };
}
