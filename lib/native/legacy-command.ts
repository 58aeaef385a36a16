import { z } from 'zod';
import type { CommandHandler } from './command-registry.js';

/**
 * The v1 command shim: a v1 command module exports a plain function, called with v1-shaped
 * arguments `(sockjs, connection, data, channels)`. Wrapped as a command, so old modules still run.
 */

/** A v1 command module: a plain function, called with v1-shaped arguments. */
export type LegacyCommand = (sockjs: unknown, connection: LegacyConnection, data: unknown, channels: LegacyChannels) => unknown;

/** The connection object a v1 command receives. */
export interface LegacyConnection {
  id: string;
  protocol: string;
  write(text: string): void;
  send(event: string, channel?: string, data?: unknown): void;
  close(code?: number, reason?: string): void;
}

/** The channels object a v1 command receives. */
export interface LegacyChannels {
  trigger(channel: string, event: string, data?: unknown): Promise<number>;
  publish(channel: string, event: string, data?: unknown): Promise<number>;
}

/** Runs a v1 `(sockjs, connection, data, channels)` function as a command; `sockjsServer` is its first argument. */
export function wrapLegacy(name: string, fn: LegacyCommand, sockjsServer: unknown): CommandHandler {
  return {
    name,
    schema: z.unknown(),
    handle: (ctx, data) => {
      const { connection } = ctx;
      const legacyConnection: LegacyConnection = {
        id: connection.id,
        protocol: connection.protocol,
        write: (text) => connection.sendEncoded(String(text)),
        send: (event, channel, payload) => connection.send(event, channel, payload),
        close: (code, reason) => connection.close(code, reason),
      };
      const publish = (channel: string, event: string, payload?: unknown): Promise<number> => ctx.publish(channel, event, payload);
      return fn(sockjsServer, legacyConnection, data, { trigger: publish, publish });
    },
  };
}
