import { expect } from 'chai';
import { Pushy, type PushyOptions } from 'pushy-server/client';
import { fakeSockets } from './fake-socket.js';

/** The URL the client opens its socket on, for the URL (and options) a page gives it. */
function openedUrl(url: string, options: PushyOptions = {}): string {
  const sockets = fakeSockets();
  const pushy = new Pushy(url, { socketFactory: sockets.factory, ...options });
  pushy.disconnect();
  expect(pushy.url).to.equal(sockets.last().url);
  return sockets.last().url;
}

describe('client: the server URL it is given', () => {
  it('appends the SockJS path to the server base URL', () => {
    expect(openedUrl('https://push.example.com')).to.equal('https://push.example.com/pushy/socket');
    expect(openedUrl('https://push.example.com/')).to.equal('https://push.example.com/pushy/socket');
    // A server behind a path on a shared host.
    expect(openedUrl('https://example.com/realtime')).to.equal('https://example.com/realtime/pushy/socket');
  });

  it('takes the full SockJS URL as it is, as the v1 client did (no doubled path)', () => {
    expect(openedUrl('https://push.example.com/pushy/socket')).to.equal('https://push.example.com/pushy/socket');
    expect(openedUrl('https://push.example.com/pushy/socket/')).to.equal('https://push.example.com/pushy/socket');
    expect(openedUrl('http://127.0.0.1:8123/pushy/socket')).to.equal('http://127.0.0.1:8123/pushy/socket');
    expect(openedUrl('https://example.com/realtime/pushy/socket')).to.equal('https://example.com/realtime/pushy/socket');
  });

  it('does the same with a custom prefix, written with or without slashes', () => {
    expect(openedUrl('https://push.example.com', { prefix: '/live/sock' })).to.equal('https://push.example.com/live/sock');
    expect(openedUrl('https://push.example.com/live/sock', { prefix: '/live/sock' })).to.equal('https://push.example.com/live/sock');
    expect(openedUrl('https://push.example.com/live/sock', { prefix: 'live/sock/' })).to.equal('https://push.example.com/live/sock');
    // The default prefix is not stripped from a URL when another prefix is configured.
    expect(openedUrl('https://push.example.com/pushy/socket', { prefix: '/live/sock' })).to.equal('https://push.example.com/pushy/socket/live/sock');
  });

  it('matches the prefix on whole path segments of the path only', () => {
    // The host "pushy" and the path "/socket" are not the path "/pushy/socket".
    expect(openedUrl('https://pushy/socket')).to.equal('https://pushy/socket/pushy/socket');
    expect(openedUrl('https://push.example.com/xpushy/socket')).to.equal('https://push.example.com/xpushy/socket/pushy/socket');
  });
});
