import { expect } from 'chai';
import { PUSHER_ENCODER, eventDataJson, pusherEventData } from '../../../lib/pusher/encoder.js';
import { WATCHLIST_CHANNEL, WatchFrame } from '../../../lib/pusher/watchlist.js';
import { RawJson } from '../../../lib/raw-json.js';

describe('Pusher encoder: event data', () => {
  it('gives Pusher clients a string: as given, or the JSON text of other data', () => {
    expect(pusherEventData('{"n":1}')).to.equal('{"n":1}');
    expect(pusherEventData({ n: 1 })).to.equal('{"n":1}');
    expect(pusherEventData(new RawJson('{"n":12345678901234567890}'))).to.equal('{"n":12345678901234567890}');
    expect(pusherEventData(undefined)).to.equal(undefined);
    expect(eventDataJson('x')).to.equal('"x"');
  });

  it('gives a RawJson of a JSON string (Redis history, a raw native body) as that string', () => {
    const data = 'caf\u00e9 "quoted" {"n":12345678901234567890}';
    expect(pusherEventData(new RawJson(JSON.stringify(data)))).to.equal(data);
    expect(pusherEventData(new RawJson('"caf\\u00e9"'))).to.equal('caf\u00e9');
    expect(eventDataJson(new RawJson('"x"'))).to.equal('"x"');
  });
});

describe('Pusher encoder: watchlist channel', () => {
  const member = { id: 'u2', memberId: 'm1', subscribed: 0, idle: false as const };

  it('makes a member change of the watchlist channel a WatchFrame with the watchlist event, and leaves other presence channels alone', () => {
    const online = PUSHER_ENCODER.encode({ type: 'presence', app: 'a', channel: WATCHLIST_CHANNEL, event: 'member-added', member });
    expect(online).to.be.instanceOf(WatchFrame);
    expect((online as WatchFrame).userId).to.equal('u2');
    expect((online as WatchFrame).text).to.equal('{"event":"pusher_internal:watchlist_events","data":"{\\"events\\":[{\\"name\\":\\"online\\",\\"user_ids\\":[\\"u2\\"]}]}"}');
    const offline = PUSHER_ENCODER.encode({ type: 'presence', app: 'a', channel: WATCHLIST_CHANNEL, event: 'member-removed', member }) as WatchFrame;
    expect(JSON.parse(JSON.parse(offline.text).data as string)).to.deep.equal({ events: [{ name: 'offline', user_ids: ['u2'] }] });
    expect(PUSHER_ENCODER.encode({ type: 'presence', app: 'a', channel: 'presence-room', event: 'member-added', member })).to.be.a('string');
  });
});
