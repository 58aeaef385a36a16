/**
 * Plain running totals that the hot paths move with a bare `+= n` (no labels, no hashing).
 * Prometheus metrics and the admin dashboard read them when asked, so a busy server pays
 * nothing per message for being observable.
 */
export interface TrafficCounters {
  /** SockJS connections opened since start. */
  connectionsOpened: number;
  /** Frames received from clients. */
  framesIn: number;
  /** Frames sent to clients (every kind, fan-out included). */
  framesOut: number;
  /** Events published from this node (HTTP triggers, the admin console, custom commands). */
  eventsTriggered: number;
  /** Event frames handed to local subscribers by fan-out (one per recipient). */
  eventsDelivered: number;
  /** Refusals sent, by where they were answered and their wire code. */
  readonly errors: { readonly socket: Map<string, number>; readonly http: Map<string, number> };
}

/** Where a refusal was answered. */
export type ErrorSource = keyof TrafficCounters['errors'];

/** Fresh counters, all zero. */
export function createTrafficCounters(): TrafficCounters {
  return {
    connectionsOpened: 0,
    framesIn: 0,
    framesOut: 0,
    eventsTriggered: 0,
    eventsDelivered: 0,
    errors: { socket: new Map(), http: new Map() },
  };
}

/** Counts one refusal with its wire code. */
export function countError(traffic: TrafficCounters, source: ErrorSource, code: string): void {
  const counts = traffic.errors[source];
  counts.set(code, (counts.get(code) ?? 0) + 1);
}
