import type { IncomingMessage } from 'node:http';
import { resolveClientAddress } from './client-address.js';
import { NetworkList } from './ip-networks.js';

/** The query parameters that make a request signed (v3, or v1/v2). */
const SIGNATURE_PARAMS = ['auth_signature', 'auth_key', 'timestamp', 'auth_timestamp'] as const;

/**
 * Decides whether an unsigned trigger may pass (`trigger.trustedNetworks`): only a request that
 * carries no signature parameter at all, from a client address (resolved through `trustProxy`)
 * in a trusted network. A request that carries one is checked as usual, so a backend that signs
 * never loses the check. Fails closed: an unknown address is never trusted.
 */
export interface TrustedTriggers {
  /** True when the request is unsigned and comes from a trusted network. */
  admits(req: IncomingMessage, query: URLSearchParams): boolean;
}

/** Builds the rule from the two options (already validated at config load). */
export function createTrustedTriggers(options: { trustedNetworks: readonly string[]; trustProxy: readonly string[] }): TrustedTriggers {
  const trusted = NetworkList.parse(options.trustedNetworks);
  const proxies = NetworkList.parse(options.trustProxy);
  return {
    admits(req, query) {
      if (trusted.isEmpty) return false;
      if (SIGNATURE_PARAMS.some((name) => query.has(name))) return false;
      const address = resolveClientAddress({ remoteAddress: req.socket.remoteAddress, forwardedFor: req.headers['x-forwarded-for'], trustProxy: proxies });
      return trusted.contains(address);
    },
  };
}
