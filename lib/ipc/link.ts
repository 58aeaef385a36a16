import type { ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import type { ChannelTotal } from '../counts/subscriber-count-store.js';

/**
 * The messages between the primary and its workers (over the IPC channel of `fork`). Workers
 * ask (`call`) and the primary answers (`reply`); the primary also pushes broker deliveries,
 * presence changes found by itself, and the connections it routed.
 */
export type ClusterMessage =
  /** Worker -> primary: run a shared store or broker operation (see rpc.ts). */
  | { kind: 'call'; id: number; op: string; args: unknown[] }
  /** Primary -> worker: the outcome of a call. */
  | { kind: 'reply'; id: number; ok: true; value: unknown }
  | { kind: 'reply'; id: number; ok: false; error: string }
  /** Primary -> worker: the configuration and the worker's number; the first message. */
  | { kind: 'start'; index: number; config: unknown }
  /** Worker -> primary: serving; connections may come. */
  | { kind: 'ready' }
  /**
   * A TCP connection (the handle beside the message) and the bytes already read from it, base64:
   * primary -> worker, routed; or worker -> primary, a request of a session that lives on
   * another worker (see `bounce`).
   */
  | { kind: 'connection'; head: string }
  /** Primary -> worker: a broker message on a channel the worker subscribed to. */
  | { kind: 'deliver'; message: unknown }
  /** Primary -> worker: a presence change the worker is to announce (a dead worker's member left). */
  | { kind: 'presence-change'; change: unknown }
  /** Primary -> worker: channels a dead worker left empty, for the worker to report (webhooks). */
  | { kind: 'occupancy-reaped'; channels: string[] }
  /** Primary -> worker: channels' subscriber totals after a worker died, for the worker to announce. */
  | { kind: 'counts-changed'; totals: ChannelTotal[] };

/** One end of the pipe between the primary and a worker. */
export interface Link {
  /**
   * Sends a message, with a socket beside it when `handle` is given; `sent` runs once it went
   * (a socket's handle leaves this process only then: Node queues handles one at a time).
   */
  send(message: ClusterMessage, handle?: Socket, sent?: () => void): void;
  /** Registers a listener; returns its remover. */
  onMessage(listener: (message: ClusterMessage, handle: Socket | undefined) => void): () => void;
  /** True while messages can go through. */
  readonly connected: boolean;
}

/** Whether a value received over IPC is a cluster message at all (anything else is ignored). */
function isClusterMessage(value: unknown): value is ClusterMessage {
  return typeof value === 'object' && value !== null && typeof (value as { kind?: unknown }).kind === 'string';
}

/** The worker's end: this process's IPC channel to the primary. */
export function parentLink(proc: NodeJS.Process = process): Link {
  if (!proc.send) throw new Error('this process has no IPC channel: it was not forked by a Pushy primary');
  const send = proc.send.bind(proc) as (message: unknown, handle?: unknown, options?: object, callback?: (error: Error | null) => void) => boolean;
  return {
    send: (message, handle, sent) => {
      send(message, handle, {}, () => sent?.());
    },
    onMessage(listener) {
      const handler = (message: unknown, handle: unknown): void => {
        if (isClusterMessage(message)) listener(message, handle as Socket | undefined);
      };
      proc.on('message', handler);
      return () => proc.off('message', handler);
    },
    get connected() {
      return proc.connected === true;
    },
  };
}

/** The primary's end of a forked worker's IPC channel. */
export function childLink(child: ChildProcess): Link {
  return {
    send: (message, handle, sent) => {
      if (child.connected) child.send(message, handle, {}, () => sent?.());
      else sent?.();
    },
    onMessage(listener) {
      const handler = (message: unknown, handle: unknown): void => {
        if (isClusterMessage(message)) listener(message, handle as Socket | undefined);
      };
      child.on('message', handler);
      return () => child.off('message', handler);
    },
    get connected() {
      return child.connected;
    },
  };
}
