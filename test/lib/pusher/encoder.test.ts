import { expect } from 'chai';
import { eventDataJson, pusherEventData } from '../../../lib/pusher/encoder.js';
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
