import { expect } from 'chai';
import Pusher from 'pusher';
import { authKeyOf, channelStringToSign, pusherAuth, signinStringToSign, verifyPusherAuth } from '../../../lib/pusher/signatures.js';

const key = '278d425bdf160c739803';
const secret = '7ad3773142a6692b25b8';

describe('pusher: socket signatures', () => {
  it('matches the test vectors of PUSHER.md A4', () => {
    expect(pusherAuth(key, secret, channelStringToSign('1234.1234', 'private-foobar'))).to.equal(
      `${key}:58df8b0c36d6982b82c3ecf6b4662e34fe8c25bba48f5369f135bf843651c3a4`,
    );
    const channelData = JSON.stringify({ user_id: 10, user_info: { name: 'Mr. Channels' } });
    expect(pusherAuth(key, secret, channelStringToSign('1234.1234', 'presence-foobar', channelData))).to.equal(
      `${key}:31935e7d86dba64c2a90aed31fdc61869f9b22ba9d8863bba239c03ca481bc80`,
    );
  });

  it('verifies what the pusher Node SDK signs, and nothing else', () => {
    const sdk = new Pusher({ appId: '1', key, secret, cluster: 'mt1' });
    const channelData = { user_id: 'u1', user_info: { name: 'Ann' } };
    const presence = sdk.authorizeChannel('1.2', 'presence-room', channelData);
    expect(verifyPusherAuth(presence.auth, key, secret, channelStringToSign('1.2', 'presence-room', presence.channel_data))).to.equal(true);
    expect(verifyPusherAuth(presence.auth, key, secret, channelStringToSign('1.3', 'presence-room', presence.channel_data))).to.equal(false);
    const user = sdk.authenticateUser('1.2', { id: 'u1' });
    expect(verifyPusherAuth(user.auth, key, secret, signinStringToSign('1.2', user.user_data))).to.equal(true);
    expect(verifyPusherAuth(user.auth, key, 'other-secret', signinStringToSign('1.2', user.user_data))).to.equal(false);
  });

  it('reads the key of an auth only from a well-formed key:hex', () => {
    expect(authKeyOf(`${key}:${'a'.repeat(64)}`)).to.equal(key);
    expect(authKeyOf(`:${'a'.repeat(64)}`)).to.equal(undefined);
    expect(authKeyOf(`${key}:abc`)).to.equal(undefined);
    expect(authKeyOf('')).to.equal(undefined);
  });
});
