import type { ObserverConfig } from '../config/observer-schema.js';

/** What any delivery may take beyond the transport's own cadence: a tail, a push, one request. */
export const DELIVERY_SLACK_MS = 1000;

/**
 * How late after the SLA a claim stamped inside it may arrive and still count
 * as on time: the observer's `delivery_allowance`, else the slack plus the
 * poll interval of kinds that only see the stack when they poll (a claim
 * written just after a poll waits a whole interval through no fault of the stack).
 */
export function deliveryAllowanceMs(config: ObserverConfig): number {
  if (config.delivery_allowance !== undefined) return config.delivery_allowance;
  switch (config.kind) {
    case 'log':
    case 'webhook':
      return DELIVERY_SLACK_MS;
    case 'http':
      return config.mode === 'sse' ? DELIVERY_SLACK_MS : DELIVERY_SLACK_MS + config.poll_interval;
    // LISTEN only hastens a poll: the poll is what every row is guaranteed
    case 'postgres':
    case 'browser':
    // a counter's increase is seen by a poll (after Prometheus' own scrape)
    case 'prometheus':
    // a report rewritten after each run is seen when the file is next checked
    case 'report-file':
      return DELIVERY_SLACK_MS + config.poll_interval;
  }
}

/** Every observer's allowance by name, as the verdict wants them. */
export function deliveryAllowances(observers: readonly ObserverConfig[]): Record<string, number> {
  return Object.fromEntries(observers.map((observer) => [observer.name, deliveryAllowanceMs(observer)]));
}
