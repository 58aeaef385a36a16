import { readdir, realpath } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import type { ChannelManager } from '../channels/channel-manager.js';
import { eventNameSchema, type ChannelPolicy } from '../channels/channel-policy.js';
import type { Connection } from './connection.js';
import { PushyError, isPushyError } from '../errors.js';
import type { Logger } from '../logger.js';
import { describeIssue } from '../util/zod-issue.js';
import { wrapLegacy, type LegacyCommand } from './legacy-command.js';
import { EVENTS, clientFrameSchema, type FrameId } from './protocol.js';
import type { FrontEndWebhooks } from '../webhooks/front-end-webhooks.js';
import type { ChannelAuthInput } from '../signing/legacy-auth.js';
import { checkJsonDepth } from '../util/json-depth.js';
import type { ChannelGrant } from '../tokens/verify-channel-token.js';
import type { TokenTarget } from '../tokens/channel-token-scope.js';
import type { WildcardSubscriptions } from '../channels/wildcard-subscriptions.js';
import type { ChannelGrants } from './channel-grants.js';
import type { ClientEventGate } from './client-events.js';
import type { ExclusiveChannels } from './exclusive-channels.js';

/** What a command handler may use. Everything is passed in; nothing is global. */
export interface CommandContext {
  /** The connection that sent the frame. */
  readonly connection: Connection;
  readonly channels: ChannelManager;
  readonly logger: Logger;
  /** The frame's `id`, when it carried one. */
  readonly frameId?: FrameId;
  /** Limits commands apply to what they accept. */
  readonly limits: CommandLimits;
  /** Checks a channel `auth` signature against the server's secret. */
  authorize(input: ChannelAuthInput): boolean;
  /**
   * Publishes an event on a channel to its subscribers on every node. Resolves with the number
   * of nodes that had subscribers.
   */
  publish(channel: string, event: string, data: unknown, options?: { excludeSelf?: boolean }): Promise<number>;
  /**
   * Verifies a channel token for `target` (a normalised channel name) with the app's keys;
   * rejects with a `TOKEN_*` error. Absent when the server takes no tokens.
   */
  verifyToken?(token: string, target: TokenTarget): Promise<ChannelGrant>;
  /** Wildcard subscriptions (`orders.*`); absent: patterns are refused. */
  wildcards?: WildcardSubscriptions;
  /** What tokens granted per subscription (the `publish-event` command reads it). */
  grants?: ChannelGrants;
  /** The rule of client events (`clientEvents.*`); absent: refused. */
  clientEvents?: ClientEventGate;
  /** Places on exclusive channels (`channels` rules); absent: no limits. */
  exclusive?: ExclusiveChannels;
  /** The webhooks told of client events (`client_event`); absent: none are sent. */
  webhooks?: FrontEndWebhooks;
}

/**
 * A command clients can send. A module in the commands folder exports one as default.
 * Whatever `handle` returns is sent back as `pushy:reply` when the frame carried an `id`.
 */
export interface CommandHandler<S extends z.ZodType = z.ZodType> {
  /** Lowercase command name. */
  readonly name: string;
  /** Validates the frame's `data`; an issue at `channel` is refused with code 300, others 400. */
  readonly schema: S;
  handle(ctx: CommandContext, data: z.output<S>): Promise<unknown> | unknown;
}

/** Limits handed to commands. */
export interface CommandLimits {
  /** Largest presence data (its JSON text) a subscribe may carry, in UTF-8 bytes. */
  readonly maxPresenceDataBytes: number;
}

/** What {@link CommandRegistry} needs. */
export interface CommandRegistryDeps {
  logger: Logger;
  channels: ChannelManager;
  /** The channel-name rule a command's publish must pass. */
  policy: ChannelPolicy;
  /** Checks a channel `auth` for the connection that sent it (against its app's secrets). */
  authorize(input: ChannelAuthInput, connection: Connection): boolean;
  maxFrameBytes: number;
  /** A connection's app's own `maxFrameBytes`, when it has one (it can only lower the global one: the transports cut longer messages first). */
  appFrameLimit?: (connection: Connection) => number | undefined;
  /** Told of each frame refused by its app's own `maxFrameBytes` (per-app counts). */
  onAppFrameRefusal?: (connection: Connection) => void;
  /** Largest presence data on a subscribe, in bytes (default: no limit). */
  maxPresenceDataBytes?: number;
  /** The SockJS server object, handed to v1 commands as their first argument. */
  sockjsServer?: unknown;
  /** Verifies channel tokens (see {@link CommandContext.verifyToken}). */
  verifyToken?(token: string, target: TokenTarget): Promise<ChannelGrant>;
  /** Wildcard subscriptions. */
  wildcards?: WildcardSubscriptions;
  /** What tokens granted per subscription. */
  grants?: ChannelGrants;
  /** The rule of client events. */
  clientEvents?: ClientEventGate;
  /** Places on exclusive channels. */
  exclusive?: ExclusiveChannels;
  /** The webhooks told of client events. */
  webhooks?: FrontEndWebhooks;
}

