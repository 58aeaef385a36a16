import type { App } from '../apps/app.js';
import type { KeyMatch } from '../apps/app-index.js';
import type { Broker } from '../broker/broker.js';
import type { ChannelManager } from '../channels/channel-manager.js';
import type { HistoryStore } from '../history/history-store.js';
import type { RetentionPolicy } from '../history/retention.js';
import type { Logger } from '../logger.js';
import type { WebhookEvent } from '../webhooks/webhook-event.js';
import type { SubscribeOutcome, Subscriber, Subscription } from '../channels/subscriber.js';
import type { Member } from '../presence/presence-store.js';
import { INTERNAL_CHANNEL_POLICY, isInternalChannel } from '../channels/internal-channels.js';
import { isPushyError } from '../errors.js';
import { TokenBucket } from '../token-bucket.js';
import { readCachedEvent, type CachedEvent } from './cache.js';
import { PUSHER_CHANNEL_POLICY } from './channel-policy.js';
import { PUSHER_ENCODER, TERMINATE_FRAME, eventDataJson, memberUserId, memberUserInfo, type PusherFrame } from './encoder.js';
import { encodeObjectDataFrame, encodePusherError, encodeRawDataFrame, encodeStringDataFrame, encodeSubscriptionError } from './frames.js';
import {
  PUSHER_CLOSES,
  USER_CHANNEL_PREFIX,
  pusherChannelDataSchema,
  pusherChannelKind,
  pusherClientFrameSchema,
  pusherSigninSchema,
  pusherSubscribeSchema,
  pusherUnsubscribeSchema,
  pusherUserDataSchema,
  type PusherClose,
} from './protocol.js';
import { authKeyOf, channelStringToSign, signinStringToSign, verifyPusherAuth } from './signatures.js';
import { MAX_WATCHLIST_IDS, WATCHLIST_CHANNEL, WatchFrame, encodeWatchlistEvent } from './watchlist.js';

/** What the Pusher front end needs of the apps: lookups by key, with rotation (an `AppDirectory` is one). */
export interface PusherApps {
  /** The app one of whose keys is `key`, expired or not. */
  getByKey(key: string): App | undefined;
  /** The app and secret of a live key at `now`. */
  findSecret(key: string, now?: number): KeyMatch | undefined;
  /** The app with this id. */
  get(id: string): App | undefined;
}

/** The webhooks a client event is reported to (optional: absent, none are sent). */
export interface PusherWebhooks {
  emit(appId: string, event: WebhookEvent): void;
}

/** What every Pusher session of a node shares. */
export interface PusherSessionDeps {
  apps: PusherApps;
  channels: ChannelManager;
  /** Client events and terminations go straight to the broker: they are not history. */
  broker: Broker;
  /** Where a `cache-` channel's last event is read from (the last one triggered, kept with the channel's retention). */
  history: HistoryStore;
  retention: RetentionPolicy;
  logger: Logger;
  /** Largest `channel_data` of a presence subscribe, in bytes. */
  maxPresenceDataBytes: number;
  webhooks?: PusherWebhooks;
  /** Bytes that may wait unsent for one client (`limits.maxBufferedBytes`); past it the client is cut off (4100). Default: no bound. */
  maxBufferedBytes?: number;
}

/** What a session writes to: a WebSocket, or a SockJS connection of the HTTP fallbacks. */
export interface PusherTransport {
  /** Transport name, e.g. `websocket`, `xhr-streaming` (metrics and the dashboard count by it, prefixed `pusher-`). */
  readonly name: string;
  send(text: string): void;
  close(code: number, reason: string): void;
  /** A transport-level ping (WebSocket), sent beside `pusher:ping`. */
  ping?(): void;
  /** Bytes written to it that its client has not taken yet (absent: the transport bounds itself). */
  bufferedBytes?(): number;
  /** Drops what is queued, sends `lastFrame`, closes, and cuts the socket if the client does not answer in time. */
  terminate?(code: number, reason: string, lastFrame: string): void;
}

/** Client events one connection may send per second (Pusher's limit). */
export const CLIENT_EVENTS_PER_SECOND = 10;

/** Milliseconds a socket of an app with `enableUserAuthentication` has to sign in (soketi's 30 s). */
export const USER_AUTHENTICATION_TIMEOUT_MS = 30_000;

/** Client frames waiting to be handled; more are refused (a flood must not grow memory). */
const MAX_PENDING_FRAMES = 100;

const PONG = encodeObjectDataFrame('pusher:pong', {});
const PING = encodeObjectDataFrame('pusher:ping', {});

