/**
 * How long a terminated client (a slow consumer, a flood) gets to take its close frame before
 * its socket is dropped, on every transport of every front end.
 */
export const TERMINATE_GRACE_MS = 2000;
