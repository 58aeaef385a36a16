import { AuthError, type ChannelAuth } from './auth.js';
import { Channel, type ChannelOwner, type ChannelPosition } from './channel.js';
import type { PushyCommandError } from './commands.js';
import type { EventInfo, Member, ServerFrame } from './frames.js';
import { isPattern, patternMatches } from './patterns.js';

/** What the subscription flow needs from the client. */
export interface SubscriptionDeps {
  /** The current socket id when connected, else undefined. */
  connectedSocketId(): string | undefined;
  /** Sends a command now, or returns undefined when not connected. */
  execNow(command: string, data: Record<string, unknown>): Promise<unknown> | undefined;
  /** Sends a command now or once connected (see `Pushy.exec`). */
  exec?(command: string, data: Record<string, unknown>): Promise<unknown>;
  /** Asks the app's auth endpoint to sign `channel` for `socketId`. */
  authorize(channel: string, socketId: string): Promise<ChannelAuth>;
}

/** What a `subscription-error` event carries. */
export interface SubscriptionError {
  channel: string;
  reason: string;
  /** HTTP status of the auth endpoint, when it answered. */
  status?: number;
}

/** What a `pushy:resubscribed` event carries. */
export interface ResubscribedInfo {
  channel: string;
  /** True: every missed event follows (or none was missed). False: reload the channel's state. */
  recovered: boolean;
}

interface Attempt {
  /** Socket the attempt belongs to; answers for older sockets are stale. */
  socketId: string;
  /** Auth was already requested on this socket: a second needauth means a refusal, not a loop. */
  authRequested: boolean;
  /** Where the channel left off, sent as `since` to get the missed events (resubscriptions only). */
  since: ChannelPosition | undefined;
}

/** What `subscription-success` carries; `offset`, `epoch` and `recovered` from a server with history (v2). */
interface SuccessData {
  memberId?: string;
  presence?: Member[];
  offset?: unknown;
  epoch?: unknown;
  recovered?: unknown;
}

/**
 * The channels of one client and the protocol that keeps them subscribed: subscribe, on
 * `subscription-needauth` authorise through the app's endpoint once and subscribe again with
 * the signature, resubscribe everything wanted after a reconnect. Every refusal ends the
 * channel in `failed` with exactly one `subscription-error` event.
 *
 * Each subscribed channel keeps its position in the channel's history (epoch and highest
 * offset received); a resubscription after a reconnect sends it as `since`, so the server
 * replays what was missed or says it cannot (`recovered: false`). A first subscription, or one
 * after `unsubscribe()`, starts from now.
 */
export class Subscriptions implements ChannelOwner {
  private readonly channels = new Map<string, Channel>();
  /** The wildcard channels among them (`orders.*`). */
  private readonly patterns = new Set<Channel>();
  private readonly attempts = new Map<Channel, Attempt>();
  private readonly everSubscribed = new WeakSet<Channel>();

  constructor(private readonly deps: SubscriptionDeps) {}

  /** The channel object for a (lowercased) name, created on first use. */
  get(name: string): Channel {
    let channel = this.channels.get(name);
    if (!channel) {
      channel = new Channel(name, this);
      this.channels.set(name, channel);
      if (isPattern(name)) this.patterns.add(channel);
    }
    return channel;
  }

  /** Every channel the app asked for. */
  all(): Channel[] {
    return [...this.channels.values()];
  }

  subscribe(channel: Channel): void {
    if (channel.wanted) return;
    channel.wanted = true;
    channel.setState('subscribing');
    const socketId = this.deps.connectedSocketId();
    if (socketId !== undefined) this.start(channel, socketId);
  }

  unsubscribe(channel: Channel): void {
    if (!channel.wanted && channel.state !== 'subscribed') return;
    const wasActive = channel.state === 'subscribing' || channel.state === 'subscribed';
    channel.wanted = false;
    channel.setState('unsubscribed');
    channel.clearMembers();
    this.forgetPosition(channel);
    this.attempts.delete(channel);
    if (wasActive) {
      // The server may not have subscribed us yet (auth pending): its 403 answer is expected then.
      this.deps.execNow('unsubscribe', { channel: channel.name })?.catch(ignoreCommandError);
    }
  }

