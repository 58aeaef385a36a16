import { createHmac } from 'node:crypto';
import { expect } from 'chai';
import fc from 'fast-check';
import { signChannelToken } from '../../lib/index.js';
import { eventsUrlV3, signChannelV3 } from '../../lib/signing.js';
import { TestClient, type Frame } from '../helpers/client.js';
import { checkFrame, checkHttpError, nastyString } from '../helpers/fuzz.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { post, trigger } from '../helpers/trigger.js';

const FRAME_RUNS = 1500;
const HTTP_RUNS = 400;

const b64 = (text: string): string => Buffer.from(text).toString('base64url');

/** Wildcard-ish channel texts: near-valid patterns, misplaced stars, kinds, and the nasty strings. */
const patternArb = fc.oneof(
  fc.stringMatching(/^(private-|presence-)?[a-z0-9.*]{0,20}$/),
  fc.constantFrom('*', '**', '.*', '..*', 'a.**.*', 'a.*.*', 'private-a.*', 'presence-a.**', 'a.***', 'A.*', 'a.b.c.**'),
  nastyString.map((text) => `${text}.*`),
  nastyString.map((text) => `*${text}`),
);

/**
 * Channel tokens a hostile client would send: garbage, and JWTs with any header and claims,
 * signed with the right secret (so the claims are read) or not. (Real tokens with a character
 * cut out are added by the test.)
 */
function tokenArb(secret: string): fc.Arbitrary<string> {
  const header = fc.record({ alg: fc.constantFrom<unknown>('HS256', 'none', 'RS256', 'hs256', 'ES256', 7, null), kid: fc.oneof(fc.constant<unknown>('default'), nastyString, fc.integer()) });
  const claims = fc.oneof(
    fc.jsonValue({ maxDepth: 3 }),
    fc.record({
      channel: fc.oneof(patternArb, nastyString, fc.constant<unknown>(5)),
      exp: fc.oneof(fc.integer(), fc.double(), fc.constant<unknown>('soon'), fc.constant(Math.floor(Date.now() / 1000) + 600)),
      pub: fc.oneof(fc.boolean(), fc.constant<unknown>('yes')),
      presence: fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constant<unknown>(undefined)),
    }),
  );
  const signed = fc.tuple(header, claims, fc.boolean()).map(([h, c, good]) => {
    const text = `${b64(JSON.stringify(h))}.${b64(JSON.stringify(c) ?? 'null')}`;
    return `${text}.${good ? createHmac('sha256', secret).update(text).digest('base64url') : 'x'}`;
  });
  return fc.oneof(nastyString, signed);
}

describe('e2e: fuzzing the issue #17 paths (patterns, tokens, client events, multi-channel triggers)', function () {
  this.timeout(120_000);
  let srv: TestServer;
  let client: TestClient;
  let realToken = '';

  before(async () => {
    srv = await startServer({
      limits: { framesPerSecond: 1_000_000, frameBurst: 1_000_000 },
      clientEvents: { enabled: true, perSecond: 1000 },
      channels: [{ match: 'fz-one-*', maxSubscribers: 1, onFull: 'replace' }],
    } as Parameters<typeof startServer>[0]);
    client = await TestClient.connect(srv.url);
    const socketId = client.frames.find((f) => f.event === 'pushy:connect')!.data.socketId as string;
    await client.subscribe('private-fz', { auth: signChannelV3({ socketId, channel: 'private-fz', secretKey: srv.secret }) });
    realToken = await signChannelToken({ key: 'default', secret: srv.secret, channel: 'private-fz.**', pub: true, expiresIn: 600 });
  });
  after(async () => {
    await client?.close();
    await srv?.close();
  });

  it('answers every hostile subscribe, unsubscribe and publish-event with a known frame, never an internal error', async () => {
    let id = 0;
    const tokens = fc.oneof(tokenArb(srv.secret), fc.nat(realToken.length).map((cut) => realToken.slice(0, cut) + realToken.slice(cut + 1)), fc.constant(realToken));
    const frame = fc.oneof(
      fc.record({ command: fc.constant('subscribe'), data: fc.record({ channel: fc.oneof(patternArb, nastyString), auth: fc.option(nastyString, { nil: undefined }), token: fc.option(tokens, { nil: undefined }) }, { requiredKeys: ['channel'] }) }),
      fc.record({ command: fc.constant('unsubscribe'), data: fc.record({ channel: fc.oneof(patternArb, nastyString) }) }),
      fc.record({
        command: fc.constant('publish-event'),
        data: fc.record({
          channel: fc.oneof(fc.constantFrom('private-fz', 'private-fz.1', 'fz-one-1', 'public-fz'), patternArb, nastyString),
          event: fc.oneof(nastyString.map((text) => `client-${text}`), nastyString, fc.constantFrom('client-x', 'pushy:x', 'x')),
          data: fc.jsonValue({ maxDepth: 3 }),
        }),
      }),
      fc.record({ command: fc.constant('subscribe'), data: fc.record({ channel: fc.constantFrom('fz-one-1', 'fz-one-2') }) }),
    );
    await fc.assert(
      fc.asyncProperty(frame, async (value) => {
        id += 1;
        const since = client.frames.length;
        client.command(value.command, value.data, id);
        // The answer with this id; a frame over the size limit is refused before it is read, so without one.
        const answered = (f: Frame): boolean =>
          ((f.event === 'pushy:reply' || f.event === 'pushy:error') && f.data?.id === id) || (f.event === 'pushy:error' && f.data?.name === 'FRAME_TOO_LARGE');
        const answer = await client.nextAny(answered, since);
        for (const f of client.frames.slice(since)) if (f.event.startsWith('pushy:')) checkFrame(f as Frame);
        checkFrame(answer);
      }),
      { numRuns: FRAME_RUNS },
    );
    // Still serving: a subscribe and a trigger go through.
    await client.subscribe('fz-sentinel');
    await trigger(srv.url, 'fz-sentinel', 'alive', {}, { secret: srv.secret });
    await client.next('alive');
  });

  it('answers every hostile multi-channel and batch body with 2xx or a catalogue error', async () => {
    const item = fc.record({ name: fc.oneof(nastyString, fc.constant('e')), channel: fc.oneof(nastyString, fc.constant('fz-http')), data: fc.jsonValue({ maxDepth: 2 }), socket_id: nastyString, idempotency_key: nastyString }, { requiredKeys: [] });
    const body = fc.oneof(
      nastyString,
      fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify(value)),
      item.map((value) => JSON.stringify(value)),
      fc.record({ name: fc.constant('e'), channels: fc.array(fc.oneof(nastyString, fc.constant('fz-http')), { maxLength: 120 }) }).map((value) => JSON.stringify(value)),
      fc.array(item, { maxLength: 14 }).map((batch) => JSON.stringify({ batch })),
    );
    await fc.assert(
      fc.asyncProperty(body, fc.constantFrom<'events' | 'batch'>('events', 'batch'), async (text, route) => {
        const answer = await post(eventsUrlV3({ baseUrl: srv.url, route, body: text, secretKey: srv.secret }), text);
        if (answer.status >= 300) checkHttpError(answer, srv.secret);
        else expect(answer.status).to.be.oneOf([200, 201]);
      }),
      { numRuns: HTTP_RUNS },
    );
  });
});
