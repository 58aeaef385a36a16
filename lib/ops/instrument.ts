import { PushyError } from '../errors.js';
import { countError, type TrafficCounters } from '../stats/traffic.js';
import type { Route } from '../http/router.js';

/** What {@link instrumentRoute} records into. */
export interface RouteInstruments {
  traffic: TrafficCounters;
  /** Called with the handling time and final status of every request (e.g. a histogram). */
  observe?(seconds: number, status: number): void;
}

/**
 * Wraps a route so that the catalogue errors it throws are counted by wire code and, with
 * `observe`, its handling time is measured. Errors still go on to the router, which answers them.
 */
export function instrumentRoute(route: Route, instruments: RouteInstruments): Route {
  const { traffic, observe } = instruments;
  return {
    ...route,
    async handle(ctx) {
      const started = performance.now();
      let status = 500;
      try {
        await route.handle(ctx);
        status = ctx.res.statusCode;
      } catch (error) {
        if (error instanceof PushyError) {
          status = error.status;
          countError(traffic, 'http', error.code);
        } else {
          countError(traffic, 'http', '500');
        }
        throw error;
      } finally {
        observe?.((performance.now() - started) / 1000, status);
      }
    },
  };
}