  /** Publishes an event on a channel subscribed with a token that allows it (`publish-event`). */
  publish(channel: Channel, event: string, data: unknown): Promise<unknown> {
    if (!this.deps.exec) return Promise.reject(new Error('Pushy: publishing is not available'));
    return this.deps.exec('publish-event', { channel: channel.name, event, data });
  }

  /** A new socket is up: subscribe every wanted channel again. */
  connected(socketId: string): void {
    for (const channel of this.channels.values()) if (channel.wanted) this.start(channel, socketId);
  }

  /** The socket dropped: subscriptions are gone with it until the next connect. */
  disconnected(): void {
    this.attempts.clear();
    for (const channel of this.channels.values()) if (channel.wanted) channel.setState('subscribing');
  }

  /** Handles a subscription or presence frame; false when the frame is not one. */
  handle(frame: ServerFrame): boolean {
    switch (frame.event) {
      case 'pushy:subscription-success':
        this.onSuccess(this.byData(frame), frame.data);
        return true;
      case 'pushy:subscription-needauth':
        this.onNeedAuth(this.byData(frame));
        return true;
      case 'pushy:subscription-failed':
        this.onFailed(this.byData(frame), String(frame.data?.reason ?? 'Subscription refused'), frame.data?.name);
        return true;
      case 'pushy:subscription-end': {
        const channel = this.byData(frame);
        if (channel && channel.wanted && frame.data?.reason === 'replaced') {
          // The server ended it (its place on an exclusive channel went to a newer subscriber):
          // not resubscribed on reconnect, or the two would take the place back and forth.
          channel.wanted = false;
          this.attempts.delete(channel);
          channel.setState('unsubscribed');
          channel.clearMembers();
          this.forgetPosition(channel);
        }
        if (channel && !channel.wanted) channel.emit('pushy:subscription-end', frame.data);
        return true;
      }
      case 'pushy:presence-add':
      case 'pushy:presence-quit': {
        const channel = frame.channel === undefined ? undefined : this.channels.get(frame.channel);
        const member = frame.data?.member as Member | undefined;
        if (!channel || !channel.subscribed || !member) return true;
        if (frame.event === 'pushy:presence-add') channel.addMember(member);
        else channel.removeMember(member);
        return true;
      }
      default:
        return false;
    }
  }

  /** Delivers a triggered event to its channel; false when the client has no such channel. */
  deliver(frame: ServerFrame): boolean {
    if (frame.channel === undefined) return false;
    const channel = this.channels.get(frame.channel);
    const info: EventInfo = { channel: frame.channel };
    if (typeof frame.offset === 'number') info.offset = frame.offset;
    if (typeof frame.memberId === 'string') info.memberId = frame.memberId;
    // The server sends an event once; every wildcard channel that matches gets it too.
    let delivered = false;
    for (const pattern of this.patterns) {
      if (!pattern.subscribed || !patternMatches(pattern.name, frame.channel)) continue;
      pattern.emit(frame.event, frame.data, info);
      delivered = true;
    }
    if (!channel) return delivered;
    if (typeof frame.offset === 'number' && channel.wanted) channel.advance(frame.offset);
    channel.emit(frame.event, frame.data, info);
    return true;
  }

  private start(channel: Channel, socketId: string): void {
    // Only a channel subscribed before on this page has a position (see onSuccess).
    const attempt: Attempt = { socketId, authRequested: false, since: channel.position };
    this.attempts.set(channel, attempt);
    channel.setState('subscribing');
    // A channel token is the authorisation: no needauth round trip (resent on every reconnect).
    const data: Record<string, unknown> = channel.token === undefined ? { channel: channel.name } : { channel: channel.name, token: channel.token };
    this.send(channel, withSince(data, attempt));
  }

  private send(channel: Channel, data: Record<string, unknown>): void {
    const sent = this.deps.execNow('subscribe', data);
    // Success and refusals come as subscription frames; a pushy:error (bad name, too many
    // subscriptions) only as this command's error.
    sent?.catch((error: PushyCommandError) => {
      if (error.code === 'disconnected' || error.code === 'closed') return;
      this.fail(channel, error.message);
    });
  }