/**
 * One Pusher connection: its frames in, the channel core's frames out. A {@link Subscriber} of
 * the channel core like a native connection, with Pusher's encoder, channel rule and auth.
 */
export class PusherSession implements Subscriber<PusherFrame> {
  readonly subscriptions = new Map<string, Subscription>();
  readonly encoder = PUSHER_ENCODER;
  isOpen = true;
  /** The user this socket signed in as. */
  userId: string | undefined;
  /** The user ids its sign-in's `watchlist` named: their online and offline changes are sent to it. */
  private watchlist: ReadonlySet<string> | undefined;
  /** Last time the client sent anything, ms epoch (the activity check reads it). */
  lastSeen = Date.now();
  /** When the server's ping went out unanswered, ms epoch. */
  pingSent: number | undefined;
  private readonly clientEvents = new TokenBucket(CLIENT_EVENTS_PER_SECOND, CLIENT_EVENTS_PER_SECOND);
  /** Channels whose subscription the client did not ask for (the signed-in user's own): no success frame. */
  private readonly silent = new Set<string>();
  private queue: Promise<void> = Promise.resolve();
  private pending = 0;
  private readonly closeListeners: Array<() => void> = [];
  private signinTimer: NodeJS.Timeout | undefined;
  /** Cut off as a slow consumer: nothing more is sent while the transport closes. */
  private closing = false;

  constructor(
    readonly id: string,
    private readonly appRecord: App,
    private readonly transport: PusherTransport,
    private readonly deps: PusherSessionDeps,
  ) {}

  /** What metrics and the dashboard count it as: `pusher-<transport>`. */
  get protocol(): string {
    return `pusher-${this.transport.name}`;
  }

  /** The app id: the channel namespace, shared with the app's native clients. */
  get app(): string {
    return this.appRecord.id;
  }

  /** The app as it is now (its switches may change while the socket is open). */
  private get current(): App {
    return this.deps.apps.get(this.appRecord.id) ?? this.appRecord;
  }

  /** Sends the handshake: the first frame. */
  start(activityTimeoutSeconds: number): void {
    this.send(encodeStringDataFrame('pusher:connection_established', { socket_id: this.id, activity_timeout: activityTimeoutSeconds }));
    if (this.appRecord.enableUserAuthentication) {
      // The app wants every socket signed in: one that does not, in time, is closed as unauthorized.
      this.signinTimer = setTimeout(() => {
        if (this.userId === undefined) this.closeWith(PUSHER_CLOSES.UNAUTHORIZED);
      }, USER_AUTHENTICATION_TIMEOUT_MS);
      this.signinTimer.unref();
    }
  }

  /** Calls `listener` once the session is gone. */
  onClose(listener: () => void): void {
    this.closeListeners.push(listener);
  }

  /** One text frame from the client; handled in order, one at a time. */
  receive(text: string): void {
    this.lastSeen = Date.now();
    this.pingSent = undefined;
    if (!this.isOpen) return;
    if (this.pending >= MAX_PENDING_FRAMES) {
      this.send(encodePusherError('Too many frames waiting to be handled', null));
      return;
    }
    this.pending += 1;
    this.queue = this.queue
      .then(() => this.handle(text))
      .catch((error: unknown) => this.deps.logger.error('pusher frame failed', { socketId: this.id, error }))
      .finally(() => (this.pending -= 1));
  }

  /** The server's activity check: a ping after `activityMs` of silence, a close when it goes unanswered for `pongMs`. */
  checkActivity(now: number, activityMs: number, pongMs: number): void {
    if (!this.isOpen) return;
    if (this.pingSent !== undefined) {
      if (now - this.pingSent >= pongMs) this.closeWith(PUSHER_CLOSES.PONG_NOT_RECEIVED);
      return;
    }
    if (now - this.lastSeen >= activityMs) {
      this.pingSent = now;
      this.send(PING);
      this.transport.ping?.();
    }
  }

  /** A binary message: Pusher has none. */
  refuseBinary(): void {
    this.lastSeen = Date.now();
    this.send(encodePusherError('Binary frames are not supported: send JSON text', null));
  }

  /** The client answered a protocol-level ping. */
  alive(): void {
    this.lastSeen = Date.now();
    this.pingSent = undefined;
  }

  /** Sends `pusher:error` with the close's code, then closes. */
  closeWith(close: PusherClose | { code: number; reason: string }): void {
    if (!this.isOpen) return;
    this.send(encodePusherError(close.reason, close.code));
    this.transport.close(close.code, close.reason);
  }

  /** The transport is gone: leave every channel. */
  gone(): void {
    if (!this.isOpen) return;
    this.isOpen = false;
    clearTimeout(this.signinTimer);
    void this.deps.channels.removeSubscriber(this);
    for (const listener of this.closeListeners) listener();
  }

