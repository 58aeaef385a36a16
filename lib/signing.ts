/**
 * Signing helpers for backends (and for Pushy itself), the package's signing module.
 *
 * - v3 (`signChannelV3`, `triggerUrlV3`, `historyUrlV3`, ...): HMAC-SHA256 over an unambiguous
 *   text of every signed field; what new code should send. See `docs/signing.md`.
 * - v1/v2 (`signChannel`, `signTrigger`, `triggerUrl`): SHA-256 of a `:`-joined text; still
 *   accepted while the server's `signing.legacy` is on.
 * - `signRequest`/`verifyRequest`: the Pusher HTTP API request signature that v3 requests use.
 */
export { sha256Hex, signTrigger, signChannel, triggerUrl, type TriggerSignatureInput, type ChannelSignatureInput, type TriggerUrlInput } from './signing/v2.js';
export {
  AUTH_VERSION_V3,
  CHANNEL_AUTH_V3_PREFIX,
  channelAuthTextV3,
  signChannelV3,
  signPatternV3,
  signTriggerV3,
  triggerUrlV3,
  signHistoryV3,
  historyUrlV3,
  triggerPath,
  historyPath,
  type ChannelAuthV3Input,
  type TriggerV3Input,
  type HistoryV3Input,
  type NonceOption,
} from './signing/v3.js';
export { signEventsV3, eventsUrlV3, EVENTS_PATH, BATCH_EVENTS_PATH, type EventsV3Input } from './signing/events-v3.js';
export {
  signRequest,
  verifyRequest,
  requestSigningText,
  hmacSha256Hex,
  bodyDigestHex,
  type BodyDigest,
  type SignRequestInput,
  type VerifyRequestInput,
  type VerifiedRequest,
} from './signing/http-request-signature.js';