  private onSuccess(channel: Channel | undefined, data: SuccessData): void {
    const attempt = channel ? this.attempts.get(channel) : undefined;
    if (!channel || !attempt || !channel.wanted) return;
    const resubscribed = this.everSubscribed.has(channel);
    this.everSubscribed.add(channel);
    channel.memberId = data.memberId;
    channel.setState('subscribed');
    const since = attempt.since;
    const recovered = since ? data.recovered === true : undefined;
    channel.recovered = recovered;
    if (typeof data.offset !== 'number' || typeof data.epoch !== 'string') {
      // A server without history: nothing to resume from next time.
      channel.setPosition(undefined);
    } else if (since && recovered) {
      // The missed events follow and move the position on as they arrive. Jumping to the
      // success's offset now would skip them if the socket dropped again mid-replay.
      channel.setPosition({ offset: since.offset, epoch: data.epoch });
    } else {
      // First subscription, or nothing replayed: start from now (a changed epoch makes the old
      // offset meaningless).
      channel.setPosition({ offset: data.offset, epoch: data.epoch });
    }
    if (Array.isArray(data.presence)) channel.resetMembers(data.presence, resubscribed);
    channel.emit('pushy:subscription-success', data);
    if (recovered !== undefined) channel.emit('pushy:resubscribed', { channel: channel.name, recovered } satisfies ResubscribedInfo);
  }

  private onNeedAuth(channel: Channel | undefined): void {
    const attempt = channel ? this.attempts.get(channel) : undefined;
    if (!channel || !attempt || !channel.wanted) return;
    if (attempt.authRequested) {
      this.fail(channel, 'Subscription still needs auth after authorising');
      return;
    }
    attempt.authRequested = true;
    void this.authorize(channel, attempt);
  }

  private async authorize(channel: Channel, attempt: Attempt): Promise<void> {
    let signed: ChannelAuth;
    try {
      signed = await this.deps.authorize(channel.name, attempt.socketId);
    } catch (error) {
      if (this.isCurrent(channel, attempt)) this.fail(channel, error instanceof Error ? error.message : String(error), error instanceof AuthError ? error.status : undefined);
      return;
    }
    // A socket that dropped meanwhile: the next connection authorises again for its own id.
    if (!this.isCurrent(channel, attempt)) return;
    const data: Record<string, unknown> = { channel: channel.name, auth: signed.auth };
    if (signed.data !== undefined) data.data = signed.data;
    this.send(channel, withSince(data, attempt));
  }

  private onFailed(channel: Channel | undefined, reason: string, name: unknown): void {
    if (!channel || !channel.wanted || !this.attempts.has(channel)) return;
    // By the refusal's stable name (v2 servers send one with every refusal), not its text.
    if (name === 'ALREADY_SUBSCRIBED') {
      channel.setState('subscribed');
      return;
    }
    this.fail(channel, reason);
  }

  private fail(channel: Channel, reason: string, status?: number): void {
    if (!channel.wanted) return;
    channel.wanted = false;
    this.attempts.delete(channel);
    channel.setState('failed');
    channel.clearMembers();
    this.forgetPosition(channel);
    const error: SubscriptionError = { channel: channel.name, reason };
    if (status !== undefined) error.status = status;
    channel.emit('subscription-error', error);
  }

  /** The app left the channel (or it failed): a later subscribe starts from now. */
  private forgetPosition(channel: Channel): void {
    channel.setPosition(undefined);
    channel.recovered = undefined;
  }

  private isCurrent(channel: Channel, attempt: Attempt): boolean {
    return channel.wanted && this.attempts.get(channel) === attempt && this.deps.connectedSocketId() === attempt.socketId;
  }

  private byData(frame: ServerFrame): Channel | undefined {
    const name = frame.data?.channel;
    return typeof name === 'string' ? this.channels.get(name) : undefined;
  }
}

/** Adds the attempt's `since` to a subscribe command's data. */
function withSince(data: Record<string, unknown>, attempt: Attempt): Record<string, unknown> {
  if (attempt.since) data.since = { offset: attempt.since.offset, epoch: attempt.since.epoch };
  return data;
}

function ignoreCommandError(): void {
  // Expected refusals (see the caller); there is nothing left to do for the channel.
}
