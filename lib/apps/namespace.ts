/**
 * Apps are namespaces: two apps may use the same channel name and never see each other's
 * events, members, history or idempotency keys. Stores and the broker know a channel by its
 * key, `channelKey(app, channel)`, the one place that says how an app's channel is named.
 */

/** The app of a server with no apps configured: the single-app behaviour of earlier versions. */
export const DEFAULT_APP = 'default';

/**
 * App ids: letters, digits, `_`, `-` and `.`. Never `/` (it separates the app in a channel key),
 * nor the braces of a Redis hash tag.
 */
const APP_ID_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

/** True when `id` can name an app. */
export function isValidAppId(id: string): boolean {
  return APP_ID_PATTERN.test(id);
}

/**
 * The key of an app's channel in the stores and the broker. The default app's key is the channel
 * name itself, so Redis keys and pub/sub channels stay those of earlier versions (a rolling
 * upgrade keeps history, and nodes of both versions talk); another app's is `<app>/<channel>`,
 * distinct from every default-app key since no channel name contains `/`.
 */
export function channelKey(app: string | undefined, channel: string): string {
  if (app === undefined || app === DEFAULT_APP) return channel;
  if (!APP_ID_PATTERN.test(app)) throw new TypeError(`invalid app id ${JSON.stringify(app)}`);
  return `${app}/${channel}`;
}

/** An app's channel, as a channel key names it. */
export interface AppChannel {
  app: string;
  channel: string;
}

/** The app and channel of a key made by {@link channelKey}. */
export function parseChannelKey(key: string): AppChannel {
  const slash = key.indexOf('/');
  return slash < 0 ? { app: DEFAULT_APP, channel: key } : { app: key.slice(0, slash), channel: key.slice(slash + 1) };
}
