/** Where the server's SockJS endpoint is unless told otherwise (the server's `sockjs.prefix`). */
export const DEFAULT_PREFIX = '/pushy/socket';

/**
 * The SockJS endpoint URL for the URL a page gives the client. Two forms are taken: the Pushy
 * server's base URL (`https://push.example.com`: the prefix is appended) and the SockJS endpoint
 * itself (`https://push.example.com/pushy/socket`: kept as it is), which is what the v1 client
 * took, so a page written for it ports by changing one line. The URL counts as the endpoint when
 * its path ends with the prefix at a path boundary; trailing slashes do not matter.
 */
export function sockjsEndpoint(url: string, prefix: string = DEFAULT_PREFIX): string {
  const path = `/${prefix.replace(/^\/+|\/+$/g, '')}`;
  const base = url.replace(/\/+$/, '');
  // The path alone is compared, so that a host named like the prefix is not mistaken for it.
  const pathname = new URL(base || '/', 'http://relative.invalid').pathname.replace(/\/+$/, '');
  return path !== '/' && pathname.endsWith(path) ? base : base + path;
}

/**
 * The endpoint path of an app's sockets: `/pushy/app/<key>/socket`. The key is the app's public
 * key (never its secret); without one, the default app's {@link DEFAULT_PREFIX}.
 */
export function appPrefix(key: string | undefined): string {
  return key === undefined ? DEFAULT_PREFIX : `/pushy/app/${encodeURIComponent(key)}/socket`;
}
