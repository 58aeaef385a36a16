import { parseAddress, type NetworkList } from './ip-networks.js';

/** What a client's address is resolved from. */
export interface ClientAddressInput {
  /** The TCP peer (`req.socket.remoteAddress`); `undefined` once the socket is gone. */
  remoteAddress: string | undefined;
  /** The `X-Forwarded-For` header, as Node gives it. */
  forwardedFor: string | string[] | undefined;
  /** The proxies whose `X-Forwarded-For` is believed (config `trustProxy`). */
  trustProxy: NetworkList;
}

/**
 * The address of the client that sent a request, in canonical form (`10.1.2.3`, `2001:db8::1`).
 *
 * `X-Forwarded-For` is believed only as far as trusted proxies vouch for it, as Express's
 * `proxy-addr` does: starting from the TCP peer, while the current hop is a trusted proxy, step
 * to the address it says it got the request from (the list's next entry from the right). The
 * first untrusted hop is the client. With an empty `trustProxy` the header is never read.
 *
 * `undefined` when no address can be told: no peer, or a trusted proxy forwarded something that
 * is not an address. Callers treat that as untrusted (fail closed).
 */
export function resolveClientAddress(input: ClientAddressInput): string | undefined {
  if (input.remoteAddress === undefined) return undefined;
  let current = parseAddress(input.remoteAddress);
  if (current === undefined) return undefined;
  const header = Array.isArray(input.forwardedFor) ? input.forwardedFor.join(',') : input.forwardedFor;
  if (input.trustProxy.isEmpty || header === undefined) return current.toString();
  const hops = header.split(',');
  for (let i = hops.length - 1; i >= 0; i -= 1) {
    if (!input.trustProxy.contains(current)) return current.toString();
    current = parseAddress(hops[i]!.trim());
    if (current === undefined) return undefined;
  }
  // Every hop was a trusted proxy: the leftmost entry is the client.
  return current.toString();
}
