import { expect } from 'chai';
import { TestClient, type Frame } from '../helpers/client.js';
import { getJson, historyUrl } from '../helpers/history.js';
import { trigger } from '../helpers/trigger.js';

/** A node of the cluster under test: where clients connect and triggers go. */
export interface RecoveryNode {
  url: string;
  secret: string;
}

/** Offsets of the channel events a client got after frame index `from`, in arrival order. */
export function offsetsAfter(client: TestClient, channel: string, from: number): number[] {
  return client.frames.slice(from).filter((f: Frame) => f.channel === channel && typeof f.offset === 'number').map((f) => f.offset as number);
}

/** The channel's epoch, as the HTTP history says. */
export async function channelEpoch(node: RecoveryNode, channel: string): Promise<string> {
  const { body } = await getJson(historyUrl({ baseUrl: node.url, channel, secret: node.secret }));
  return body.epoch as string;
}

/** Triggers `count` events one after the other. */
export async function triggerMany(node: RecoveryNode, channel: string, count: number, first = 0): Promise<void> {
  for (let i = 0; i < count; i += 1) {
    const answer = await trigger(node.url, channel, 'msg', { n: first + i }, { secret: node.secret });
    expect(answer.status).to.be.oneOf([200, 201]);
  }
}

/**
 * Acceptance 1 (and 2 with two nodes): a client leaves, 50 events go out, it comes back with
 * `since` and gets the 50 in order, then live events, each once.
 */
export async function recoversMissedEvents(first: RecoveryNode, second: RecoveryNode, channel: string): Promise<void> {
  const before = await TestClient.connect(first.url);
  const subscribed = await before.subscribe(channel);
  expect(subscribed.event).to.equal('pushy:subscription-success');
  const start = subscribed.data.offset as number;
  await trigger(first.url, channel, 'msg', { n: -1 }, { secret: first.secret });
  const last = await before.next('msg', (f) => f.offset === start + 1);
  const { epoch } = subscribed.data;
  await before.close();

  await triggerMany(first, channel, 50);

  const after = await TestClient.connect(second.url);
  const from = after.frames.length;
  const success = await after.subscribe(channel, { since: { offset: last.offset, epoch } });
  expect(success.event).to.equal('pushy:subscription-success');
  // The channel's epoch now (it had none yet when `before` subscribed).
  expect(success.data).to.include({ channel, recovered: true, offset: start + 51, epoch: await channelEpoch(second, channel) });
  await after.next('msg', (f) => f.offset === start + 51);
  await trigger(second.url, channel, 'msg', { n: 'live' }, { secret: second.secret });
  await after.next('msg', (f) => f.data.n === 'live');

  const offsets = offsetsAfter(after, channel, from);
  expect(offsets).to.deep.equal(Array.from({ length: 51 }, (_, i) => start + 2 + i));
  const frames = after.frames.slice(from).filter((f) => f.channel === channel);
  expect(frames.slice(0, 50).map((f) => f.data.n)).to.deep.equal(Array.from({ length: 50 }, (_, i) => i));
  const successIndex = after.frames.indexOf(success);
  const firstEvent = after.frames.findIndex((f) => f.channel === channel && f.event === 'msg');
  expect(successIndex, 'success comes before the replay').to.be.lessThan(firstEvent);
  await after.close();
}

/**
 * Events triggered while the resubscribe's history read is in flight are neither lost nor
 * doubled: the offsets the client ends with are exactly since+1 .. last.
 */
export async function recoversWhilePublishing(publisher: RecoveryNode, subscriberNode: RecoveryNode, channel: string): Promise<void> {
  const probe = await TestClient.connect(subscriberNode.url);
  const subscribed = await probe.subscribe(channel);
  await probe.close();
  await triggerMany(publisher, channel, 10);

  const client = await TestClient.connect(subscriberNode.url);
  const from = client.frames.length;
  const concurrent = triggerMany(publisher, channel, 30, 100);
  const success = await client.subscribe(channel, { since: { offset: subscribed.data.offset, epoch: subscribed.data.epoch } });
  expect(success.data.recovered).to.equal(true);
  await concurrent;
  const lastOffset = (subscribed.data.offset as number) + 40;
  await client.next('msg', (f) => f.offset === lastOffset);
  const offsets = offsetsAfter(client, channel, from);
  expect(offsets).to.deep.equal(Array.from({ length: 40 }, (_, i) => (subscribed.data.offset as number) + 1 + i));
  await client.close();
}

/** Acceptance 3: more missed than history holds, or another epoch: `recovered: false`, and live events still come. */
export async function cannotRecover(node: RecoveryNode, channel: string, historySize: number): Promise<void> {
  const before = await TestClient.connect(node.url);
  const subscribed = await before.subscribe(channel);
  await before.close();
  await triggerMany(node, channel, historySize + 5);

  const trimmed = await TestClient.connect(node.url);
  const from = trimmed.frames.length;
  const success = await trimmed.subscribe(channel, { since: { offset: subscribed.data.offset, epoch: subscribed.data.epoch } });
  expect(success.data).to.include({ recovered: false, offset: (subscribed.data.offset as number) + historySize + 5 });
  await trigger(node.url, channel, 'msg', { n: 'live' }, { secret: node.secret });
  const live = await trimmed.next('msg', (f) => f.data.n === 'live');
  expect(live.offset).to.equal(success.data.offset + 1);
  expect(offsetsAfter(trimmed, channel, from), 'nothing replayed').to.deep.equal([live.offset]);

  const otherEpoch = await TestClient.connect(node.url);
  const mark = otherEpoch.frames.length;
  const refused = await otherEpoch.subscribe(channel, { since: { offset: 1, epoch: `${success.data.epoch}-old` } });
  expect(refused.data.recovered).to.equal(false);
  expect(refused.data.epoch).to.equal(success.data.epoch);
  await trigger(node.url, channel, 'msg', { n: 'live2' }, { secret: node.secret });
  const live2 = await otherEpoch.next('msg', (f) => f.data.n === 'live2');
  expect(offsetsAfter(otherEpoch, channel, mark)).to.deep.equal([live2.offset]);
  await Promise.all([trimmed.close(), otherEpoch.close()]);
}
