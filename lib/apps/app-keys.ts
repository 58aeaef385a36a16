import { z } from 'zod';
import { PushyError } from '../errors.js';
import { appKeySchema, appSecretSchema, MAX_KEYS_PER_APP, type App, type AppKey } from './app.js';

/**
 * Rotation semantics, in one place for every store: a pair works until its `expiresAt` (exclusive),
 * rotation adds a new pair and gives the old ones a grace period, and expired pairs are dropped
 * at the next rotation so that an app's key list stays bounded.
 */

/** The instant (ms since the epoch) from which a pair is refused; `Infinity` when never. */
export function expiryOf(pair: AppKey): number {
  return pair.expiresAt === undefined ? Infinity : Date.parse(pair.expiresAt);
}

/** True when the pair is accepted at `now` (ms since the epoch). */
export function isLive(pair: AppKey, now: number): boolean {
  return now < expiryOf(pair);
}

/**
 * The secrets that sign for the app at `now`, newest pair first: a verifier tries them in this
 * order (the current secret is the one most requests use).
 */
export function secretsFor(app: App, now: number = Date.now()): string[] {
  const secrets: string[] = [];
  for (let i = app.keys.length - 1; i >= 0; i -= 1) {
    const pair = app.keys[i]!;
    if (isLive(pair, now)) secrets.push(pair.secret);
  }
  return secrets;
}

/** The pair to hand out to clients and backends: the newest one that works at `now`. */
export function currentKey(app: App, now: number = Date.now()): AppKey | undefined {
  for (let i = app.keys.length - 1; i >= 0; i -= 1) {
    const pair = app.keys[i]!;
    if (isLive(pair, now)) return pair;
  }
  return undefined;
}

/** What {@link rotateKeys} gives: the new key list and when the pairs from before stop working. */
export interface Rotation {
  keys: AppKey[];
  /** ISO 8601: the latest expiry of the pairs that were live before; absent when there were none. */
  previousExpireAt?: string;
}

/**
 * The key list after rotating in `fresh` at `now`: expired pairs are dropped, the others expire
 * `graceSeconds` from now (or sooner if they already did; a grace of 0 drops them at once), and
 * `fresh` comes last without expiry. Throws `APP_TOO_MANY_KEYS` when the app would hold more
 * than {@link MAX_KEYS_PER_APP} pairs.
 */
export function rotateKeys(appId: string, keys: readonly AppKey[], fresh: { key: string; secret: string }, now: number, graceSeconds: number): Rotation {
  const graceEnd = now + graceSeconds * 1000;
  const live = keys.filter((pair) => isLive(pair, now));
  const kept =
    graceSeconds === 0
      ? []
      : live.map((pair) => (expiryOf(pair) <= graceEnd ? pair : { key: pair.key, secret: pair.secret, expiresAt: new Date(graceEnd).toISOString() }));
  if (kept.length + 1 > MAX_KEYS_PER_APP) {
    throw new PushyError(
      'APP_TOO_MANY_KEYS',
      `App "${appId}" already has ${kept.length} live keys: rotate with a grace of 0 to retire the old ones at once, or wait until they expire`,
    );
  }
  const rotation: Rotation = { keys: [...kept, { key: fresh.key, secret: fresh.secret }] };
  if (live.length > 0) rotation.previousExpireAt = new Date(Math.min(graceEnd, Math.max(...live.map(expiryOf)))).toISOString();
  return rotation;
}

/** Longest rotation grace accepted: ten years, in seconds. */
export const MAX_ROTATION_GRACE = 10 * 365 * 24 * 3600;

/** The options of a rotation (`RotateOptions` in app-store.ts), as a store parses them. */
export const rotateOptionsSchema = z.strictObject({
  graceSeconds: z.number().int('must be an integer').min(0, 'must not be negative').max(MAX_ROTATION_GRACE, `must be at most ${MAX_ROTATION_GRACE} (ten years)`).optional(),
  key: appKeySchema.optional(),
  secret: appSecretSchema.optional(),
  now: z.number().finite('must be a finite number').optional(),
});
