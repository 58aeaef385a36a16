import type { AppDirectory } from '../apps/app-directory.js';
import type { App } from '../apps/app.js';
import { appKeyFromSocketPath } from '../apps/socket-path.js';
import { CLOSES, PushyError, isPushyError, type CloseInfo } from '../errors.js';

/** A socket let in: its app, and the call that gives its place back when it closes. */
export interface Admitted {
  readonly app: App;
  release(): void;
}

/** A socket refused: the error frame it is sent, then the close it gets. */
export interface Refused {
  /** The catalogue error (`APP_NOT_FOUND`, `APP_DISABLED`, `APP_KEY_EXPIRED`, `APP_TOO_MANY_CONNECTIONS`). */
  readonly error: PushyError;
  readonly close: CloseInfo;
  /** The app, when the refusal is one of its limits (for per-app counts). */
  readonly app?: string;
}

/**
 * Which app a new native socket belongs to, by the URL it opened (`/pushy/app/<key>/socket`, or
 * the default endpoint for the default app), and each app's `maxConnections` on this node. An
 * unknown key, an expired one or a disabled app is refused with its close code, before the
 * client gets `pushy:connect`.
 */
export class AppGate {
  private readonly open = new Map<string, number>();

  constructor(private readonly apps: AppDirectory) {}

  /** Lets a socket opened at `path` in, counted against its app, or says how it is refused. */
  admit(path: string): Admitted | Refused {
    const key = appKeyFromSocketPath(path);
    let app: App;
    try {
      app = key === undefined ? this.apps.defaultApp : this.apps.requireKey(key).app;
    } catch (error) {
      if (!isPushyError(error)) throw error;
      if (error.errorName === 'APP_DISABLED') return { error, close: CLOSES.APP_DISABLED };
      if (error.errorName === 'APP_KEY_EXPIRED') return { error, close: CLOSES.APP_KEY_EXPIRED };
      return { error, close: CLOSES.APP_NOT_FOUND };
    }
    const open = this.open.get(app.id) ?? 0;
    if (app.maxConnections !== undefined && open >= app.maxConnections) {
      const error = new PushyError('APP_TOO_MANY_CONNECTIONS', `App "${app.id}" has its ${app.maxConnections} connections open on this server`);
      return { error, close: CLOSES.APP_TOO_MANY_CONNECTIONS, app: app.id };
    }
    this.open.set(app.id, open + 1);
    let released = false;
    return {
      app,
      release: () => {
        if (released) return;
        released = true;
        const left = (this.open.get(app.id) ?? 1) - 1;
        if (left > 0) this.open.set(app.id, left);
        else this.open.delete(app.id);
      },
    };
  }
}
