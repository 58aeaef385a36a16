import { expect } from 'chai';
import { ConfigError, loadConfig } from '../../../lib/config.js';
import { PushyError } from '../../../lib/errors.js';
import { parseBatchBody, parseEventsBody } from '../../../lib/triggers/event-bodies.js';

const limits = { maxChannels: 100, maxBatchEvents: 10 };

/** The BAD_REQUEST message `fn` throws. */
function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).to.be.instanceOf(PushyError);
    expect((error as PushyError).errorName).to.equal('BAD_REQUEST');
    expect((error as PushyError).status).to.equal(400);
    return (error as PushyError).message;
  }
  throw new Error('expected BAD_REQUEST');
}

describe('multi-channel and batch trigger bodies', () => {
  it('reads POST /pushy/events: one event to many channels, "name" (Pusher) or "event" (Pushy), lowercased channels', () => {
    expect(parseEventsBody({ name: 'order', data: { id: 1 }, channels: ['Shop-1', 'shop-2'], socket_id: '1.2', idempotency_key: 'k1' }, limits)).to.deep.equal({
      event: 'order',
      data: { id: 1 },
      channels: ['shop-1', 'shop-2'],
      socketId: '1.2',
      idempotencyKey: 'k1',
    });
    expect(parseEventsBody({ event: 'order', data: '{"id":1}', channel: 'shop' }, limits)).to.deep.equal({ event: 'order', data: '{"id":1}', channels: ['shop'] });
    expect(parseEventsBody({ name: 'ping', event: 'ping', channels: ['a'] }, limits), 'no data: {} as the single trigger').to.deep.equal({ event: 'ping', data: {}, channels: ['a'] });
    expect(parseEventsBody({ name: 'e', channel: 'a', info: 'user_count' }, limits), 'Pusher\'s "info" is ignored').to.deep.equal({ event: 'e', data: {}, channels: ['a'] });
  });

  it('refuses a bad events body with a message naming the field', () => {
    const many = Array.from({ length: 101 }, (_, i) => `c${i}`);
    const cases: Array<[unknown, RegExp]> = [
      [{ channels: ['a'] }, /name: required/],
      [{ name: 'a', event: 'b', channels: ['a'] }, /event: give "name" or "event", not two/],
      [{ name: 'pushy:connect', channels: ['a'] }, /name: Event names starting with "pushy:" are reserved/],
      [{ name: '', channels: ['a'] }, /name: Event name must be 1 to 200 characters/],
      [{ name: 7, channels: ['a'] }, /name: Invalid input: expected string/],
      [{ name: 'e' }, /channels: required/],
      [{ name: 'e', channel: 'a', channels: ['b'] }, /channels: give "channel" or "channels", not both/],
      [{ name: 'e', channels: [] }, /channels: must name at least one channel/],
      [{ name: 'e', channels: many }, /channels: must name at most 100 channels/],
      [{ name: 'e', channels: ['ok', 'bad name'] }, /channels\[1\]: must be a channel name/],
      [{ name: 'e', channels: ['orders.*'] }, /channels\[0\]: must be a channel name/],
      [{ name: 'e', channels: ['a', 'B', 'b'] }, /channels\[2\]: "b" is listed twice/],
      [{ name: 'e', channels: 'a' }, /channels: must be a list/],
      [{ name: 'e', channel: '__proto__' }, /channel: must be a channel name/],
      [{ name: 'e', channel: 'a', socket_id: 5 }, /socket_id: must be a string/],
      [{ name: 'e', channel: 'a', idempotency_key: 'k'.repeat(201) }, /idempotency_key: must be at most 200/],
      [[], /must be a JSON object/],
      [null, /must be a JSON object/],
      ['text', /must be a JSON object/],
    ];
    for (const [body, message] of cases) expect(refusal(() => parseEventsBody(body, limits)), JSON.stringify(body).slice(0, 80)).to.match(/^Invalid body: /).and.match(message);
    expect(refusal(() => parseEventsBody({ name: 'e', channels: ['a', 'b', 'c'] }, { maxChannels: 2, maxBatchEvents: 1 }))).to.match(/at most 2 channels/);
    expect(refusal(() => parseEventsBody({ name: 'e', channel: 'abcdef' }, { ...limits, maxChannelNameLength: 5 }))).to.match(/1 to 5/);
  });

  it('reads POST /pushy/batch_events: up to the limit of events, each to one channel', () => {
    expect(
      parseBatchBody(
        {
          batch: [
            { name: 'a', data: 1, channel: 'X' },
            { event: 'b', channel: 'y', socket_id: 's', idempotency_key: 'k' },
          ],
        },
        limits,
      ),
    ).to.deep.equal([
      { event: 'a', data: 1, channels: ['x'] },
      { event: 'b', data: {}, channels: ['y'], socketId: 's', idempotencyKey: 'k' },
    ]);
  });

  it('refuses a bad batch body with a message naming the event and the field', () => {
    const event = { name: 'e', channel: 'a' };
    const cases: Array<[unknown, RegExp]> = [
      [{}, /batch: must be a list of events/],
      [{ batch: [] }, /batch: must have at least one event/],
      [{ batch: Array.from({ length: 11 }, () => event) }, /batch: must have at most 10 events/],
      [{ batch: [event, { name: 'e' }] }, /batch\[1\]\.channel: must be a channel name/],
      [{ batch: [event, event, { name: 'e', channel: 'a', channels: ['b'] }] }, /batch\[2\]\.channels: a batch event goes to one "channel"/],
      [{ batch: [{ channel: 'a' }] }, /batch\[0\]\.name: required/],
      [{ batch: [event, 'x'] }, /batch\[1\]: must be an event object/],
      [[event], /must be a JSON object \{"batch"/],
    ];
    for (const [body, message] of cases) expect(refusal(() => parseBatchBody(body, limits)), JSON.stringify(body).slice(0, 80)).to.match(message);
  });

  it('never throws anything but BAD_REQUEST, whatever the body (deeply nested, huge)', () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 10_000; i += 1) deep = { channels: [deep] };
    const hostile = [deep, { name: 'e', channels: Array.from({ length: 1_000_000 }, () => 'a') }, { batch: Array.from({ length: 1_000_000 }, () => ({})) }, Object.create(null), { __proto__: { name: 'e' } }];
    for (const body of hostile) refusal(() => parseEventsBody(body, limits));
    for (const body of hostile) refusal(() => parseBatchBody(body, limits));
  });

  it('takes its limits from config: limits.maxTriggerChannels and limits.maxBatchEvents', () => {
    expect(loadConfig({ env: {} }).limits).to.include({ maxTriggerChannels: 100, maxBatchEvents: 10 });
    expect(loadConfig({ env: { PUSHY_MAX_TRIGGER_CHANNELS: '5', PUSHY_MAX_BATCH_EVENTS: '3' } }).limits).to.include({ maxTriggerChannels: 5, maxBatchEvents: 3 });
    expect(() => loadConfig({ env: { PUSHY_MAX_TRIGGER_CHANNELS: '0' } })).to.throw(ConfigError, /limits\.maxTriggerChannels \(environment variable PUSHY_MAX_TRIGGER_CHANNELS\): must be an integer from 1 to 1000/);
    expect(() => loadConfig({ env: { PUSHY_MAX_BATCH_EVENTS: '101' } })).to.throw(ConfigError, /limits\.maxBatchEvents \(environment variable PUSHY_MAX_BATCH_EVENTS\): must be an integer from 1 to 100/);
  });
});
