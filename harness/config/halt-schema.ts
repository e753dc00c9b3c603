import { z } from 'zod';
import { duration, identifier } from './fields.js';

/**
 * Halt conditions: the emergency stop of a chaos run. While any of them fires
 * chaoslab injects nothing new and reverts what is active. A lab or a suite
 * declares them under `halt:`; both lists apply.
 */
const conditionBase = {
  name: identifier,
  /** What a condition that cannot be read mid-run means: `halt` (the safe default) or `continue`. */
  when_unreadable: z.enum(['halt', 'continue']).default('halt'),
  timeout: duration.default(2000).meta({ description: 'Limit for one evaluation' }),
};

export const alertmanagerHaltSchema = z.strictObject({
  ...conditionBase,
  kind: z.literal('alertmanager'),
  url: z.string().url().meta({ description: 'Base URL of the Alertmanager API, e.g. http://127.0.0.1:9093' }),
  /** Alertmanager matchers, e.g. `alertname="HostDown"`, `severity=~"crit.*"`; an active, unsilenced alert matching all of them fires the condition. */
  matchers: z.array(z.string().min(1)).min(1),
});

export const prometheusHaltSchema = z
  .strictObject({
    ...conditionBase,
    kind: z.literal('prometheus'),
    url: z.string().url().meta({ description: 'Base URL of the Prometheus HTTP API' }),
    query: z.string().min(1).meta({ description: 'PromQL instant-vector query' }),
    above: z.number().optional().meta({ description: 'Fires when any sample is above this value' }),
    below: z.number().optional().meta({ description: 'Fires when any sample is below this value' }),
  })
  .refine((c) => (c.above === undefined) !== (c.below === undefined), { message: 'needs exactly one of `above` or `below`', path: ['above'] });

export const httpHaltSchema = z.strictObject({
  ...conditionBase,
  kind: z.literal('http'),
  url: z.string().url().meta({ description: 'A health endpoint: any 2xx answer is healthy' }),
  failures: z.number().int().min(1).default(3).meta({ description: 'Fires after this many failed checks in a row' }),
});

export const stopFileHaltSchema = z.strictObject({
  ...conditionBase,
  kind: z.literal('stop_file'),
  path: z.string().min(1).meta({ description: 'Fires as soon as this file exists (an operator\'s kill switch: `touch` it)' }),
});

export const haltConditionSchema = z.discriminatedUnion('kind', [alertmanagerHaltSchema, prometheusHaltSchema, httpHaltSchema, stopFileHaltSchema]);
export type HaltCondition = z.infer<typeof haltConditionSchema>;

export const haltListSchema = z.array(haltConditionSchema).default([]);
