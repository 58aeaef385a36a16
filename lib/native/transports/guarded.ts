import type { Logger } from '../../logger.js';

/**
 * Wraps a listener that a socket library or Node calls (a message, an upgrade, a timer): an
 * exception from it is logged with `what` and goes no further. Thrown inside a library's event
 * dispatch it would otherwise unwind into the library's parser, or reach the process as an
 * uncaught exception. Only bugs get here: every refusal of client input is answered before.
 */
export function guarded<A extends unknown[]>(logger: Logger, what: string, listener: (...args: A) => void): (...args: A) => void {
  return (...args) => {
    try {
      listener(...args);
    } catch (error) {
      logger.error(`${what} failed`, { error });
    }
  };
}
