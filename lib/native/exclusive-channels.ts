import { z } from 'zod';
import type { Broker, BrokerMessage } from '../broker/broker.js';
import type { ChannelManager } from '../channels/channel-manager.js';
import type { ChannelRules } from '../channel-rules/channel-rules.js';
import type { ExclusiveChannelStore } from '../channel-rules/exclusive-channel-store.js';
import { PushyError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Connection } from './connection.js';
import { EVENTS } from './protocol.js';

/**
 * The broker key of eviction notices. `#` is in no channel name, so no channel's subscribers
 * (and no trigger) can ever see or send on it; the channel core finds no channel of that key
 * and ignores the messages, this module takes them.
 */
export const EVICTION_KEY = '#evict';

/** The event of an eviction notice on {@link EVICTION_KEY}. */
const EVICTION_EVENT = 'evict';

/** An eviction notice as it travels: whoever has that socket drops its subscription. */
const noticeSchema = z.object({ app: z.string().max(64), channel: z.string().max(1000), socketId: z.string().max(128) });

/** What {@link ExclusiveChannels} needs. */
export interface ExclusiveChannelsDeps {
  rules: ChannelRules;
  /** Places, per node (memory) or for the cluster (Redis). */
  store: ExclusiveChannelStore;
  /** Carries eviction notices to the node of the replaced subscriber. */
  broker: Broker;
  channels: ChannelManager;
  logger: Logger;
  /** Called for an evicted subscription (e.g. to forget what its token granted). */
  onEvicted?(connection: Connection, channel: string): void;
}

/**
 * Exclusive channels (`channels` rules with `maxSubscribers`): a subscribe to a limited channel
 * claims a place in the store first; a full channel refuses the newcomer (`CHANNEL_FULL`, 423)
 * or, with `"onFull": "replace"`, the oldest holder is told through the broker (wherever it is
 * connected) and loses its subscription with `pushy:subscription-end` `{channel, reason:
 * "replaced"}`. A place is given back on unsubscribe and disconnect.
 */
export class ExclusiveChannels {
  /** This node's holders by socket id, and the limited channels each holds. */
  private readonly holders = new Map<string, { connection: Connection; channels: Set<string> }>();

  constructor(private readonly deps: ExclusiveChannelsDeps) {
    deps.broker.onMessage((message) => this.onNotice(message));
  }

  /** Starts hearing eviction notices (only when there are rules). */
  async start(): Promise<void> {
    if (!this.deps.rules.isEmpty) await this.deps.broker.subscribe(EVICTION_KEY);
  }

  /**
   * Claims a place for a subscribe to `channel`. Undefined when admitted (or the channel has no
   * rule); the refusal otherwise. Rejects with `UNAVAILABLE` while a shared store is away.
   */
  async claim(connection: Connection, channel: string): Promise<PushyError | undefined> {
    const rule = this.deps.rules.ruleFor(channel);
    if (rule === undefined) return undefined;
    const result = await this.deps.store.claim(connection.app, channel, connection.id, rule.maxSubscribers, rule.onFull);
    if (!result.admitted) return new PushyError('CHANNEL_FULL', `Channel is full: it takes ${rule.maxSubscribers} subscriber${rule.maxSubscribers === 1 ? '' : 's'}`);
    this.hold(connection, channel);
    for (const socketId of result.evicted) {
      const notice = { type: 'event' as const, channel: EVICTION_KEY, event: EVICTION_EVENT, data: { app: connection.app, channel, socketId } };
      await this.deps.broker.publish(notice).catch((error: unknown) => {
        this.deps.logger.warn('exclusive channel: could not tell a replaced subscriber', { channel, error });
      });
    }
    return undefined;
  }

  /** Gives back the place of `connection` on `channel`, if it holds one. */
  async release(connection: Connection, channel: string): Promise<void> {
    const held = this.holders.get(connection.id);
    if (!held?.channels.delete(channel)) return;
    if (held.channels.size === 0) this.holders.delete(connection.id);
    await this.deps.store.release(connection.app, channel, connection.id).catch((error: unknown) => {
      this.deps.logger.warn('exclusive channel: could not give a place back', { channel, error });
    });
  }

  private hold(connection: Connection, channel: string): void {
    let held = this.holders.get(connection.id);
    if (held === undefined) {
      held = { connection, channels: new Set() };
      this.holders.set(connection.id, held);
      // A disconnect gives back every place the connection holds.
      connection.onClose(() => {
        const channels = [...(this.holders.get(connection.id)?.channels ?? [])];
        for (const name of channels) void this.release(connection, name);
      });
    }
    held.channels.add(channel);
  }

  private onNotice(message: BrokerMessage): void {
    if (message.channel !== EVICTION_KEY || message.type !== 'event' || message.event !== EVICTION_EVENT) return;
    const notice = noticeSchema.safeParse(message.data);
    if (!notice.success) return;
    const { channel, socketId } = notice.data;
    const held = this.holders.get(socketId);
    if (held === undefined || held.connection.app !== notice.data.app || !held.channels.delete(channel)) return;
    if (held.channels.size === 0) this.holders.delete(socketId);
    void this.evict(held.connection, channel);
  }

  /** Its place went to a newer subscriber (the store has forgotten it already). */
  private async evict(connection: Connection, channel: string): Promise<void> {
    try {
      if (connection.subscriptions.has(channel)) await this.deps.channels.unsubscribe(connection, channel);
      this.deps.onEvicted?.(connection, channel);
      connection.send(EVENTS.subscriptionEnd, undefined, { channel, reason: 'replaced' });
    } catch (error) {
      this.deps.logger.warn('exclusive channel: could not end a replaced subscription', { channel, error });
    }
  }
}
