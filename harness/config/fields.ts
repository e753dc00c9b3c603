import { z } from 'zod';
import { parseDuration } from '../core/duration.js';
import { PLATFORMS } from '../core/platform.js';

/** `90s`, `2m`, `1h30m`, `500ms` or a number of seconds → milliseconds. */
export const duration = z
  .union([z.string(), z.number()])
  .transform((value, ctx) => {
    const ms = parseDuration(value);
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: `must be a duration like 90s, 2m or 500ms (got ${JSON.stringify(value)})` });
      return z.NEVER;
    }
    return ms;
  })
  .meta({
    description: 'A duration: 500ms, 90s, 2m, 1h30m, or a number of seconds',
    examples: ['90s', '2m'],
    // JSON Schema applies `pattern` to strings only, so numbers of seconds stay valid in editors.
    pattern: '^\\s*(\\d+(\\.\\d+)?|(\\d+(\\.\\d+)?(ms|s|m|h))+)\\s*$',
  });

/**
 * A credential is never written inline: it is a reference resolved at run time.
 * `env:NAME` reads an environment variable, `file:PATH` a file (relative to the inventory).
 */
export const secretRef = z
  .string()
  .regex(/^(env:[A-Za-z_][A-Za-z0-9_]*|file:.+)$/, 'must be a secret reference env:NAME or file:PATH, never an inline secret')
  .meta({ description: 'Secret reference: env:NAME or file:PATH' });

export const identifier = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]*$/, 'must be lower-case letters, digits, ".", "_" or "-"');

export const platform = z.enum(PLATFORMS);

export const tier = z.enum(['L1', 'L2', 'L3']);
export type Tier = z.infer<typeof tier>;

/** The management plane: what no fault may touch on a host. */
export const protectSpec = z
  .strictObject({
    ports: z.array(z.number().int().min(1).max(65535)).default([]),
    services: z.array(z.string().min(1)).default([]),
    accounts: z.array(z.string().min(1)).default([]),
    paths: z.array(z.string().min(1)).default([]),
  })
  .meta({ description: 'Management plane that faults must never touch' });
export type ProtectSpec = z.infer<typeof protectSpec>;
