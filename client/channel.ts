import { Emitter, type Listener } from './emitter.js';
import type { EventInfo, Member } from './frames.js';

/** Where a channel's subscription stands. */
export type ChannelState = 'unsubscribed' | 'subscribing' | 'subscribed' | 'failed';

/**
 * Where the client stands in a channel's history: the channel's `epoch` and the highest event
 * `offset` received in it. Sent back as `since` when resubscribing after a reconnect.
 */
export interface ChannelPosition {
  offset: number;
  epoch: string;
}

/** What a channel asks of its client. */
export interface ChannelOwner {
  subscribe(channel: Channel): void;
  unsubscribe(channel: Channel): void;
  publish(channel: Channel, event: string, data: unknown): Promise<unknown>;
}

/** Options of {@link Channel.subscribe}. */
export interface SubscribeOptions {
  /**
   * A channel token from your backend (`signChannelToken`): the subscription needs no auth
   * request. Kept for resubscriptions after a reconnect; when it has expired by then, the
   * channel fails with `subscription-error`: subscribe again with a new one.
   */
  token?: string;
}

/**
 * One channel. Bind to its events before or after subscribing: triggered events by their
 * name, and the client's own `pushy:subscription-success`, `subscription-error`,
 * `pushy:subscription-end`, `pushy:member-added`, `pushy:member-quit` and, after a reconnect,
 * `pushy:resubscribed` (`{channel, recovered}`).
 */
export class Channel {
  /** The channel name, lowercased. */
  readonly name: string;
  /** This subscription's member id on a presence channel. */
  memberId: string | undefined;
  /**
   * After a resubscription that asked for the missed events: true when the server sent every
   * one of them, false when it could not (reload the channel's state). Undefined otherwise.
   */
  recovered: boolean | undefined;
  private lastPosition: ChannelPosition | undefined;
  private readonly emitter = new Emitter();
  private readonly memberMap = new Map<string, Member>();
  private currentState: ChannelState = 'unsubscribed';
  /** @internal True while the app wants this channel subscribed (kept across reconnects). */
  wanted = false;
  /** @internal The channel token to subscribe with (see {@link SubscribeOptions.token}). */
  token: string | undefined;

  /** @internal Created by `Pushy.channel(name)`. */
  constructor(name: string, private readonly owner: ChannelOwner) {
    this.name = name;
  }

  /** Where the subscription stands. */
  get state(): ChannelState {
    return this.currentState;
  }

  /** True once the server has accepted the subscription (on the current connection). */
  get subscribed(): boolean {
    return this.currentState === 'subscribed';
  }

  /** Where the client stands in the channel's history (a server without history: undefined). */
  get position(): ChannelPosition | undefined {
    return this.lastPosition ? { ...this.lastPosition } : undefined;
  }

  /** Presence members, current as of the last presence event (empty on other channels). */
  get members(): Member[] {
    return [...this.memberMap.values()];
  }

  /** Subscribes now, or as soon as connected; kept (and re-authorised) across reconnects. */
  subscribe(options: SubscribeOptions = {}): this {
    if (options.token !== undefined) this.token = options.token;
    this.owner.subscribe(this);
    return this;
  }

  /**
   * Publishes an event on this channel (not echoed back to this client). The server takes it
   * when the subscription was made with a channel token that has `"pub": true`; rejects with a
   * `PushyCommandError` (code `445`, `403`...) otherwise.
   */
  publish(event: string, data?: unknown): Promise<unknown> {
    return this.owner.publish(this, event, data);
  }

  /** Leaves the channel; it is no longer resubscribed on reconnect. */
  unsubscribe(): this {
    this.owner.unsubscribe(this);
    return this;
  }

  /** Calls `listener` with the data of every `event` on this channel. */
  bind(event: string, listener: Listener): this {
    this.emitter.bind(event, listener);
    return this;
  }

  /** Removes one listener, every listener of `event`, or (no arguments) all. */
  unbind(event?: string, listener?: Listener): this {
    this.emitter.unbind(event, listener);
    return this;
  }

  /** @internal */
  setState(state: ChannelState): void {
    this.currentState = state;
  }

  /** @internal Starts over from a subscription's position, or forgets it (undefined). */
  setPosition(position: ChannelPosition | undefined): void {
    this.lastPosition = position ? { ...position } : undefined;
  }

  /**
   * @internal An event with this offset arrived. The highest counts: events published at the
   * same moment on two nodes may arrive in either order.
   */
  advance(offset: number): void {
    if (this.lastPosition && offset > this.lastPosition.offset) this.lastPosition.offset = offset;
  }

  /** @internal */
  emit(event: string, data?: unknown, info?: EventInfo): void {
    this.emitter.emit(event, data, info);
  }

  /**
   * @internal Replaces the member list. When `announce` (a resubscription), members that came
   * or went while the client was away are reported as added or quit.
   */
  resetMembers(members: readonly Member[], announce: boolean): void {
    const next = new Map(members.map((member) => [memberKey(member), member] as const));
    const previous = new Map(this.memberMap);
    this.memberMap.clear();
    for (const [key, member] of next) this.memberMap.set(key, member);
    if (!announce) return;
    for (const [key, member] of previous) if (!next.has(key)) this.emit('pushy:member-quit', member);
    for (const [key, member] of next) if (!previous.has(key)) this.emit('pushy:member-added', member);
  }

  /** @internal */
  addMember(member: Member): void {
    this.memberMap.set(memberKey(member), member);
    this.emit('pushy:member-added', member);
  }

  /** @internal */
  removeMember(member: Member): void {
    this.memberMap.delete(memberKey(member));
    this.emit('pushy:member-quit', member);
  }

  /** @internal */
  clearMembers(): void {
    this.memberMap.clear();
  }
}

/** Members with a user id are one member per user (the server does the same). */
function memberKey(member: Member): string {
  // The server keeps `1` and `"1"` apart, and so does the client.
  if (typeof member.id === 'string') return `id:${member.id}`;
  if (typeof member.id === 'number') return `num:${member.id}`;
  return `member:${member.memberId}`;
}
