import ipaddr from 'ipaddr.js';

/**
 * IP addresses and CIDR ranges, parsed strictly (ipaddr.js): IPv4 only as four decimal parts
 * (`010.0.0.1` is refused rather than read as octal), IPv6 in any RFC 4291 form. An
 * IPv4-mapped IPv6 address (`::ffff:10.1.2.3`, what a dual-stack socket reports) is the IPv4
 * address it carries, so it matches `10.0.0.0/8`.
 */

/** A parsed address. */
export type IpAddress = ipaddr.IPv4 | ipaddr.IPv6;

/** One range: an address and how many leading bits must match. */
export interface IpNetwork {
  readonly address: IpAddress;
  readonly prefix: number;
  /** As written in the configuration. */
  readonly text: string;
}

// Longer than any address text (an IPv6 with an embedded IPv4 and a zone id): refused unread.
const MAX_ADDRESS_LENGTH = 100;
const PREFIX = /^(0|[1-9][0-9]{0,2})$/;

/** Parses an address, IPv4-mapped IPv6 turned into IPv4; `undefined` when it is not one. */
export function parseAddress(text: string): IpAddress | undefined {
  if (text.length > MAX_ADDRESS_LENGTH) return undefined;
  if (ipaddr.IPv4.isValidFourPartDecimal(text)) return ipaddr.IPv4.parse(text);
  if (!text.includes(':') || !ipaddr.IPv6.isValid(text)) return undefined;
  const address = ipaddr.IPv6.parse(text);
  return address.isIPv4MappedAddress() ? address.toIPv4Address() : address;
}

/**
 * Parses `10.0.0.0/8`, `::1/128`, or a lone address (a range of one); `undefined` when it is
 * none of these. An IPv4-mapped IPv6 range stays IPv6 and still matches IPv4 addresses.
 */
export function parseNetwork(text: string): IpNetwork | undefined {
  const slash = text.indexOf('/');
  const addressText = slash < 0 ? text : text.slice(0, slash);
  if (addressText.length > MAX_ADDRESS_LENGTH) return undefined;
  let address: IpAddress;
  if (ipaddr.IPv4.isValidFourPartDecimal(addressText)) address = ipaddr.IPv4.parse(addressText);
  else if (addressText.includes(':') && ipaddr.IPv6.isValid(addressText)) address = ipaddr.IPv6.parse(addressText);
  else return undefined;
  const bits = address.kind() === 'ipv4' ? 32 : 128;
  if (slash < 0) return { address, prefix: bits, text };
  const prefixText = text.slice(slash + 1);
  if (!PREFIX.test(prefixText) || Number(prefixText) > bits) return undefined;
  return { address, prefix: Number(prefixText), text };
}

/** True when `address` lies in `network` (an IPv4 address also in IPv6 ranges, as `::ffff:a.b.c.d`). */
export function networkContains(network: IpNetwork, address: IpAddress): boolean {
  if (address.kind() === network.address.kind()) return address.match(network.address, network.prefix);
  if (address.kind() === 'ipv4') return (address as ipaddr.IPv4).toIPv4MappedAddress().match(network.address, network.prefix);
  return false;
}

/** A list of networks (trusted proxies, trusted trigger networks), built once from config. */
export class NetworkList {
  private constructor(readonly networks: readonly IpNetwork[]) {}

  /**
   * Parses every entry, or throws an `Error` naming the first bad one (by index and text) and
   * the forms accepted; the config loader puts the option's key in front.
   */
  static parse(entries: readonly string[]): NetworkList {
    const networks = entries.map((entry, index) => {
      const network = typeof entry === 'string' ? parseNetwork(entry.trim()) : undefined;
      if (network === undefined) {
        const shown = typeof entry === 'string' ? JSON.stringify(entry.length > 60 ? `${entry.slice(0, 60)}...` : entry) : typeof entry;
        throw new Error(`entry ${index} (${shown}) is not an IP address or CIDR range, e.g. "10.0.0.0/8", "192.168.1.7", "::1/128"`);
      }
      return network;
    });
    return new NetworkList(networks);
  }

  /** True when the list has no entry (nothing is trusted). */
  get isEmpty(): boolean {
    return this.networks.length === 0;
  }

  /** True when the address (text or parsed) lies in one of the networks; never for `undefined` or an unparsable text. */
  contains(address: string | IpAddress | undefined): boolean {
    if (address === undefined || this.networks.length === 0) return false;
    const parsed = typeof address === 'string' ? parseAddress(address) : address;
    if (parsed === undefined) return false;
    return this.networks.some((network) => networkContains(network, parsed));
  }
}
