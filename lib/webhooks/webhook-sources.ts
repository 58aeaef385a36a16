import { randomBytes } from 'node:crypto';
import { channelKey, parseChannelKey } from '../apps/namespace.js';
import type { ChannelHooks } from '../channels/channel-hooks.js';
import type { Logger } from '../logger.js';
import { channelMarker, type OccupancyStore, type Resumption } from '../occupancy/occupancy-store.js';
import type { Member } from '../presence/presence-store.js';
import type { WebhookEvent } from './webhook-event.js';

/** Where the sources send what they decided: `Webhooks.emit` with the removal delay already waited out. */
export interface SettledEmitter {
  emit(appId: string, event: WebhookEvent, options: { settled: true }): void;
}

/** What {@link WebhookSources} needs. */
export interface WebhookSourcesDeps {
  occupancy: OccupancyStore;
  webhooks: SettledEmitter;
  logger: Logger;
  /** `webhooks.removalDelay`: how long a removal waits for a return, in ms. */
  delayMs: number;
  /** Most removals waiting on this node; past it the oldest is settled early (`webhooks.maxQueued`). */
  maxPending: number;
}

type Removal = Extract<WebhookEvent, { name: 'channel_vacated' | 'member_removed' }>;

interface Pending {
  readonly appId: string;
  readonly event: Removal;
  readonly token: string;
  readonly timer: NodeJS.Timeout;
}

/**
 * The sources of the cluster-wide webhook events: follows the channel core's moments
 * ({@link ChannelHooks}) and the occupancy store, and emits `channel_occupied`,
 * `channel_vacated`, `member_added` and `member_removed` once per cluster.
 *
 * The removal delay works across nodes: a removal leaves a marker in the (shared) occupancy
 * store; a return anywhere within the delay takes the marker away (and is itself not news), and
 * the node that made the removal sends it after the delay only if its marker is still there.
 * A dead node's channels are vacated by the one node that reaps it.
 */
export class WebhookSources implements ChannelHooks {
  /** Removals waiting out the delay on this node, by marker. */
  private readonly pending = new Map<string, Pending>();
  private readonly settling = new Set<Promise<void>>();
  private readonly removeReaped: (() => void) | undefined;
  private closed = false;

  constructor(private readonly deps: WebhookSourcesDeps) {
    this.removeReaped = deps.occupancy.onReaped?.((channels) => {
      for (const key of channels) {
        const { app, channel } = parseChannelKey(key);
        // The node's death was its delay (adapter.nodeTimeout): nothing to wait for.
        this.send(app, { name: 'channel_vacated', channel });
      }
    });
  }

  /** Removals waiting out the delay here. */
  get pendingCount(): number {
    return this.pending.size;
  }

  channelOpened(app: string, channel: string): void {
    this.track('occupy', this.deps.occupancy.occupy(channelKey(app, channel), this.deps.delayMs), (found) => {
      if (found === 'none') return;
      this.resumed(app, found, { name: 'channel_vacated', channel }, { name: 'channel_occupied', channel });
    });
  }

  channelClosed(app: string, channel: string): void {
    const key = channelKey(app, channel);
    const token = newToken();
    this.track('vacate', this.deps.occupancy.vacate(key, token), (last) => {
      if (last) this.hold(channelMarker(key), token, app, { name: 'channel_vacated', channel });
    });
  }

  memberAdded(app: string, channel: string, member: Member): void {
    const user_id = userId(member);
    this.track('resume', this.deps.occupancy.resume(memberMarker(app, channel, user_id), this.deps.delayMs), (found) => {
      this.resumed(app, found, { name: 'member_removed', channel, user_id }, { name: 'member_added', channel, user_id });
    });
  }

  memberRemoved(app: string, channel: string, member: Member): void {
    const user_id = userId(member);
    const marker = memberMarker(app, channel, user_id);
    const token = newToken();
    this.track('mark', this.deps.occupancy.markRemoval(marker, token), () => this.hold(marker, token, app, { name: 'member_removed', channel, user_id }));
  }

  /**
   * Stops: removals waiting here are settled now (their channels and members did leave, so none
   * is lost unless a return already cancelled it), and every store call under way finishes.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.removeReaped?.();
    while (this.settling.size > 0) await Promise.allSettled([...this.settling]);
    for (const marker of [...this.pending.keys()]) this.settle(marker);
    while (this.settling.size > 0) await Promise.allSettled([...this.settling]);
  }

  /** A return: sends nothing when it cancelled a removal, the removal first when that was overdue. */
  private resumed(app: string, found: Resumption, removal: Removal, arrival: WebhookEvent): void {
    if (found === 'back') return;
    if (found === 'owed') this.send(app, removal);
    this.send(app, arrival);
  }

  private hold(marker: string, token: string, appId: string, event: Removal): void {
    if (this.deps.delayMs <= 0 || this.closed) {
      this.confirm(appId, event, marker, token);
      return;
    }
    // A second removal of the same thing replaces the first: only the newest marker is in the store.
    const previous = this.pending.get(marker);
    if (previous !== undefined) {
      clearTimeout(previous.timer);
      this.pending.delete(marker);
    }
    if (this.pending.size >= this.deps.maxPending) {
      const oldest = this.pending.keys().next();
      if (!oldest.done) this.settle(oldest.value);
    }
    const timer = setTimeout(() => this.settle(marker), this.deps.delayMs);
    timer.unref();
    this.pending.set(marker, { appId, event, token, timer });
  }

  private settle(marker: string): void {
    const pending = this.pending.get(marker);
    if (pending === undefined) return;
    clearTimeout(pending.timer);
    this.pending.delete(marker);
    this.confirm(pending.appId, pending.event, marker, pending.token);
  }

  private confirm(appId: string, event: Removal, marker: string, token: string): void {
    this.track('confirm', this.deps.occupancy.confirmRemoval(marker, token), (still) => {
      if (still) this.send(appId, event);
    });
  }

  private send(appId: string, event: WebhookEvent): void {
    this.deps.webhooks.emit(appId, event, { settled: true });
  }

  /** Follows one store call: its answer goes to `then`; a failure (Redis away) loses that event, logged. */
  private track<T>(what: string, call: Promise<T>, then: (answer: T) => void): void {
    const work = call.then(then, (error: unknown) => {
      this.deps.logger.warn('webhooks: occupancy store unavailable; an event is lost', { step: what, error });
    });
    this.settling.add(work);
    void work.finally(() => this.settling.delete(work));
  }
}

/** The `user_id` of a member: its user id as text (Pusher's `user_id`, the native `id`), else its subscription. */
export function userId(member: Member): string {
  const id = member.user_id ?? member.id;
  return typeof id === 'string' || typeof id === 'number' ? String(id) : member.memberId;
}

function memberMarker(app: string, channel: string, user: string): string {
  return `m:${JSON.stringify([app, channel, user])}`;
}

function newToken(): string {
  return randomBytes(8).toString('hex');
}
