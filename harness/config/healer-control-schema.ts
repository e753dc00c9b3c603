import { z } from 'zod';
import { duration } from './fields.js';

/**
 * How chaoslab pauses and resumes a host's healing stack, for `chaoslab
 * selftest`: it proves a fault (inject → drift → revert → baseline) while no
 * healer can race it. Both commands run on the host through its transport, in
 * its shell, and exit 0 when done. Resuming is journalled like a revert, so a
 * healer paused by a run that died is resumed by the next run or
 * `chaoslab revert --pending`.
 */
export const healerControlSchema = z.strictObject({
  pause: z.string().min(1).meta({ description: 'Command run on the host that stops its healer from acting (e.g. SIGSTOP of its process group); exits 0 when paused' }),
  resume: z.string().min(1).meta({ description: 'Command run on the host that lets the healer act again (e.g. SIGCONT); exits 0 when resumed' }),
  timeout: duration.default(30_000).meta({ description: 'Per command' }),
});
export type HealerControl = z.infer<typeof healerControlSchema>;