  subscribed(channel: string, outcome: SubscribeOutcome): void {
    if (channel === WATCHLIST_CHANNEL) {
      this.sendWatchedOnline(outcome.presence ?? []);
      return;
    }
    if (this.silent.has(channel)) return;
    if (outcome.presence) {
      const ids: string[] = [];
      const hash: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
      for (const member of outcome.presence) {
        const id = memberUserId(member);
        if (!(id in hash)) ids.push(id);
        hash[id] = memberUserInfo(member);
      }
      this.send(encodeStringDataFrame('pusher_internal:subscription_succeeded', { presence: { ids, hash, count: ids.length } }, channel));
      return;
    }
    this.send(encodeStringDataFrame('pusher_internal:subscription_succeeded', {}, channel));
  }

  deliver(frame: PusherFrame | string): void {
    if (frame === TERMINATE_FRAME) {
      this.closeWith(PUSHER_CLOSES.UNAUTHORIZED);
      return;
    }
    if (frame instanceof WatchFrame) {
      // Every signed-in socket of the app gets each change: only those watching the user send it.
      if (this.watchlist?.has(frame.userId)) this.send(frame.text);
      return;
    }
    this.send(frame);
  }

  /** Right after sign-in: one `online` event with the watched users online now (none: nothing). */
  private sendWatchedOnline(members: readonly Member[]): void {
    if (!this.watchlist) return;
    const online = new Set<string>();
    for (const member of members) {
      const id = memberUserId(member);
      if (this.watchlist.has(id)) online.add(id);
    }
    if (online.size > 0) this.send(encodeWatchlistEvent('online', [...online]));
  }

  /**
   * Bytes that may still be sent before the client is cut off as a slow consumer: a replay that
   * does not fit is not worth sending.
   */
  bufferRoom(): number {
    if (!this.isOpen || this.closing) return 0;
    return (this.deps.maxBufferedBytes ?? Number.POSITIVE_INFINITY) - (this.transport.bufferedBytes?.() ?? 0);
  }

  private send(text: string): void {
    if (!this.isOpen || this.closing) return;
    const buffered = this.transport.bufferedBytes?.() ?? 0;
    if (buffered > 0 && buffered + text.length > (this.deps.maxBufferedBytes ?? Number.POSITIVE_INFINITY)) {
      this.cutOffSlowConsumer(buffered);
      return;
    }
    this.transport.send(text);
  }

  /**
   * Drops a client that does not read, with what it was not sent: one stalled client never holds
   * more than its buffer bound, and never delays the others.
   */
  private cutOffSlowConsumer(buffered: number): void {
    this.deps.logger.warn('slow consumer cut off', { socketId: this.id, transport: this.protocol, bufferedBytes: buffered });
    const { code, reason } = PUSHER_CLOSES.SLOW_CONSUMER;
    // Nothing more is sent; the transport's close event ends the session.
    this.closing = true;
    if (this.transport.terminate) this.transport.terminate(code, reason, encodePusherError(reason, code));
    else this.transport.close(code, reason);
  }

