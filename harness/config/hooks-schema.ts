import { z } from 'zod';
import { duration } from './fields.js';

/**
 * Hooks: commands chaoslab runs on the controller (never on a lab host) at
 * points of a run, with what happened in CHAOSLAB_* environment variables, e.g.
 * to annotate a dashboard or post to a chat. A hook is a notification: its
 * failure is recorded and shown, and never changes a verdict or stops a revert.
 */
export const hookCommandSchema = z.union([
  z.string().min(1),
  z.strictObject({
    run: z.string().min(1).meta({ description: 'Command line for /bin/sh -c on the controller; read values from the CHAOSLAB_* environment, never paste them into the line' }),
    timeout: duration.default(30_000),
  }),
]);
export type HookCommandInput = z.infer<typeof hookCommandSchema>;

export const hooksSchema = z
  .strictObject({
    before_run: hookCommandSchema.optional().meta({ description: 'Once, before the first injection' }),
    after_run: hookCommandSchema.optional().meta({ description: 'Once, after the last attempt and the residue scan' }),
    before_attempt: hookCommandSchema.optional().meta({ description: 'Before each attempt is injected' }),
    after_attempt: hookCommandSchema.optional().meta({ description: 'After each attempt was reverted and judged' }),
  })
  .default({});
export type HooksConfig = z.infer<typeof hooksSchema>;
export type HookName = keyof HooksConfig;
export const HOOK_NAMES: readonly HookName[] = ['before_run', 'after_run', 'before_attempt', 'after_attempt'];