/** Outcome of loading a commands folder. */
export interface LoadReport {
  loaded: string[];
  failed: Array<{ file: string; error: string }>;
}

const COMMAND_FILE = /\.(?:js|mjs|cjs)$/;

/**
 * Holds the commands, loads a folder of custom ones, and is the socket-side error boundary:
 * every client frame goes through {@link CommandRegistry.dispatch}, and every refusal leaves
 * it as a `pushy:error` frame.
 */
export class CommandRegistry {
  private readonly commands = new Map<string, CommandHandler>();
  private readonly limits: CommandLimits;

  constructor(private readonly deps: CommandRegistryDeps) {
    this.limits = { maxPresenceDataBytes: deps.maxPresenceDataBytes ?? Number.POSITIVE_INFINITY };
  }

  /** Registers a command under its lowercased name (returned); a second one of the same name is refused. */
  register(handler: CommandHandler): string {
    const name = handler.name.toLowerCase();
    if (!/^[a-z0-9_:.-]{1,64}$/.test(name)) throw new Error(`Invalid command name "${handler.name}"`);
    if (this.commands.has(name)) throw new Error(`Command "${name}" is already registered`);
    this.commands.set(name, handler);
    return name;
  }

  /** Names of the registered commands. */
  names(): string[] {
    return [...this.commands.keys()];
  }

  /**
   * Loads every `.js`/`.mjs`/`.cjs` file of a folder as one command. Dotfiles (editor backups,
   * `._` resource forks) are skipped. A file that fails to load, or a symlink that leads out of
   * the folder (whoever can write the folder could otherwise make the server run any file it can
   * read), is reported with its name and skipped, so one bad entry does not take the server down.
   */
  async loadFolder(folder: string): Promise<LoadReport> {
    const report: LoadReport = { loaded: [], failed: [] };
    const root = await realpath(folder);
    const names = (await readdir(folder)).filter((file) => COMMAND_FILE.test(file)).sort();
    for (const file of names) {
      const fullPath = path.resolve(folder, file);
      if (file.startsWith('.')) {
        this.deps.logger.debug('custom command folder: dotfile skipped', { file: fullPath });
        continue;
      }
      try {
        const target = await realpath(fullPath);
        const inside = path.relative(root, target);
        if (inside === '' || inside === '..' || inside.startsWith(`..${path.sep}`) || path.isAbsolute(inside)) {
          throw new Error(`a symlink to ${target}, outside the commands folder: not loaded`);
        }
        const handler = toHandler(await import(pathToFileURL(target).href), file, this.deps);
        const name = this.register(handler);
        report.loaded.push(name);
        this.deps.logger.info('custom command loaded', { command: name, file: fullPath });
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        report.failed.push({ file: fullPath, error: message });
        this.deps.logger.error(`custom command ${fullPath} failed to load: ${message}`, { file: fullPath });
      }
    }
    return report;
  }

  /** Handles one raw client frame; never throws. */
  async dispatch(connection: Connection, text: string): Promise<void> {
    let frameId: FrameId | undefined;
    let command = '';
    try {
      if (exceedsBytes(text, this.deps.maxFrameBytes)) throw new PushyError('FRAME_TOO_LARGE');
      const appLimit = this.deps.appFrameLimit?.(connection);
      if (appLimit !== undefined && exceedsBytes(text, appLimit)) {
        this.deps.onAppFrameRefusal?.(connection);
        throw new PushyError('FRAME_TOO_LARGE');
      }
      const frame = parseFrame(text);
      frameId = frame.id;
      // Whatever a command does with the data (publish it, reply with it) encodes it again.
      checkJsonDepth(text, 'Frame');
      command = frame.command.toLowerCase();
      const handler = this.commands.get(command);
      if (!handler) throw new PushyError('UNKNOWN_COMMAND', `Unknown command "${truncate(frame.command)}"`);
      const parsed = handler.schema.safeParse(frame.data ?? {});
      if (!parsed.success) throw dataError(parsed.error);
      const result = await handler.handle(this.context(connection, frameId), parsed.data);
      if (frameId !== undefined) {
        connection.send(EVENTS.reply, undefined, result === undefined ? { id: frameId } : { id: frameId, result });
      }
    } catch (error) {
      if (isPushyError(error)) {
        connection.sendError(error, frameId);
        return;
      }
      this.deps.logger.error('command failed', { command, connectionId: connection.id, error });
      connection.sendError(new PushyError('INTERNAL'), frameId);
    }
  }