  private async handle(text: string): Promise<void> {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      this.send(encodePusherError('Invalid frame: expected JSON {"event","channel"?,"data"?}', null));
      return;
    }
    const frame = pusherClientFrameSchema.safeParse(json);
    if (!frame.success) {
      this.send(encodePusherError('Invalid frame: expected JSON {"event","channel"?,"data"?}', null));
      return;
    }
    const { event, channel, data } = frame.data;
    switch (event) {
      case 'pusher:ping':
        this.send(PONG);
        return;
      case 'pusher:pong':
        return;
      case 'pusher:subscribe':
        return this.subscribe(data);
      case 'pusher:unsubscribe':
        return this.unsubscribe(data);
      case 'pusher:signin':
        return this.signin(data);
      default:
        if (event.startsWith('client-')) return this.clientEvent(event, channel, data);
        this.send(encodePusherError(`Unknown event "${event.slice(0, 50)}"`, null));
    }
  }

  /** True when `auth` is a live key of this app signing `text` (constant time). */
  private verify(auth: string | undefined, text: string): boolean {
    if (auth === undefined) return false;
    const key = authKeyOf(auth);
    if (key === undefined) return false;
    const match = this.deps.apps.findSecret(key);
    if (!match || match.app.id !== this.app) return false;
    return verifyPusherAuth(auth, key, match.secret, text);
  }

  private async subscribe(data: unknown): Promise<void> {
    const parsed = pusherSubscribeSchema.safeParse(data);
    if (!parsed.success) {
      const channel = typeof (data as { channel?: unknown } | null)?.channel === 'string' ? (data as { channel: string }).channel.slice(0, 200) : undefined;
      if (channel !== undefined) this.send(encodeSubscriptionError(channel, 'Invalid channel name or subscribe data', 400));
      else this.send(encodePusherError('Invalid pusher:subscribe: expected {"channel","auth"?,"channel_data"?}', null));
      return;
    }
    const { channel, auth, channel_data: channelData } = parsed.data;
    const kind = pusherChannelKind(channel);
    if (kind.access === 'user') {
      if (this.userId === undefined || channel !== `${USER_CHANNEL_PREFIX}${this.userId}`) {
        this.send(encodeSubscriptionError(channel, 'Only the socket signed in as this user may subscribe', 401));
        return;
      }
      // Subscribed at sign-in (so that a termination reaches it): now the client knows.
      this.silent.delete(channel);
      if (this.subscriptions.has(channel)) this.send(encodeStringDataFrame('pusher_internal:subscription_succeeded', {}, channel));
      return;
    }
    if (this.subscriptions.has(channel)) return;
    let presence: Record<string, unknown> | undefined;
    if (kind.access === 'private') {
      const signed = this.verify(auth, channelStringToSign(this.id, channel)) || (channelData !== undefined && this.verify(auth, channelStringToSign(this.id, channel, channelData)));
      if (!signed) {
        this.send(encodeSubscriptionError(channel, 'Invalid signature', 401));
        return;
      }
    } else if (kind.access === 'presence') {
      presence = this.presenceData(channel, auth, channelData);
      if (!presence) return;
    }
    try {
      await this.deps.channels.subscribe(this, channel, presence, { policy: PUSHER_CHANNEL_POLICY });
    } catch (error) {
      if (!isPushyError(error)) throw error;
      const status = error.errorName === 'PRESENCE_CHANNEL_FULL' ? PUSHER_CLOSES.OVER_CAPACITY.code : error.status;
      this.send(encodeSubscriptionError(channel, error.message, status));
      return;
    }
    if (!this.subscriptions.has(channel)) return;
    if (kind.cache) await this.sendCached(channel);
  }

  /** The presence data of a verified presence subscribe; undefined (and the error sent) otherwise. */
  private presenceData(channel: string, auth: string | undefined, channelData: string | undefined): Record<string, unknown> | undefined {
    if (channelData === undefined) {
      // pusher-js 8 leaves channel_data out once signed in: the user's id, if the auth covers the channel.
      if (this.userId !== undefined && this.verify(auth, channelStringToSign(this.id, channel))) return { id: this.userId };
      this.send(encodeSubscriptionError(channel, 'Invalid signature', 401));
      return undefined;
    }
    if (Buffer.byteLength(channelData) > this.deps.maxPresenceDataBytes) {
      this.send(encodeSubscriptionError(channel, 'channel_data too large', 413));
      return undefined;
    }
    if (!this.verify(auth, channelStringToSign(this.id, channel, channelData))) {
      this.send(encodeSubscriptionError(channel, 'Invalid signature', 401));
      return undefined;
    }
    let member: unknown;
    try {
      member = JSON.parse(channelData);
    } catch {
      member = undefined;
    }
    const parsed = pusherChannelDataSchema.safeParse(member);
    if (!parsed.success) {
      this.send(encodeSubscriptionError(channel, 'Invalid channel_data: expected {"user_id","user_info"?}', 400));
      return undefined;
    }
    const { user_id: userId, user_info: info } = parsed.data;
    return info === undefined ? { id: String(userId) } : { id: String(userId), info };
  }

  /** A `cache-` channel's last triggered event, or `pusher:cache_miss`. */
  private async sendCached(channel: string): Promise<void> {
    let last: CachedEvent | undefined;
    try {
      last = await readCachedEvent(this.deps, this.app, channel);
    } catch (error) {
      this.deps.logger.debug('cache channel: history unavailable', { channel, error });
    }
    if (last) {
      this.send(encodeRawDataFrame(last.event, eventDataJson(last.data), channel));
      return;
    }
    this.send(encodeRawDataFrame('pusher:cache_miss', undefined, channel));
    this.deps.webhooks?.emit(this.app, { name: 'cache_miss', channel });
  }

  private async unsubscribe(data: unknown): Promise<void> {
    const parsed = pusherUnsubscribeSchema.safeParse(data);
    if (!parsed.success) return;
    const { channel } = parsed.data;
    // The user's own channel stays: it carries terminations; the server's own channels are not the client's.
    if (pusherChannelKind(channel).access === 'user' || isInternalChannel(channel) || !this.subscriptions.has(channel)) return;
    await this.deps.channels.unsubscribe(this, channel).catch(() => undefined);
  }

  private async signin(data: unknown): Promise<void> {
    const parsed = pusherSigninSchema.safeParse(data);
    if (!parsed.success || !this.verify(parsed.data.auth, signinStringToSign(this.id, parsed.data.user_data))) {
      this.closeWith(PUSHER_CLOSES.UNAUTHORIZED);
      return;
    }
    let userData: unknown;
    try {
      userData = JSON.parse(parsed.data.user_data);
    } catch {
      userData = undefined;
    }
    const user = pusherUserDataSchema.safeParse(userData);
    if (!user.success || (this.userId !== undefined && this.userId !== user.data.id)) {
      this.closeWith(PUSHER_CLOSES.UNAUTHORIZED);
      return;
    }
    // Watchlists only for the apps that turn them on: tracking who is online costs every sign-in a presence join.
    const watching = this.current.enableWatchlistEvents === true;
    const watchlist = watching ? (user.data.watchlist ?? []) : [];
    if (watchlist.length > MAX_WATCHLIST_IDS) {
      // Refused, not closed: the socket goes on as it was (pusher-js reports the error and stays connected).
      const { code, reason } = PUSHER_CLOSES.WATCHLIST_TOO_LONG;
      this.send(encodePusherError(reason, code));
      return;
    }
    this.watchlist = watchlist.length > 0 ? new Set(watchlist) : undefined;
    const first = this.userId === undefined;
    if (first) {
      this.userId = user.data.id;
      const channel = `${USER_CHANNEL_PREFIX}${this.userId}`;
      this.silent.add(channel);
      await this.deps.channels.subscribe(this, channel, undefined, { policy: PUSHER_CHANNEL_POLICY }).catch((error: unknown) => {
        this.deps.logger.warn('pusher: could not subscribe a signed-in socket to its user channel', { socketId: this.id, error });
      });
    }
    this.send(encodeObjectDataFrame('pusher:signin_success', { user_data: parsed.data.user_data }));
    // After the success, so that the watched users online now come after it, then the changes.
    if (first && watching) await this.joinWatchlistPresence();
  }

  /**
   * Joins the app's presence of signed-in users as this user: others watching it see it online;
   * the outcome (in {@link subscribed}) tells this socket which of its watched users are.
   */
  private async joinWatchlistPresence(): Promise<void> {
    if (this.userId === undefined) return;
    await this.deps.channels.subscribe(this, WATCHLIST_CHANNEL, { id: this.userId }, { policy: INTERNAL_CHANNEL_POLICY }).catch((error: unknown) => {
      this.deps.logger.warn('pusher: could not join the watchlist presence', { socketId: this.id, error });
    });
  }

  private async clientEvent(event: string, channel: string | undefined, data: unknown): Promise<void> {
    if (!this.current.enableClientEvents) {
      this.send(encodePusherError('Client events are not enabled for this app', null));
      return;
    }
    const kind = channel === undefined ? undefined : pusherChannelKind(channel);
    if (channel === undefined || !kind || (kind.access !== 'private' && kind.access !== 'presence') || kind.encrypted) {
      this.send(encodePusherError('Client events are only allowed on private and presence channels (not encrypted ones)', null));
      return;
    }
    if (!this.subscriptions.has(channel)) {
      this.send(encodePusherError(`Not subscribed to ${channel}`, null));
      return;
    }
    if (!this.clientEvents.take()) {
      this.send(encodePusherError(PUSHER_CLOSES.CLIENT_EVENT_REJECTED.reason, PUSHER_CLOSES.CLIENT_EVENT_REJECTED.code));
      return;
    }
    const userId = kind.access === 'presence' ? this.presenceUserId(channel) : undefined;
    try {
      await this.deps.broker.publish({ type: 'event', app: this.app, channel, event, data: data ?? {}, excludeSocketId: this.id, userId });
    } catch (error) {
      this.send(encodePusherError(isPushyError(error) ? error.message : 'Client event could not be sent', null));
      return;
    }
    this.deps.webhooks?.emit(this.app, { name: 'client_event', channel, event, data: typeof data === 'string' ? data : JSON.stringify(data ?? {}), socket_id: this.id, user_id: userId });
  }

  /** The user id this socket is a presence member of `channel` as. */
  private presenceUserId(channel: string): string | undefined {
    const key = this.subscriptions.get(channel)?.memberKey;
    return key?.startsWith('u:') ? key.slice(2) : undefined;
  }
}
