import { expect } from 'chai';
import { PushyError } from '../../lib/errors.js';
import { silentLogger } from '../../lib/logger.js';
import { MemoryReplayStore } from '../../lib/signing/replay-store.js';
import { SignaturePolicy, type SignedRequest } from '../../lib/signing/signature-policy.js';

describe('SignaturePolicy.once', () => {
  // Taken per test, not when the file loads: the suite runs for minutes, longer than the
  // timestamp tolerance, and an old timestamp is not remembered as a replay.
  let now: number;
  const v3 = (signature: string, timestamp = now): SignedRequest => ({ form: 'v3', rawBody: true, timestamp, signature });
  let replays: MemoryReplayStore;
  let policy: SignaturePolicy;
  beforeEach(() => {
    now = Math.floor(Date.now() / 1000);
    replays = new MemoryReplayStore({ maxKeys: 2 });
    policy = new SignaturePolicy({ secretKey: 'k', timestampTolerance: 600, legacy: true, replays, logger: silentLogger });
  });

  async function refusal(run: Promise<unknown>): Promise<PushyError> {
    try {
      await run;
    } catch (error) {
      expect(error).to.be.instanceOf(PushyError);
      return error as PushyError;
    }
    expect.fail('accepted');
  }

  it('runs the work once per v3 signature and refuses it after that with SIGNATURE_REPLAYED (409)', async () => {
    expect(await policy.once(v3('a'), async () => 1)).to.equal(1);
    let ran = false;
    const error = await refusal(policy.once(v3('a'), async () => (ran = true)));
    expect(error.errorName).to.equal('SIGNATURE_REPLAYED');
    expect(error.status).to.equal(409);
    expect(ran).to.equal(false);
  });

  it('gives the signature back when the work fails, so the same request may be sent again', async () => {
    await refusal(
      policy.once(v3('b'), async () => {
        throw new PushyError('UNAVAILABLE');
      }),
    );
    expect(await policy.once(v3('b'), async () => 'retried')).to.equal('retried');
  });

  it('remembers nothing for v1/v2 requests (they cannot be told from a retry)', async () => {
    const legacy: SignedRequest = { form: 'legacy', rawBody: true, timestamp: now };
    for (let i = 0; i < 3; i += 1) expect(await policy.once(legacy, async () => i)).to.equal(i);
    expect(replays.size()).to.equal(0);
  });

  it('refuses with 403 "501" a request older than what a full replay memory still holds', async () => {
    for (const signature of ['c', 'd', 'e']) await policy.once(v3(signature, now - 10), async () => undefined);
    const error = await refusal(policy.once(v3('f', now - 10), async () => undefined));
    expect(error.code).to.equal('501');
    expect(error.message).to.contain('signing.maxReplayKeys');
    expect(await policy.once(v3('g', now), async () => 'fresh')).to.equal('fresh');
  });
});
