/**
 * Where a native client names its app: the SockJS endpoint `/pushy/app/<key>/socket` beside the
 * default app's `sockjs.prefix`. All of them are served by ONE `sockjs` server (a second server
 * per app would cost a set of routes and timers each): its prefix is a regular expression source
 * (the package builds its routes with `new RegExp('^' + prefix + ...)`) covering both.
 */

/** The app endpoints, as a regular expression source without anchors. */
export const APP_SOCKET_PATTERN = '/pushy/app/[^/?#]+/socket';

const APP_SOCKET_PATH = /^\/pushy\/app\/([^/?#]+)\/socket(?:[/?#]|$)/;

/**
 * The prefix handed to the `sockjs` package and every guard that must see the same requests: the
 * configured prefix (as given: sockjs has always read it as a pattern) or an app endpoint.
 */
export function socketPrefixPattern(prefix: string): string {
  return `(?:${prefix}|${APP_SOCKET_PATTERN})`;
}

/**
 * The app key a socket's URL path names, or undefined for the default endpoint. A key that is
 * not valid percent-encoding is returned as written (no app has it: the socket is refused).
 */
export function appKeyFromSocketPath(path: string): string | undefined {
  const match = APP_SOCKET_PATH.exec(path);
  if (!match) return undefined;
  try {
    return decodeURIComponent(match[1]!);
  } catch {
    return match[1]!;
  }
}