  private context(connection: Connection, frameId: FrameId | undefined): CommandContext {
    const { channels, logger, authorize, verifyToken, grants, clientEvents, exclusive, wildcards, webhooks } = this.deps;
    return {
      connection,
      channels,
      logger,
      frameId,
      limits: this.limits,
      authorize: (input) => authorize(input, connection),
      verifyToken,
      grants,
      clientEvents,
      webhooks,
      exclusive,
      wildcards,
      // A command publishes in its connection's app: never into another app's channel of that name.
      publish: (channel, event, data, options) => this.publish(connection.app, channel, event, data, options?.excludeSelf ? connection.id : undefined),
    };
  }

  /**
   * Publishes from a command after checking what a command author passed in with the trigger's
   * rules: a command that relays client input must not let a client publish `pushy:` events (a
   * fake presence change) or on channels no trigger could use.
   */
  private async publish(app: string, channel: unknown, event: unknown, data: unknown, excludeSocketId?: string): Promise<number> {
    const name = this.deps.policy.check(channel);
    if (!name.ok) throw new PushyError('INVALID_CHANNEL', name.tooLong ? `Channel name ${name.reason}` : 'Invalid channel name');
    const eventName = eventNameSchema.safeParse(event);
    if (!eventName.success) throw new PushyError('INVALID_DATA', `Invalid event name: ${describeIssue(eventName.error)}`);
    return this.deps.channels.publish({ type: 'event', app, channel: name.name, event: eventName.data, data, excludeSocketId });
  }
}

function parseFrame(text: string): z.infer<typeof clientFrameSchema> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new PushyError('BOGUS_FRAME', 'Bogus frame: not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new PushyError('BOGUS_FRAME');
  const frame = clientFrameSchema.safeParse(value);
  if (frame.success) return frame.data;
  const where = frame.error.issues[0]?.path[0];
  if (where === 'id') throw new PushyError('INVALID_DATA', 'Frame id must be a string of at most 64 characters or a number');
  throw new PushyError('BOGUS_FRAME');
}

function dataError(error: z.ZodError): PushyError {
  if (error.issues[0]?.path[0] === 'channel') return new PushyError('INVALID_CHANNEL');
  return new PushyError('INVALID_DATA', `Invalid command data: ${describeIssue(error)}`);
}

/** True when `text` is longer than `limit` UTF-8 bytes. */
export function exceedsBytes(text: string, limit: number): boolean {
  // A UTF-16 unit is at most 3 UTF-8 bytes: only measure when the length cannot decide.
  if (text.length > limit) return true;
  if (text.length * 3 <= limit) return false;
  return Buffer.byteLength(text, 'utf8') > limit;
}

function truncate(text: string): string {
  return text.length > 64 ? text.slice(0, 64) + '…' : text;
}

function toHandler(moduleNamespace: Record<string, unknown>, file: string, deps: CommandRegistryDeps): CommandHandler {
  const exported = moduleNamespace.default ?? moduleNamespace.command;
  const fileName = path.basename(file).replace(COMMAND_FILE, '').toLowerCase();
  if (typeof exported === 'function') return wrapLegacy(fileName, exported as LegacyCommand, deps.sockjsServer);
  if (typeof exported === 'object' && exported !== null && typeof (exported as CommandHandler).handle === 'function') {
    const handler = exported as Partial<CommandHandler> & Pick<CommandHandler, 'handle'>;
    return { name: handler.name ?? fileName, schema: handler.schema ?? z.unknown(), handle: handler.handle.bind(handler) };
  }
  throw new Error('default export must be a command handler ({ name, schema, handle }) or a v1 command function');
}
