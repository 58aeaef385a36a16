import type { PushyConfig } from './config.js';
import { NetworkList } from './network/ip-networks.js';

/**
 * The warnings a server logs at start about settings that are valid but risky: each one a
 * sentence that names the option. Empty for the defaults.
 */
export function warnings(config: Pick<PushyConfig, 'trigger' | 'trustProxy'> & Partial<Pick<PushyConfig, 'feed' | 'adapter'>>): string[] {
  const found: string[] = [];
  const trusted = NetworkList.parse(config.trigger.trustedNetworks);
  if (!trusted.isEmpty) {
    found.push(
      `trigger.trustedNetworks is set: triggers from ${config.trigger.trustedNetworks.join(', ')} are accepted without a signature; ` +
        'anything that can send a request from there can publish to every channel',
    );
    if (trusted.networks.some((network) => network.prefix === 0)) {
      found.push('trigger.trustedNetworks contains a range of every address (/0): any client anywhere can publish without a signature');
    }
  }
  const proxies = NetworkList.parse(config.trustProxy);
  if (proxies.networks.some((network) => network.prefix === 0)) {
    found.push('trustProxy contains a range of every address (/0): any client can claim any address with X-Forwarded-For');
  }
  if (config.feed?.enabled && config.adapter?.type !== 'redis') {
    found.push('feed.enabled is set but the adapter is not redis: the events feed is a Redis pub/sub channel, so nothing is published');
  }
  return found;
}
