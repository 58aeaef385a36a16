/**
 * A listener of a client event. Channel events also pass what the frame said besides the data
 * (see `EventInfo`).
 */
export type Listener = (data: any, info?: any) => void;

/**
 * A small event emitter for the browser client. A listener that throws does not stop the
 * others: its error is rethrown on a fresh task, so it still reaches the console and
 * `window.onerror`.
 */
export class Emitter {
  private readonly listeners = new Map<string, Set<Listener>>();

  /** Calls `listener` with the data of every `event`. */
  bind(event: string, listener: Listener): this {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    set.add(listener);
    return this;
  }

  /** Removes one listener, every listener of `event` (no listener given), or all (no event). */
  unbind(event?: string, listener?: Listener): this {
    if (event === undefined) this.listeners.clear();
    else if (listener === undefined) this.listeners.delete(event);
    else this.listeners.get(event)?.delete(listener);
    return this;
  }

  /** Calls the listeners of `event` in the order they were bound. */
  emit(event: string, data?: unknown, info?: unknown): void {
    const set = this.listeners.get(event);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        listener(data, info);
      } catch (error) {
        setTimeout(() => {
          throw error;
        }, 0);
      }
    }
  }
}
