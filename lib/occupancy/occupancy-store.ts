/**
 * Whether a channel has subscribers anywhere in the cluster, decided at the two moments a node
 * knows: its first local subscriber of a channel arrived, its last one left. Together with the
 * pending removals of webhooks (`channel_vacated`, `member_removed` wait a delay and vanish when
 * the channel or member comes back), so that a return on ANY node cancels a removal made on
 * another one. Channels are named by their key (`apps/namespace.ts`); removal markers by any
 * string the caller makes unique.
 */
export interface OccupancyStore {
  /**
   * This node has a first subscriber on the channel. `'none'`: other nodes have some too;
   * `'new'`: first in the cluster; `'back'`: first again within the delay of the removal
   * pending for it (which is now cancelled: tell nobody); `'owed'`: first again after that
   * delay, while the removal was not sent yet (send it, then the occupation).
   */
  occupy(channel: string, delayMs: number): Promise<Resumption | 'none'>;
  /**
   * This node's last subscriber left the channel. True when it was the cluster's last: a
   * removal marked `token` is then pending for the channel (see {@link confirmRemoval}).
   */
  vacate(channel: string, token: string): Promise<boolean>;
  /** A removal (a member's) is pending under `marker`, owned by `token`. */
  markRemoval(marker: string, token: string): Promise<void>;
  /** The thing `marker` names is back: like {@link occupy}'s answers (`'new'` when nothing was pending). */
  resume(marker: string, delayMs: number): Promise<Resumption>;
  /** The delay passed: true (and the marker is gone) when the removal marked `token` is still pending, so it is to be sent. */
  confirmRemoval(marker: string, token: string): Promise<boolean>;
  /**
   * Channels that emptied because a dead node was reaped (shared stores only): reported once in
   * the cluster, to the node that reaped. Returns the listener's remover.
   */
  onReaped?(listener: (channels: string[]) => void): () => void;
  close(): Promise<void>;
}

/** What a return finds: nothing pending, a removal to cancel, or a removal overdue. */
export type Resumption = 'new' | 'back' | 'owed';

/** The marker of a channel's pending `channel_vacated`. */
export function channelMarker(channel: string): string {
  return `c:${channel}`;
}

interface Marker {
  token: string;
  at: number;
}

/**
 * Occupancy of one process: the node's first local subscriber is the cluster's first. Markers
 * live as long as they are pending; there is at most one per channel or member that emptied.
 */
export class MemoryOccupancyStore implements OccupancyStore {
  private readonly occupied = new Set<string>();
  private readonly markers = new Map<string, Marker>();

  constructor(private readonly now: () => number = Date.now) {}

  async occupy(channel: string, delayMs: number): Promise<Resumption | 'none'> {
    if (this.occupied.has(channel)) return 'none';
    this.occupied.add(channel);
    return this.resumeNow(channelMarker(channel), delayMs);
  }

  async vacate(channel: string, token: string): Promise<boolean> {
    if (!this.occupied.delete(channel)) return false;
    this.markers.set(channelMarker(channel), { token, at: this.now() });
    return true;
  }

  async markRemoval(marker: string, token: string): Promise<void> {
    this.markers.set(marker, { token, at: this.now() });
  }

  async resume(marker: string, delayMs: number): Promise<Resumption> {
    return this.resumeNow(marker, delayMs);
  }

  async confirmRemoval(marker: string, token: string): Promise<boolean> {
    if (this.markers.get(marker)?.token !== token) return false;
    this.markers.delete(marker);
    return true;
  }

  async close(): Promise<void> {
    this.occupied.clear();
    this.markers.clear();
  }

  private resumeNow(marker: string, delayMs: number): Resumption {
    const pending = this.markers.get(marker);
    if (pending === undefined) return 'new';
    this.markers.delete(marker);
    return this.now() - pending.at < delayMs ? 'back' : 'owed';
  }
}
