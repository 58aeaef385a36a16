import { expect } from 'chai';
import { createHmac } from 'node:crypto';
import { appWebhookSchema, WEBHOOK_EVENT_KINDS, type AppWebhook } from '../../../lib/apps/app.js';
import { webhookEventSchema, type WebhookEvent } from '../../../lib/webhooks/webhook-event.js';
import { buildWebhookRequest, describeUrl } from '../../../lib/webhooks/webhook-request.js';
import { routeEvent, webhookWants } from '../../../lib/webhooks/webhook-routing.js';

const hook = (input: Record<string, unknown>): AppWebhook => appWebhookSchema.parse({ url: 'https://example.com/hook', ...input });

describe('webhooks: routing, event shapes and the request', () => {
  describe('webhookWants', () => {
    const event = (name: WebhookEvent['name'], channel = 'presence-room-eu'): WebhookEvent =>
      ({
        channel_occupied: { name, channel },
        channel_vacated: { name, channel },
        member_added: { name, channel, user_id: 'u1' },
        member_removed: { name, channel, user_id: 'u1' },
        client_event: { name, channel, event: 'client-x', data: '{}', socket_id: '1.1' },
        cache_miss: { name, channel },
        subscription_count: { name, channel, subscription_count: 1 },
      })[name] as WebhookEvent;

    it('without an events list, takes every kind', () => {
      for (const kind of WEBHOOK_EVENT_KINDS) expect(webhookWants(hook({}), event(kind)), kind).to.equal(true);
    });

    it('with an events list, takes only those kinds', () => {
      const webhook = hook({ events: ['member_added', 'member_removed'] });
      expect(WEBHOOK_EVENT_KINDS.filter((kind) => webhookWants(webhook, event(kind)))).to.deep.equal(['member_added', 'member_removed']);
    });

    it('applies channelPrefix, channelSuffix, and both together', () => {
      expect(webhookWants(hook({ filter: { channelPrefix: 'presence-' } }), event('channel_occupied', 'presence-room'))).to.equal(true);
      expect(webhookWants(hook({ filter: { channelPrefix: 'presence-' } }), event('channel_occupied', 'private-room'))).to.equal(false);
      expect(webhookWants(hook({ filter: { channelSuffix: '-eu' } }), event('channel_occupied', 'news-eu'))).to.equal(true);
      expect(webhookWants(hook({ filter: { channelSuffix: '-eu' } }), event('channel_occupied', 'news-us'))).to.equal(false);
      const both = hook({ filter: { channelPrefix: 'presence-', channelSuffix: '-eu' } });
      expect(webhookWants(both, event('member_added', 'presence-room-eu'))).to.equal(true);
      expect(webhookWants(both, event('member_added', 'presence-room-us'))).to.equal(false);
      expect(webhookWants(both, event('member_added', 'private-room-eu'))).to.equal(false);
    });

    it('needs both the kind and the filter', () => {
      const webhook = hook({ events: ['client_event'], filter: { channelPrefix: 'private-' } });
      expect(webhookWants(webhook, event('client_event', 'private-chat'))).to.equal(true);
      expect(webhookWants(webhook, event('client_event', 'presence-chat'))).to.equal(false);
      expect(webhookWants(webhook, event('channel_occupied', 'private-chat'))).to.equal(false);
    });

    it('routeEvent gives the positions of the webhooks that take the event', () => {
      const webhooks = [hook({ events: ['channel_occupied'] }), hook({ filter: { channelPrefix: 'x' } }), hook({})];
      expect(routeEvent(webhooks, event('channel_occupied', 'news'))).to.deep.equal([0, 2]);
      expect(routeEvent(webhooks, event('channel_vacated', 'xyz'))).to.deep.equal([1, 2]);
      expect(routeEvent([], event('channel_vacated'))).to.deep.equal([]);
    });
  });

  describe('event shapes', () => {
    it('accepts exactly the documented shapes', () => {
      const good: unknown[] = [
        { name: 'channel_occupied', channel: 'a' },
        { name: 'channel_vacated', channel: 'a' },
        { name: 'member_added', channel: 'presence-a', user_id: '7' },
        { name: 'member_removed', channel: 'presence-a', user_id: '7' },
        { name: 'client_event', channel: 'private-a', event: 'client-x', data: '{"a":1}', socket_id: '1.2' },
        { name: 'client_event', channel: 'presence-a', event: 'client-x', data: '"text"', socket_id: '1.2', user_id: '7' },
        { name: 'cache_miss', channel: 'cache-a' },
        { name: 'subscription_count', channel: 'a', subscription_count: 0 },
      ];
      for (const event of good) expect(webhookEventSchema.safeParse(event).success, JSON.stringify(event)).to.equal(true);
      const bad: unknown[] = [
        { name: 'channel_occupied' },
        { name: 'member_added', channel: 'presence-a' },
        { name: 'channel_occupied', channel: 'a', extra: 1 },
        { name: 'client_event', channel: 'a', event: 'client-x', data: { a: 1 }, socket_id: '1.2' },
        { name: 'subscription_count', channel: 'a', subscription_count: -1 },
        { name: 'channel_renamed', channel: 'a' },
      ];
      for (const event of bad) expect(webhookEventSchema.safeParse(event).success, JSON.stringify(event)).to.equal(false);
    });
  });

  describe('buildWebhookRequest', () => {
    it('signs the exact body with the app secret, under both header names, and keeps the webhook headers except reserved ones', () => {
      const request = buildWebhookRequest({
        url: 'https://example.com/hook',
        key: 'app-key',
        secret: 'app-secret',
        events: [{ name: 'channel_occupied', channel: 'news' }],
        timeMs: 1_700_000_000_123,
        extraHeaders: { Authorization: 'Bearer t', 'content-type': 'text/plain', 'X-Pusher-Signature': 'forged', Host: 'evil', 'X-Custom': 'yes' },
      });
      expect(request.body).to.equal('{"time_ms":1700000000123,"events":[{"name":"channel_occupied","channel":"news"}]}');
      const signature = createHmac('sha256', 'app-secret').update(request.body).digest('hex');
      expect(request.headers).to.deep.equal({
        Authorization: 'Bearer t',
        'X-Custom': 'yes',
        'Content-Type': 'application/json',
        'X-Pusher-Key': 'app-key',
        'X-Pusher-Signature': signature,
        'X-Pushy-Key': 'app-key',
        'X-Pushy-Signature': signature,
      });
    });

    it('describes a URL for logs without user info or query', () => {
      expect(describeUrl('https://user:pass@example.com:8443/hook?token=secret')).to.equal('https://example.com:8443/hook');
    });
  });
});
