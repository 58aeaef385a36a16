import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { PushyError } from '../errors.js';
import { parseEventBody, readBody } from '../http/body.js';
import { sendError, sendJson } from '../http/respond.js';
import { channelKind } from '../channels/channel-policy.js';
import { channelNameSchema, socketIdSchema } from './protocol.js';
import { signChannel, signChannelV3 } from '../signing.js';

/**
 * The backend half of private and presence channels: the browser client POSTs
 * `{channel, connection_id}` to the app, which decides and answers `{auth, data?}`.
 */

/** What {@link authorizeChannel} signs. */
export interface AuthorizeChannelInput {
  /** The client's `connection_id` (its Pushy socket id). */
  socketId: string;
  channel: string;
  /** Presence member data: an object (sent as its JSON) or the exact JSON text. */
  presenceData?: Record<string, unknown> | string;
  secretKey: string;
  /**
   * 3 (default): a v3 `auth` (`v3:<hex>`). 2: the older bare-hex form, only for a Pushy server
   * that predates v3 (one that has v3 takes both while `signing.legacy` is on).
   */
  signatureVersion?: SignatureVersion;
}

/** Which channel auth form a helper produces. */
export type SignatureVersion = 2 | 3;

/** The answer the browser client expects from the auth endpoint. */
export interface ChannelAuthorization {
  auth: string;
  /** Presence data exactly as signed; the client sends it unchanged. */
  data?: string;
}

/**
 * Signs a subscription for one socket: the `{auth, data?}` body of an auth endpoint. Throws a
 * TypeError for a socket id not of the server's form (it could shift into the channel name).
 */
export function authorizeChannel({ socketId, channel, presenceData, secretKey, signatureVersion = 3 }: AuthorizeChannelInput): ChannelAuthorization {
  const data = presenceData === undefined ? undefined : typeof presenceData === 'string' ? presenceData : JSON.stringify(presenceData);
  const sign = signatureVersion === 2 ? signChannel : signChannelV3;
  const auth = sign({ socketId, channel, presenceData: data, secretKey });
  return data === undefined ? { auth } : { auth, data };
}

/** One auth request, as the app's `authorize` callback sees it. */
export interface ChannelAuthRequest {
  /** Lowercased channel name. */
  channel: string;
  socketId: string;
  /** The HTTP request: read the session, cookies or headers from it. */
  req: IncomingMessage;
}

/**
 * The app's decision: `false` refuses (403); `true` allows a private channel; an object with
 * `presence` allows and sets the member data (needed on `presence-` channels).
 */
export type ChannelAuthDecision = boolean | { presence: Record<string, unknown> | string };

/** Options of {@link channelAuthHandler}. */
export interface ChannelAuthHandlerOptions {
  secretKey: string;
  /** Decides who may subscribe where. Required: there is no safe default. */
  authorize(request: ChannelAuthRequest): ChannelAuthDecision | Promise<ChannelAuthDecision>;
  /** 3 (default) or 2, as {@link AuthorizeChannelInput.signatureVersion}. */
  signatureVersion?: SignatureVersion;
  /** Largest request body read when no body parser ran before (default 8 KiB). */
  maxBodyBytes?: number;
  /** Gets errors thrown by `authorize` when there is no `next` (default: console.error). */
  onError?(error: unknown): void;
}

/** A Connect/Express-style handler; also a plain `http.createServer` request listener. */
export type ChannelAuthHandler = (req: IncomingMessage & { body?: unknown }, res: ServerResponse, next?: (error?: unknown) => void) => Promise<void>;

const authRequestSchema = z.object({
  channel: channelNameSchema,
  // Strictly the server's own id form: anything else could shift into the signed channel name.
  connection_id: socketIdSchema,
});

/**
 * Builds an auth endpoint handler. It reads `{channel, connection_id}` (JSON or form; a body
 * already parsed by Express is used as is), asks `authorize`, and answers 200 `{auth, data?}`,
 * 403 when refused or 400 for a malformed request, as `{"error": {"code", "message"}}`.
 */
export function channelAuthHandler(options: ChannelAuthHandlerOptions): ChannelAuthHandler {
  if (!options.secretKey) throw new TypeError('secretKey is required');
  if (options.signatureVersion !== undefined && options.signatureVersion !== 2 && options.signatureVersion !== 3) {
    throw new TypeError('signatureVersion must be 2 or 3');
  }
  const maxBodyBytes = options.maxBodyBytes ?? 8192;
  const onError = options.onError ?? ((error: unknown) => console.error('pushy: channel auth handler failed', error));
  return async (req, res, next) => {
    try {
      const body = req.body !== undefined ? req.body : parseEventBody(await readBody(req, maxBodyBytes), req.headers['content-type']).value;
      const parsed = authRequestSchema.safeParse(body);
      if (!parsed.success) throw new PushyError('BAD_REQUEST', 'Expected "channel" (a valid channel name) and "connection_id" (the Pushy socket id)');
      const { channel, connection_id: socketId } = parsed.data;
      const decision = await options.authorize({ channel, socketId, req });
      if (decision === false) throw new PushyError('INVALID_CREDENTIALS', 'Not allowed on this channel');
      const presenceData = decision === true ? undefined : decision.presence;
      if (channelKind(channel) === 'presence' && presenceData === undefined) {
        throw new PushyError('INVALID_CREDENTIALS', 'A presence channel needs presence data');
      }
      sendJson(res, 200, authorizeChannel({ socketId, channel, presenceData, secretKey: options.secretKey, signatureVersion: options.signatureVersion }));
    } catch (error) {
      if (error instanceof PushyError) {
        sendError(res, error);
        return;
      }
      if (next) {
        next(error);
        return;
      }
      onError(error);
      if (!res.headersSent) sendError(res, new PushyError('INTERNAL'));
    }
  };
}
