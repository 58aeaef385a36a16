/** An open connection as operations see it, whatever front end serves it. */
export interface ConnectionInfo {
  /** Transport name, e.g. `websocket`, `xhr-streaming` (metrics and the dashboard count by it). */
  readonly protocol: string;
  /** The app the connection belongs to (absent: the default app), for per-app counts. */
  readonly app?: string;
}

/** This node's open connections, read when asked (health, metrics, admin). */
export type OpenConnections = () => ReadonlySet<ConnectionInfo>;
