import { isLive } from '../apps/app-keys.js';
import type { App } from '../apps/app.js';

/**
 * The `secretForKid` of a `ChannelTokenVerifier` for one app: the secret of the app's key
 * named `kid`, while that key is live (a rotated-out key stops verifying tokens when it stops
 * signing anything else). `now`: clock in ms.
 */
export function appSecretLookup(app: App, now: () => number = () => Date.now()): (kid: string) => string | undefined {
  return (kid) => {
    const pair = app.keys.find((candidate) => candidate.key === kid);
    return pair !== undefined && isLive(pair, now()) ? pair.secret : undefined;
  };
}
