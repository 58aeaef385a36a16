/**
 * Admits requests until shutdown begins and tells shutdown when the admitted ones are done, so
 * that every request answered with success has finished its work before sockets close.
 */
export class DrainGate {
  private active = 0;
  private draining = false;
  private idleWaiters: Array<() => void> = [];

  /** True once {@link drain} was called. */
  get isDraining(): boolean {
    return this.draining;
  }

  /** Admits one request; false when shutting down. Pair every admission with {@link leave}. */
  enter(): boolean {
    if (this.draining) return false;
    this.active += 1;
    return true;
  }

  /** Marks an admitted request done. */
  leave(): void {
    this.active -= 1;
    if (this.active > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  /** Stops admitting and resolves when every admitted request is done. */
  drain(): Promise<void> {
    this.draining = true;
    if (this.active === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }
}
