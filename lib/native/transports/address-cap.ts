import ipaddr from 'ipaddr.js';

/**
 * The key a client address is counted under: an IPv4 address as it is (also when it comes as
 * IPv4-mapped IPv6), an IPv6 address by its /64 network, which one subscriber usually gets whole
 * (counting each address would let one client open as many connections as it has addresses).
 */
export function addressKey(remoteAddress: string): string {
  if (!ipaddr.isValid(remoteAddress)) return remoteAddress;
  const address = ipaddr.process(remoteAddress);
  if (address.kind() === 'ipv4') return address.toString();
  const parts = (address as ipaddr.IPv6).parts.slice(0, 4).map((part) => part.toString(16));
  return `${parts.join(':')}::/64`;
}

/**
 * Open connections per client address, for `limits.maxConnectionsPerIp`. Only addresses with
 * connections open have an entry, so it holds no more entries than there are connections.
 */
export class AddressCap {
  private readonly open = new Map<string, number>();

  /** `max` connections per address; 0: no limit. */
  constructor(private readonly max: number) {}

  /**
   * Counts a new connection from `remoteAddress` and returns the function that uncounts it (call
   * once, when it closes); undefined, counting nothing, when that address is at its limit.
   */
  take(remoteAddress: string): (() => void) | undefined {
    if (this.max === 0) return () => undefined;
    const key = addressKey(remoteAddress);
    const count = this.open.get(key) ?? 0;
    if (count >= this.max) return undefined;
    this.open.set(key, count + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.open.get(key) ?? 1) - 1;
      if (left > 0) this.open.set(key, left);
      else this.open.delete(key);
    };
  }

  /** Addresses with connections open (leak checks). */
  get size(): number {
    return this.open.size;
  }
}
